import type { Block } from '../../../shared';

/** B: block put, b: block removed, K: value set, k: value deleted. */
export type ReplicaOp = 'B' | 'b' | 'K' | 'k';

/** One change as announced by the Redis scripts (redis-scripts.ts, ANNOUNCE). */
export interface ReplicaChange {
  readonly v: number;
  readonly node: string;
  readonly op: ReplicaOp;
  /** Block field (domain NUL key) or value name. */
  readonly name: string;
  /** Block JSON or stored value JSON; '' for removals. */
  readonly value: string;
}

export interface ReplicaSnapshot {
  readonly epoch: string;
  readonly version: number;
  /** field, JSON, field, JSON… (HGETALL order) */
  readonly blocks: readonly string[];
  /** name, stored JSON, … */
  readonly values: readonly string[];
}

export function parseChange(msg: string): ReplicaChange | undefined {
  try {
    const a = JSON.parse(msg) as unknown[];
    if (!Array.isArray(a) || a.length < 5 || typeof a[0] !== 'number') return undefined;
    const op = a[2];
    if (op !== 'B' && op !== 'b' && op !== 'K' && op !== 'k') return undefined;
    return { v: a[0], node: String(a[1]), op, name: String(a[3]), value: String(a[4]) };
  } catch {
    return undefined;
  }
}

interface Entry<T> {
  /** Version of the change that wrote it. */
  ver: number;
  value: T;
}

/**
 * A node's in-memory copy of what every decision reads and almost never
 * changes: active blocks, and values under a few prefixes (account locks,
 * domains, settings). Changes arrive in version order on pub/sub; a gap, a
 * lost subscription or another epoch (Redis flushed) means a full snapshot
 * is read again. The copy is trusted only while a poll of the server's
 * version, answered less than `maxStalenessMs` ago, found nothing missing:
 * past that the store reads Redis itself, so a change made anywhere is
 * enforced everywhere within `maxStalenessMs` whatever pub/sub does.
 */
export class LocalReplica {
  private blocks = new Map<string, Entry<Block>>();
  private values = new Map<string, Entry<string>>();
  /** Own removals not yet reached by `version`: an older announced put must not bring them back. */
  private tombstones = new Map<string, number>();
  private epoch = '';
  /** Every change up to this version is applied. */
  private version = 0;
  private synced = false;
  private verifiedAt = -Infinity;
  /** Polls that saw a version we had not applied yet: (time sent, version). */
  private pending: Array<{ at: number; v: number }> = [];
  /** Changes heard while a snapshot is being read. */
  private buffer: ReplicaChange[] | undefined;

  constructor(
    readonly prefixes: readonly string[],
    readonly maxStalenessMs: number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  replicates(name: string): boolean {
    for (const p of this.prefixes) if (name.startsWith(p)) return true;
    return false;
  }

  /** Synced, and known complete as of less than maxStalenessMs ago. */
  fresh(): boolean {
    return this.synced && this.clock() - this.verifiedAt <= this.maxStalenessMs;
  }

  /** How old the newest proof of completeness is (ms); Infinity when not synced. */
  staleness(): number {
    return this.synced ? Math.max(0, this.clock() - this.verifiedAt) : Infinity;
  }

  get isSynced(): boolean {
    return this.synced;
  }
  get appliedVersion(): number {
    return this.version;
  }
  get size(): { blocks: number; values: number } {
    return { blocks: this.blocks.size, values: this.values.size };
  }

  block(field: string, now: number): Block | undefined {
    const e = this.blocks.get(field);
    if (!e) return undefined;
    if (e.value.expiresAt > now) return e.value;
    this.blocks.delete(field);
    return undefined;
  }

  /** The stored JSON of a replicated value, if any. */
  value(name: string): string | undefined {
    return this.values.get(name)?.value;
  }

  allBlocks(): Block[] {
    return [...this.blocks.values()].map((e) => e.value);
  }
  allValues(): Array<[string, string]> {
    return [...this.values].map(([k, e]) => [k, e.value]);
  }

  /** The subscription is gone: changes may be missed from now on. */
  invalidate(): void {
    this.synced = false;
    this.pending = [];
  }

  /** Call before reading a snapshot: changes heard meanwhile are kept and replayed on top of it. */
  beginSnapshot(): void {
    this.buffer = [];
  }

  /** Replaces everything by a snapshot read from a request sent at `sentAt`. */
  load(s: ReplicaSnapshot, sentAt: number): void {
    const now = Date.now();
    // This node's own writes newer than the snapshot stay (read-your-writes): their announcements
    // may still be on the way, and until they arrive the snapshot alone would forget them. Not
    // across epochs: versions restart when Redis lost its data, and so did those writes.
    const same = s.epoch === this.epoch;
    const ownBlocks = same ? [...this.blocks].filter(([, e]) => e.ver > s.version) : [];
    const ownValues = same ? [...this.values].filter(([, e]) => e.ver > s.version) : [];
    const ownRemovals = same ? [...this.tombstones].filter(([, v]) => v > s.version) : [];
    this.blocks = new Map();
    for (let i = 0; i + 1 < s.blocks.length; i += 2) {
      const b = JSON.parse(s.blocks[i + 1]) as Block;
      if (b.expiresAt > now) this.blocks.set(s.blocks[i], { ver: s.version, value: b });
    }
    this.values = new Map();
    for (let i = 0; i + 1 < s.values.length; i += 2) this.values.set(s.values[i], { ver: s.version, value: s.values[i + 1] });
    this.tombstones = new Map(ownRemovals);
    for (const [k] of ownRemovals) (k[0] === 'B' ? this.blocks : this.values).delete(k.slice(1));
    for (const [k, e] of ownBlocks) this.blocks.set(k, e);
    for (const [k, e] of ownValues) this.values.set(k, e);
    this.epoch = s.epoch;
    this.version = s.version;
    this.pending = [];
    this.verifiedAt = sentAt;
    this.synced = true;
    const heard = this.buffer ?? [];
    this.buffer = undefined;
    for (const c of heard.sort((a, b) => a.v - b.v)) {
      if (this.receive(c) === 'gap') return;
    }
  }

  /** The snapshot could not be read. */
  abortSnapshot(): void {
    this.buffer = undefined;
  }

  /**
   * A change heard on pub/sub. 'gap': one was missed and the copy is no longer
   * trusted (read a snapshot); 'old': already had it.
   */
  receive(c: ReplicaChange): 'applied' | 'old' | 'gap' | 'buffered' {
    if (this.buffer) {
      this.buffer.push(c);
      return 'buffered';
    }
    if (!this.synced) return 'gap';
    if (c.v <= this.version) return 'old';
    if (c.v !== this.version + 1) {
      this.invalidate();
      return 'gap';
    }
    this.version = c.v;
    this.apply(c);
    if (this.tombstones.size) for (const [k, v] of this.tombstones) if (v <= this.version) this.tombstones.delete(k);
    while (this.pending.length && this.pending[0].v <= this.version) this.verifiedAt = Math.max(this.verifiedAt, this.pending.shift()!.at);
    return 'applied';
  }

  /** This node's own write, applied at once (read-your-writes) without waiting for its announcement. */
  local(c: ReplicaChange): void {
    if (c.v <= this.version) return;
    this.apply(c);
    if (c.op === 'b' || c.op === 'k') this.tombstones.set(`${c.op === 'b' ? 'B' : 'K'}${c.name}`, c.v);
  }

  private apply(c: ReplicaChange): void {
    const isBlock = c.op === 'B' || c.op === 'b';
    const map = (isBlock ? this.blocks : this.values) as Map<string, Entry<unknown>>;
    const cur = map.get(c.name);
    if (cur && cur.ver > c.v) return;
    const dead = this.tombstones.get(`${isBlock ? 'B' : 'K'}${c.name}`);
    if (dead !== undefined && dead > c.v) return;
    if (c.op === 'b' || c.op === 'k') map.delete(c.name);
    else map.set(c.name, { ver: c.v, value: isBlock ? (JSON.parse(c.value) as Block) : c.value });
  }

  /**
   * The answer to a version poll sent at `sentAt`. 'resync' when the copy
   * cannot be trusted any more: another epoch (Redis lost its data), or a
   * version seen by the previous poll still not applied (an announcement was lost).
   */
  observe(sentAt: number, epoch: string, serverVersion: number): 'ok' | 'resync' {
    if (!this.synced) return 'resync';
    if (epoch !== this.epoch) {
      this.invalidate();
      return 'resync';
    }
    if (serverVersion <= this.version) {
      // Lower is a poll that overtook an announcement on the other connection; the epoch says nothing was lost.
      this.verifiedAt = Math.max(this.verifiedAt, sentAt);
      return 'ok';
    }
    if (this.pending.length) {
      // The previous poll's version has had a whole poll interval to arrive.
      this.invalidate();
      return 'resync';
    }
    this.pending.push({ at: sentAt, v: serverVersion });
    return 'ok';
  }

  /** Drops blocks past their expiry (they are ignored anyway; this bounds memory). */
  prune(now: number): void {
    for (const [k, e] of this.blocks) if (e.value.expiresAt <= now) this.blocks.delete(k);
  }
}
