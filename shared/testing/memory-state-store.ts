import { blockMatcher } from '../block-filter';
import type { AuditEntry, AuditFilter, Block, BlockFilter, StateStore } from '../state';

/** As the host's stores: a distinct set keeps this many members, the oldest go first. */
export const MAX_DISTINCT_MEMBERS = 4096;

interface Series {
  /** [time, amount], oldest first. */
  events: Array<[number, number]>;
  /** The longest window it was hit with: older events are gone, as in the host's stores. */
  window: number;
}

interface DistinctSet {
  /** member -> last seen; insertion order refreshed on each sighting. */
  seen: Map<string, number>;
  window: number;
}

export interface MemoryStateStoreOptions {
  /**
   * The plugin the store is lent to: as the host does, blocks it writes carry
   * it as `source`, it clears only its own blocks, and audit entries without
   * an actor are its.
   */
  readonly plugin?: string;
}

/**
 * The StateStore contract in plain memory, for plugin tests: the same window,
 * expiry and filter rules as the host's stores (it passes their conformance
 * suite). Values are kept as JSON, so what a test reads is a copy.
 */
export class MemoryStateStore implements StateStore {
  private readonly series = new Map<string, Series>();
  private readonly sets = new Map<string, DistinctSet>();
  private readonly kv = new Map<string, { json: string; expiresAt?: number }>();
  private readonly blocks = new Map<string, Block>();
  private readonly audit: AuditEntry[] = [];

  constructor(private readonly options: MemoryStateStoreOptions = {}) {}

  async hit(key: string, windowMs: number, now: number, by = 1): Promise<number> {
    this.sets.delete(key);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { events: [], window: windowMs }));
    s.window = Math.max(s.window, windowMs);
    if (by !== 0) s.events.push([now, by]);
    s.events = s.events.filter(([t]) => now - t < s!.window);
    return this.sum(s, windowMs, now);
  }

  async count(key: string, windowMs: number, now: number): Promise<number> {
    const s = this.series.get(key);
    return s ? this.sum(s, windowMs, now) : 0;
  }

  private sum(s: Series, windowMs: number, now: number): number {
    const w = Math.min(windowMs, s.window);
    let total = 0;
    for (const [t, v] of s.events) if (now - t < w) total += v;
    return total;
  }

  async addDistinct(key: string, member: string, windowMs: number, now: number): Promise<number> {
    this.series.delete(key);
    let d = this.sets.get(key);
    if (!d) this.sets.set(key, (d = { seen: new Map(), window: windowMs }));
    d.window = Math.max(d.window, windowMs);
    d.seen.delete(member);
    d.seen.set(member, now);
    for (const [m, t] of d.seen) if (now - t >= d.window) d.seen.delete(m);
    while (d.seen.size > MAX_DISTINCT_MEMBERS) d.seen.delete(d.seen.keys().next().value as string);
    const w = Math.min(windowMs, d.window);
    let n = 0;
    for (const t of d.seen.values()) if (now - t < w) n++;
    return n;
  }

  async distinctMembers(key: string, windowMs: number, now: number): Promise<string[]> {
    const d = this.sets.get(key);
    if (!d) return [];
    const w = Math.min(windowMs, d.window);
    return [...d.seen].filter(([, t]) => now - t < w).sort((a, b) => b[1] - a[1]).map(([m]) => m);
  }

  async reset(key: string): Promise<void> {
    this.series.delete(key);
    this.sets.delete(key);
  }

  async get<T = unknown>(key: string, now: number): Promise<T | undefined> {
    const e = this.kv.get(key);
    if (!e || (e.expiresAt !== undefined && e.expiresAt <= now)) return undefined;
    return JSON.parse(e.json) as T;
  }

  async set(key: string, value: unknown, expiresAt?: number): Promise<void> {
    this.kv.set(key, expiresAt === undefined ? { json: JSON.stringify(value) } : { json: JSON.stringify(value), expiresAt });
  }

  async delete(key: string): Promise<boolean> {
    return this.kv.delete(key);
  }

  async list<T = unknown>(prefix: string, now: number): Promise<Array<{ key: string; value: T }>> {
    return [...this.kv]
      .filter(([k, e]) => k.startsWith(prefix) && (e.expiresAt === undefined || e.expiresAt > now))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, e]) => ({ key, value: JSON.parse(e.json) as T }));
  }

  async putBlock(block: Block): Promise<void> {
    const b = this.options.plugin === undefined ? block : { ...block, source: this.options.plugin };
    this.blocks.set(`${b.domain}\u0000${b.key}`, { ...b });
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
    const match = blockMatcher(this.options.plugin === undefined ? filter : { ...filter, source: this.options.plugin });
    const gone: Block[] = [];
    for (const [k, b] of this.blocks) {
      if (!match(b)) continue;
      this.blocks.delete(k);
      gone.push(b);
    }
    return gone;
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    this.audit.push(this.options.plugin !== undefined && !entry.actor ? { ...entry, actor: this.options.plugin } : entry);
  }

  async listAudit(filter: AuditFilter): Promise<AuditEntry[]> {
    const out = this.audit
      .filter((e) => (filter.domain === undefined || e.domain === filter.domain) && (filter.subjectPrefix === undefined || e.subject.startsWith(filter.subjectPrefix)) && (filter.since === undefined || e.at >= filter.since))
      .reverse();
    return filter.limit !== undefined ? out.slice(0, filter.limit) : out;
  }
}
