import type { AuditEntry, AuditFilter, Block, BlockFilter } from '../../../shared';
import { blockMatcher } from '../../../shared/block-filter';
import type { ChangeChannel, ChangeListener, HostStore } from './host-store';
import { WindowedCounters } from './windowed-counters';

interface KvEntry {
  value: string;
  expiresAt?: number;
}

/** Audit entries kept by the memory store; older ones are dropped. */
const MAX_AUDIT = 10_000;

/**
 * Blocks held at once (a few hundred bytes each). Clients create them by
 * failing logins (3 wrong passwords make a pair block by default), so the
 * table has a bound: past it, expired blocks go, then the oldest. Lifting
 * one live block that way takes MAX_BLOCKS / 8 newer ones, i.e. hundreds of
 * thousands of failed logins, each counted and most of them blocked.
 */
export const MAX_BLOCKS = 100_000;

/**
 * Key/values with an expiry held at once: strike counts, notification
 * dedupe keys, alerts, known networks; clients can make some of them (a
 * block's strikes, its notification). Past the bound, expired values go,
 * then the oldest expiring ones. Values without an expiry (domains,
 * settings, trusted entries, password history) are written by admins and
 * users, never evicted.
 */
export const MAX_EXPIRING_VALUES = 200_000;

/** How often (by the callers' clock) expired counters, values and blocks are swept. */
const SWEEP_EVERY_MS = 60_000;

/** Everything in process memory: for tests and for `state.backend = "memory"`. Lost on exit. */
export class MemoryStore implements HostStore {
  readonly backend: 'memory' | 'sqlite' | 'redis' = 'memory';
  // Only subclasses that persist counters (SQLite) read the changed keys; here they would pile up forever.
  protected readonly counters = new WindowedCounters({ trackChanges: this.constructor !== MemoryStore });
  private readonly kv = new Map<string, KvEntry>();
  private expiring = 0;
  private readonly blocks = new Map<string, Block>();
  private readonly audit: AuditEntry[] = [];
  private readonly listeners = new Set<ChangeListener>();
  /** The latest time a caller passed in (writes without one are judged by it). */
  private lastNow = -Infinity;
  private lastSweep = -Infinity;

  /** How many counters, key/values and blocks are held (for tests and health). */
  sizes(): { counters: number; kv: number; blocks: number } {
    return { counters: this.counters.size, kv: this.kv.size, blocks: this.blocks.size };
  }

  /** Sweeps what expired once a minute of the callers' clock, so that a quiet key does not stay for good. */
  private sweepIfDue(now: number): void {
    if (now > this.lastNow) this.lastNow = now;
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    this.counters.sweep(now);
    this.dropExpiredValues(now);
    this.dropExpiredBlocks(now);
  }

  private dropExpiredValues(now: number): void {
    for (const [k, e] of this.kv) {
      if (e.expiresAt !== undefined && e.expiresAt <= now) this.deleteValue(k);
    }
  }

  private dropExpiredBlocks(now: number): void {
    for (const [k, b] of this.blocks) if (b.expiresAt <= now) this.blocks.delete(k);
  }

  private deleteValue(key: string): boolean {
    const e = this.kv.get(key);
    if (!e) return false;
    if (e.expiresAt !== undefined) this.expiring--;
    return this.kv.delete(key);
  }

  async hit(key: string, windowMs: number, now: number, by = 1): Promise<number> {
    this.sweepIfDue(now);
    return this.counters.hit(key, windowMs, now, by);
  }
  async count(key: string, windowMs: number, now: number): Promise<number> {
    return this.counters.count(key, windowMs, now);
  }
  async addDistinct(key: string, member: string, windowMs: number, now: number): Promise<number> {
    this.sweepIfDue(now);
    return this.counters.addDistinct(key, member, windowMs, now);
  }
  async distinctMembers(key: string, windowMs: number, now: number): Promise<string[]> {
    return this.counters.distinctMembers(key, windowMs, now);
  }
  async reset(key: string): Promise<void> {
    this.counters.reset(key);
  }

  async get<T>(key: string, now: number): Promise<T | undefined> {
    const e = this.kv.get(key);
    if (!e) return undefined;
    if (e.expiresAt !== undefined && e.expiresAt <= now) {
      this.deleteValue(key);
      return undefined;
    }
    return JSON.parse(e.value) as T;
  }
  async set(key: string, value: unknown, expiresAt?: number): Promise<void> {
    const old = this.kv.get(key);
    if (old?.expiresAt !== undefined) this.expiring--;
    if (expiresAt !== undefined) {
      if (!old && this.expiring >= MAX_EXPIRING_VALUES) this.makeRoomForValue();
      this.expiring++;
    }
    // Stored as JSON so callers can never mutate what the store holds.
    this.kv.set(key, { value: JSON.stringify(value), expiresAt });
  }

  /** An eighth at once, so the O(n) pass runs once per MAX_EXPIRING_VALUES / 8 new values. */
  private makeRoomForValue(): void {
    this.dropExpiredValues(this.lastNow);
    const target = Math.floor((MAX_EXPIRING_VALUES * 7) / 8);
    for (const [k, e] of this.kv) {
      if (this.expiring <= target) return;
      if (e.expiresAt !== undefined) this.deleteValue(k);
    }
  }

  async delete(key: string): Promise<boolean> {
    return this.deleteValue(key);
  }
  async list<T>(prefix: string, now: number): Promise<Array<{ key: string; value: T }>> {
    const out: Array<{ key: string; value: T }> = [];
    for (const [key, e] of this.kv) {
      if (!key.startsWith(prefix)) continue;
      if (e.expiresAt !== undefined && e.expiresAt <= now) continue;
      out.push({ key, value: JSON.parse(e.value) as T });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async putBlock(block: Block): Promise<void> {
    const k = `${block.domain}\u0000${block.key}`;
    // A renewed block (a repeat offender) moves to the young end, last in line for eviction.
    if (!this.blocks.delete(k) && this.blocks.size >= MAX_BLOCKS) this.makeRoomForBlock(Math.max(this.lastNow, block.createdAt));
    this.blocks.set(k, { ...block });
  }

  private makeRoomForBlock(now: number): void {
    this.dropExpiredBlocks(now);
    const target = Math.floor((MAX_BLOCKS * 7) / 8);
    // Map order is creation order: the oldest blocks go first.
    for (const k of this.blocks.keys()) {
      if (this.blocks.size <= target) return;
      this.blocks.delete(k);
    }
  }

  async getBlock(key: string, domain: string, now: number): Promise<Block | undefined> {
    const b = this.blocks.get(`${domain}\u0000${key}`);
    return b && b.expiresAt > now ? b : undefined;
  }
  async listBlocks(filter: BlockFilter, now: number): Promise<Block[]> {
    const match = blockMatcher(filter);
    return [...this.blocks.values()].filter((b) => b.expiresAt > now && match(b));
  }
  async clearBlocks(filter: BlockFilter): Promise<Block[]> {
    const match = blockMatcher(filter);
    const gone: Block[] = [];
    for (const [k, b] of this.blocks) {
      if (match(b)) {
        this.blocks.delete(k);
        gone.push(b);
      }
    }
    return gone;
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    this.audit.push(entry);
    if (this.audit.length > MAX_AUDIT) this.audit.splice(0, this.audit.length - MAX_AUDIT);
  }
  async listAudit(filter: AuditFilter): Promise<AuditEntry[]> {
    const out = this.audit.filter(
      (e) =>
        (filter.domain === undefined || e.domain === filter.domain) &&
        (filter.subjectPrefix === undefined || e.subject.startsWith(filter.subjectPrefix)) &&
        (filter.since === undefined || e.at >= filter.since),
    );
    out.reverse();
    return filter.limit !== undefined ? out.slice(0, filter.limit) : out;
  }

  async publish(channel: ChangeChannel, source?: string): Promise<void> {
    this.emit(channel, source);
  }
  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  protected emit(channel: ChangeChannel, source?: string): void {
    for (const l of this.listeners) {
      try {
        l(channel, source);
      } catch {
        // A listener's fault must not stop the others from hearing the change.
      }
    }
  }
  async close(): Promise<void> {
    this.listeners.clear();
  }
}
