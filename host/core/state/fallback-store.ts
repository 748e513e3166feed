import type { Block } from '../../../shared';
import { MemoryStore } from './memory-store';

type Kind = 'counter' | 'kv' | 'block';

/**
 * The local store a networked store answers from while its backend is down
 * (fail-open). A memory store with a hard cap on the keys it holds: past the
 * cap the least recently written key goes, so an attacker who invents names
 * during an outage costs bounded memory. While the backend is up it also
 * keeps the last copies read of key/values and blocks, so settings, locks and
 * known blocks still hold during an outage.
 */
export class FallbackStore extends MemoryStore {
  private readonly recent = new Map<string, Kind>();

  constructor(private readonly maxKeys: number) {
    super();
  }

  /** Keys held (counters, key/values and blocks). */
  get size(): number {
    return this.recent.size;
  }

  private touch(id: string, kind: Kind): void {
    this.recent.delete(id);
    this.recent.set(id, kind);
    while (this.recent.size > this.maxKeys) {
      const [oldest, k] = this.recent.entries().next().value as [string, Kind];
      this.recent.delete(oldest);
      // Memory-store methods finish synchronously; nothing to wait for.
      if (k === 'counter') this.counters.reset(oldest);
      else if (k === 'kv') void super.delete(oldest);
      else {
        const sep = oldest.indexOf('\u0000');
        void super.clearBlocks({ domain: oldest.slice(0, sep), key: oldest.slice(sep + 1) });
      }
    }
  }

  override hit(key: string, windowMs: number, now: number, by?: number): Promise<number> {
    this.touch(key, 'counter');
    return super.hit(key, windowMs, now, by);
  }
  override addDistinct(key: string, member: string, windowMs: number, now: number): Promise<number> {
    this.touch(key, 'counter');
    return super.addDistinct(key, member, windowMs, now);
  }
  override set(key: string, value: unknown, expiresAt?: number): Promise<void> {
    this.touch(key, 'kv');
    return super.set(key, value, expiresAt);
  }
  override delete(key: string): Promise<boolean> {
    this.recent.delete(key);
    return super.delete(key);
  }
  override putBlock(block: Block): Promise<void> {
    this.touch(`${block.domain}\u0000${block.key}`, 'block');
    return super.putBlock(block);
  }

  /** Remembers what the backend answered for `key` (undefined: it has none). */
  mirrorValue(key: string, value: unknown, expiresAt: number | undefined): void {
    if (value === undefined) void this.delete(key);
    else void this.set(key, value, expiresAt);
  }
}
