import type { AuditEntry, AuditFilter, Block, BlockFilter } from '../../shared';
import { blockMatcher } from './block-filter';
import type { ChangeChannel, HostStore } from './host-store';
import { WindowedCounters } from './windowed-counters';

interface KvEntry {
  value: string;
  expiresAt?: number;
}

/** Audit entries kept by the memory store; older ones are dropped. */
const MAX_AUDIT = 10_000;

/** Everything in process memory: for tests and for `state.backend = "memory"`. Lost on exit. */
export class MemoryStore implements HostStore {
  readonly backend: 'memory' | 'sqlite' | 'redis' = 'memory';
  // Only subclasses that persist counters (SQLite) read the changed keys; here they would pile up forever.
  protected readonly counters = new WindowedCounters({ trackChanges: this.constructor !== MemoryStore });
  private readonly kv = new Map<string, KvEntry>();
  private readonly blocks = new Map<string, Block>();
  private readonly audit: AuditEntry[] = [];
  private readonly listeners = new Set<(c: ChangeChannel) => void>();

  async hit(key: string, windowMs: number, now: number, by = 1): Promise<number> {
    return this.counters.hit(key, windowMs, now, by);
  }
  async count(key: string, windowMs: number, now: number): Promise<number> {
    return this.counters.count(key, windowMs, now);
  }
  async addDistinct(key: string, member: string, windowMs: number, now: number): Promise<number> {
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
      this.kv.delete(key);
      return undefined;
    }
    return JSON.parse(e.value) as T;
  }
  async set(key: string, value: unknown, expiresAt?: number): Promise<void> {
    // Stored as JSON so callers can never mutate what the store holds.
    this.kv.set(key, { value: JSON.stringify(value), expiresAt });
  }
  async delete(key: string): Promise<boolean> {
    return this.kv.delete(key);
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
    this.blocks.set(`${block.domain}\u0000${block.key}`, { ...block });
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

  async publish(channel: ChangeChannel): Promise<void> {
    this.emit(channel);
  }
  subscribe(listener: (channel: ChangeChannel) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  protected emit(channel: ChangeChannel): void {
    for (const l of this.listeners) {
      try {
        l(channel);
      } catch {
        // A listener's fault must not stop the others from hearing the change.
      }
    }
  }
  async close(): Promise<void> {
    this.listeners.clear();
  }
}
