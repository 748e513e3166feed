/*
 * Sliding-window counters and distinct sets held in memory. Shared by the
 * memory store and the SQLite store (which snapshots them to disk), so the
 * windowing rules live in one place: an event at time t counts while
 * now - t < window, i.e. it is gone exactly `window` ms later.
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

export interface CounterSnapshot {
  kind: 'series' | 'distinct';
  window: number;
  /** series: [t, v] pairs; distinct: [member, lastSeen] pairs. */
  entries: Array<[number | string, number]>;
}

export class WindowedCounters {
  private readonly series = new Map<string, Series>();
  private readonly distinct = new Map<string, DistinctSet>();
  private readonly dirty = new Set<string>();

  hit(key: string, windowMs: number, now: number, by = 1): number {
    let s = this.series.get(key);
    if (!s) {
      s = { t: [], v: [], head: 0, sum: 0, window: windowMs };
      this.series.set(key, s);
    }
    s.window = Math.max(s.window, windowMs);
    if (by !== 0) {
      s.t.push(now);
      s.v.push(by);
      s.sum += by;
      this.dirty.add(key);
    }
    return this.sumWithin(s, windowMs, now);
  }

  count(key: string, windowMs: number, now: number): number {
    const s = this.series.get(key);
    return s ? this.sumWithin(s, windowMs, now) : 0;
  }

  private sumWithin(s: Series, windowMs: number, now: number): number {
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

  addDistinct(key: string, member: string, windowMs: number, now: number): number {
    let d = this.distinct.get(key);
    if (!d) {
      d = { seen: new Map(), window: windowMs };
      this.distinct.set(key, d);
    }
    d.window = Math.max(d.window, windowMs);
    d.seen.delete(member);
    d.seen.set(member, now);
    if (d.seen.size > MAX_DISTINCT_MEMBERS) d.seen.delete(d.seen.keys().next().value as string);
    this.dirty.add(key);
    return this.pruneDistinct(d, windowMs, now).length;
  }

  distinctMembers(key: string, windowMs: number, now: number): string[] {
    const d = this.distinct.get(key);
    return d ? this.pruneDistinct(d, windowMs, now).reverse() : [];
  }

  private pruneDistinct(d: DistinctSet, windowMs: number, now: number): string[] {
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

  reset(key: string): void {
    const had = this.series.delete(key) || this.distinct.delete(key);
    if (had) this.dirty.add(key);
  }

  /** Forgets keys with nothing left in their window; returns how many went. */
  sweep(now: number): number {
    let gone = 0;
    for (const [k, s] of this.series) {
      if (s.t.length === 0 || s.t[s.t.length - 1] <= now - s.window) {
        this.series.delete(k);
        this.dirty.add(k);
        gone++;
      }
    }
    for (const [k, d] of this.distinct) {
      let newest = -Infinity;
      for (const at of d.seen.values()) newest = at;
      if (newest <= now - d.window) {
        this.distinct.delete(k);
        this.dirty.add(k);
        gone++;
      }
    }
    return gone;
  }

  get size(): number {
    return this.series.size + this.distinct.size;
  }

  /** Keys changed since the last call, with their current snapshot (undefined = gone). */
  takeDirty(): Array<[string, CounterSnapshot | undefined]> {
    const out: Array<[string, CounterSnapshot | undefined]> = [];
    for (const k of this.dirty) out.push([k, this.snapshot(k)]);
    this.dirty.clear();
    return out;
  }

  snapshot(key: string): CounterSnapshot | undefined {
    const s = this.series.get(key);
    if (s) {
      const entries: Array<[number, number]> = [];
      for (let k = s.head; k < s.t.length; k++) entries.push([s.t[k], s.v[k]]);
      return { kind: 'series', window: s.window, entries };
    }
    const d = this.distinct.get(key);
    if (d) return { kind: 'distinct', window: d.window, entries: [...d.seen] };
    return undefined;
  }

  restore(key: string, snap: CounterSnapshot): void {
    if (snap.kind === 'series') {
      const t = snap.entries.map((e) => e[0] as number);
      const v = snap.entries.map((e) => e[1]);
      this.series.set(key, { t, v, head: 0, sum: v.reduce((a, b) => a + b, 0), window: snap.window });
    } else {
      this.distinct.set(key, { seen: new Map(snap.entries as Array<[string, number]>), window: snap.window });
    }
  }
}
