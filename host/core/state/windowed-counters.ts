/*
 * Sliding-window counters and distinct sets held in memory. Shared by the
 * memory store and the SQLite store (which snapshots them to disk), so the
 * windowing rules live in one place: an event at time t counts while
 * now - t < window, i.e. it is gone exactly `window` ms later.
 *
 * Memory is the constraint under attack: every (login, network) an attacker
 * tries is a key, and nearly all of them hold a single event. So a key is a
 * slot in typed columns (kind, window, time) plus one pointer (the amount or
 * the member), about 25 bytes besides the key string; only a key with a
 * second event or member gets a full object.
 */

interface Series {
  /** Event times and amounts, oldest first; [head, length) is live. */
  t: number[];
  v: number[];
  head: number;
  sum: number;
  window: number;
}

interface DistinctSet {
  /** member -> last seen (ms). Insertion order is refreshed on each sighting. */
  seen: Map<string, number>;
  window: number;
}

/** A distinct set keeps at most this many members; the oldest go first. */
export const MAX_DISTINCT_MEMBERS = 4096;

/**
 * Keys held at once (about 100 bytes each with a typical key: some 50 MB).
 * Clients choose the keys (every login × network they try is one), so past
 * this the store makes room: keys with nothing left in their window first,
 * then keys holding a single event, oldest first, then the oldest of the
 * rest. Forgetting a one-event counter hands back at most one guess, and
 * pushing one out takes MAX_COUNTER_KEYS / 8 new keys, i.e. as many failed
 * logins, each of them counted; counters close to a threshold hold several
 * events and are the last to go. Blocks are not counters: they live in their
 * own table and are never evicted to make room here.
 */
export const MAX_COUNTER_KEYS = 500_000;

export interface CounterSnapshot {
  kind: 'series' | 'distinct';
  window: number;
  /** series: [t, v] pairs; distinct: [member, lastSeen] pairs. */
  entries: Array<[number | string, number]>;
}

/** What a slot holds; `aux` is the amount, the member, or the full object. */
const enum Kind {
  Free = 0,
  /** A series with no live event (aux unused). */
  Series0 = 1,
  /** One event: `at` and amount `aux`. */
  Series1 = 2,
  /** aux is a Series. */
  SeriesMany = 3,
  /** A distinct set with no live member. */
  Distinct0 = 4,
  /** One member `aux` seen at `at`. */
  Distinct1 = 5,
  /** aux is a DistinctSet. */
  DistinctMany = 6,
}

/**
 * A copy of `s` in one flat block. Keys usually arrive as concatenations
 * (prefix + key), which V8 keeps as a tree of pieces: kept as they are, those
 * pieces cost more than the counter itself. The JSON round trip is exact for
 * every string, lone surrogates included.
 */
function flat(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}

export interface WindowedCountersOptions {
  /**
   * Remember which keys changed for takeDirty(). Off for a store that never
   * writes counters anywhere, or the set of changed keys would only grow.
   */
  trackChanges?: boolean;
  /** Keys held at most (default MAX_COUNTER_KEYS). */
  maxKeys?: number;
}

export class WindowedCounters {
  private readonly seriesIndex = new Map<string, number>();
  private readonly distinctIndex = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private readonly trackChanges: boolean;
  private kind = new Uint8Array(1024);
  private win = new Float64Array(1024);
  private at = new Float64Array(1024);
  private aux: unknown[] = new Array(1024);
  private free: number[] = [];
  private used = 0;
  private readonly maxKeys: number;
  /** Live keys forgotten to make room (not counting those out of their window). */
  evicted = 0;

  constructor(options: WindowedCountersOptions = {}) {
    this.trackChanges = options.trackChanges ?? true;
    this.maxKeys = options.maxKeys ?? MAX_COUNTER_KEYS;
  }

  /**
   * Frees an eighth of the keys at once, so that the O(n) passes below run
   * once per maxKeys/8 new keys: amortised O(1) per key.
   */
  private makeRoom(now: number): void {
    const target = Math.floor((this.maxKeys * 7) / 8);
    this.sweep(now);
    if (this.size <= target) return;
    const single = (slot: number) => this.kind[slot] !== Kind.SeriesMany && this.kind[slot] !== Kind.DistinctMany;
    this.evictOldest(target, single);
    this.evictOldest(target, () => true);
  }

  /** Index order is creation order: the oldest keys come first. */
  private evictOldest(target: number, which: (slot: number) => boolean): void {
    for (const index of [this.distinctIndex, this.seriesIndex]) {
      for (const [k, slot] of index) {
        if (this.size <= target) return;
        if (!which(slot)) continue;
        index.delete(k);
        this.release(slot);
        this.touch(k);
        this.evicted++;
      }
    }
  }

  private touch(key: string): void {
    if (this.trackChanges) this.dirty.add(key);
  }

  private alloc(kind: Kind, window: number): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.used === this.kind.length) this.grow();
      slot = this.used++;
    }
    this.kind[slot] = kind;
    this.win[slot] = window;
    this.at[slot] = 0;
    this.aux[slot] = undefined;
    return slot;
  }

  private grow(): void {
    const n = this.kind.length * 2;
    const k = new Uint8Array(n);
    k.set(this.kind);
    const w = new Float64Array(n);
    w.set(this.win);
    const a = new Float64Array(n);
    a.set(this.at);
    this.kind = k;
    this.win = w;
    this.at = a;
    this.aux.length = n;
  }

  private release(slot: number): void {
    this.kind[slot] = Kind.Free;
    this.aux[slot] = undefined;
    this.free.push(slot);
  }

  hit(key: string, windowMs: number, now: number, by = 1): number {
    let slot = this.seriesIndex.get(key);
    if (slot === undefined) {
      if (this.size >= this.maxKeys) this.makeRoom(now);
      slot = this.alloc(Kind.Series0, windowMs);
      this.seriesIndex.set(flat(key), slot);
    }
    if (windowMs > this.win[slot]) this.win[slot] = windowMs;
    if (by !== 0) {
      this.addEvent(slot, now, by);
      this.touch(key);
    }
    return this.sumWithin(slot, windowMs, now);
  }

  private addEvent(slot: number, now: number, by: number): void {
    switch (this.kind[slot]) {
      case Kind.Series0:
        this.kind[slot] = Kind.Series1;
        this.at[slot] = now;
        this.aux[slot] = by;
        return;
      case Kind.Series1: {
        const v0 = this.aux[slot] as number;
        const s: Series = { t: [this.at[slot], now], v: [v0, by], head: 0, sum: v0 + by, window: this.win[slot] };
        this.kind[slot] = Kind.SeriesMany;
        this.aux[slot] = s;
        return;
      }
      default: {
        const s = this.aux[slot] as Series;
        s.t.push(now);
        s.v.push(by);
        s.sum += by;
      }
    }
  }

  count(key: string, windowMs: number, now: number): number {
    const slot = this.seriesIndex.get(key);
    return slot === undefined ? 0 : this.sumWithin(slot, windowMs, now);
  }

  private sumWithin(slot: number, windowMs: number, now: number): number {
    const window = this.win[slot];
    switch (this.kind[slot]) {
      case Kind.Series0:
        return 0;
      case Kind.Series1: {
        const t = this.at[slot];
        if (t <= now - window) {
          this.kind[slot] = Kind.Series0;
          this.aux[slot] = undefined;
          return 0;
        }
        return windowMs >= window || t > now - windowMs ? (this.aux[slot] as number) : 0;
      }
      default: {
        const s = this.aux[slot] as Series;
        s.window = window;
        return seriesSum(s, windowMs, now);
      }
    }
  }

  addDistinct(key: string, member: string, windowMs: number, now: number): number {
    let slot = this.distinctIndex.get(key);
    if (slot === undefined) {
      if (this.size >= this.maxKeys) this.makeRoom(now);
      slot = this.alloc(Kind.Distinct0, windowMs);
      this.distinctIndex.set(flat(key), slot);
    }
    if (windowMs > this.win[slot]) this.win[slot] = windowMs;
    const window = this.win[slot];
    switch (this.kind[slot]) {
      case Kind.Distinct0:
        this.kind[slot] = Kind.Distinct1;
        this.aux[slot] = flat(member);
        this.at[slot] = now;
        break;
      case Kind.Distinct1:
        // Same member, or the old one is out of every window: stay a single member.
        if (this.aux[slot] === member) {
          this.at[slot] = now;
        } else if (this.at[slot] <= now - window) {
          this.aux[slot] = flat(member);
          this.at[slot] = now;
        } else {
          const d: DistinctSet = { seen: new Map([[this.aux[slot] as string, this.at[slot]]]), window };
          d.seen.set(flat(member), now);
          this.kind[slot] = Kind.DistinctMany;
          this.aux[slot] = d;
        }
        break;
      default: {
        const d = this.aux[slot] as DistinctSet;
        d.seen.delete(member);
        d.seen.set(flat(member), now);
        if (d.seen.size > MAX_DISTINCT_MEMBERS) d.seen.delete(d.seen.keys().next().value as string);
      }
    }
    this.touch(key);
    return this.liveMembers(slot, windowMs, now).length;
  }

  distinctMembers(key: string, windowMs: number, now: number): string[] {
    const slot = this.distinctIndex.get(key);
    return slot === undefined ? [] : this.liveMembers(slot, windowMs, now).reverse();
  }

  /** Members seen within windowMs, oldest first; drops those outside the key's own window. */
  private liveMembers(slot: number, windowMs: number, now: number): string[] {
    const window = this.win[slot];
    switch (this.kind[slot]) {
      case Kind.Distinct0:
        return [];
      case Kind.Distinct1: {
        const t = this.at[slot];
        if (t <= now - window) {
          this.kind[slot] = Kind.Distinct0;
          this.aux[slot] = undefined;
          return [];
        }
        return t > now - windowMs ? [this.aux[slot] as string] : [];
      }
      default: {
        const d = this.aux[slot] as DistinctSet;
        d.window = window;
        return pruneDistinct(d, windowMs, now);
      }
    }
  }

  reset(key: string): void {
    const s = this.seriesIndex.get(key);
    if (s !== undefined) {
      this.seriesIndex.delete(key);
      this.release(s);
      this.touch(key);
      return;
    }
    const d = this.distinctIndex.get(key);
    if (d !== undefined) {
      this.distinctIndex.delete(key);
      this.release(d);
      this.touch(key);
    }
  }

  /** The newest event time of a slot, or -Infinity when it holds none. */
  private newest(slot: number): number {
    switch (this.kind[slot]) {
      case Kind.Series1:
      case Kind.Distinct1:
        return this.at[slot];
      case Kind.SeriesMany: {
        const s = this.aux[slot] as Series;
        return s.t.length > s.head ? s.t[s.t.length - 1] : -Infinity;
      }
      case Kind.DistinctMany: {
        let newest = -Infinity;
        for (const at of (this.aux[slot] as DistinctSet).seen.values()) newest = at;
        return newest;
      }
      default:
        return -Infinity;
    }
  }

  /** Forgets keys with nothing left in their window; returns how many went. */
  sweep(now: number): number {
    let gone = 0;
    for (const index of [this.seriesIndex, this.distinctIndex]) {
      for (const [k, slot] of index) {
        if (this.newest(slot) <= now - this.win[slot]) {
          index.delete(k);
          this.release(slot);
          this.touch(k);
          gone++;
        }
      }
    }
    return gone;
  }

  get size(): number {
    return this.seriesIndex.size + this.distinctIndex.size;
  }

  /** Keys changed since the last call, with their current snapshot (undefined = gone). */
  takeDirty(): Array<[string, CounterSnapshot | undefined]> {
    const out: Array<[string, CounterSnapshot | undefined]> = [];
    for (const k of this.dirty) out.push([k, this.snapshot(k)]);
    this.dirty.clear();
    return out;
  }

  snapshot(key: string): CounterSnapshot | undefined {
    const s = this.seriesIndex.get(key);
    if (s !== undefined) {
      const window = this.win[s];
      switch (this.kind[s]) {
        case Kind.Series0:
          return { kind: 'series', window, entries: [] };
        case Kind.Series1:
          return { kind: 'series', window, entries: [[this.at[s], this.aux[s] as number]] };
        default: {
          const x = this.aux[s] as Series;
          const entries: Array<[number, number]> = [];
          for (let k = x.head; k < x.t.length; k++) entries.push([x.t[k], x.v[k]]);
          return { kind: 'series', window, entries };
        }
      }
    }
    const d = this.distinctIndex.get(key);
    if (d === undefined) return undefined;
    const window = this.win[d];
    switch (this.kind[d]) {
      case Kind.Distinct0:
        return { kind: 'distinct', window, entries: [] };
      case Kind.Distinct1:
        return { kind: 'distinct', window, entries: [[this.aux[d] as string, this.at[d]]] };
      default:
        return { kind: 'distinct', window, entries: [...(this.aux[d] as DistinctSet).seen] };
    }
  }

  restore(key: string, snap: CounterSnapshot): void {
    const index = snap.kind === 'series' ? this.seriesIndex : this.distinctIndex;
    const old = index.get(key);
    if (old !== undefined) this.release(old);
    const e = snap.entries;
    let slot: number;
    if (snap.kind === 'series') {
      slot = this.alloc(e.length === 0 ? Kind.Series0 : e.length === 1 ? Kind.Series1 : Kind.SeriesMany, snap.window);
      if (e.length === 1) {
        this.at[slot] = e[0][0] as number;
        this.aux[slot] = e[0][1];
      } else if (e.length > 1) {
        const t = e.map((x) => x[0] as number);
        const v = e.map((x) => x[1]);
        this.aux[slot] = { t, v, head: 0, sum: v.reduce((a, b) => a + b, 0), window: snap.window } satisfies Series;
      }
    } else {
      slot = this.alloc(e.length === 0 ? Kind.Distinct0 : e.length === 1 ? Kind.Distinct1 : Kind.DistinctMany, snap.window);
      if (e.length === 1) {
        this.aux[slot] = e[0][0] as string;
        this.at[slot] = e[0][1];
      } else if (e.length > 1) {
        this.aux[slot] = { seen: new Map(e as Array<[string, number]>), window: snap.window } satisfies DistinctSet;
      }
    }
    index.set(key, slot);
  }
}

function seriesSum(s: Series, windowMs: number, now: number): number {
  // Drop what is outside the longest window this key is used with…
  const horizon = now - s.window;
  while (s.head < s.t.length && s.t[s.head] <= horizon) {
    s.sum -= s.v[s.head];
    s.head++;
  }
  if (s.head > 64 && s.head * 2 > s.t.length) {
    s.t = s.t.slice(s.head);
    s.v = s.v.slice(s.head);
    s.head = 0;
  }
  if (windowMs >= s.window) return s.sum;
  // …then answer for the (shorter) window asked, from the newest end.
  const from = now - windowMs;
  let total = 0;
  for (let k = s.t.length - 1; k >= s.head && s.t[k] > from; k--) total += s.v[k];
  return total;
}

function pruneDistinct(d: DistinctSet, windowMs: number, now: number): string[] {
  const horizon = now - d.window;
  // Map order is by last sighting, so the expired ones are at the front.
  for (const [m, at] of d.seen) {
    if (at > horizon) break;
    d.seen.delete(m);
  }
  const from = now - windowMs;
  const live: string[] = [];
  for (const [m, at] of d.seen) if (at > from) live.push(m);
  return live;
}
