import type { AuditEntry, AuditFilter, Block, BlockFilter, StateStore } from '../../../shared';
import type { HostStore } from './host-store';

/**
 * What one plugin sees of the store: its counters and key/values live under
 * its own prefix, and blocks and audit entries it writes carry its id, so a
 * plugin can neither read another's data nor pass its blocks off as the admin's.
 */
export class PluginStore implements StateStore {
  private readonly prefix: string;
  constructor(private readonly store: HostStore, private readonly pluginId: string) {
    this.prefix = `p:${pluginId}:`;
  }
  hit(key: string, windowMs: number, now: number, by?: number) {
    return this.store.hit(this.prefix + key, windowMs, now, by);
  }
  count(key: string, windowMs: number, now: number) {
    return this.store.count(this.prefix + key, windowMs, now);
  }
  addDistinct(key: string, member: string, windowMs: number, now: number) {
    return this.store.addDistinct(this.prefix + key, member, windowMs, now);
  }
  distinctMembers(key: string, windowMs: number, now: number) {
    return this.store.distinctMembers(this.prefix + key, windowMs, now);
  }
  reset(key: string) {
    return this.store.reset(this.prefix + key);
  }
  get<T>(key: string, now: number) {
    return this.store.get<T>(this.prefix + key, now);
  }
  set(key: string, value: unknown, expiresAt?: number) {
    return this.store.set(this.prefix + key, value, expiresAt);
  }
  delete(key: string) {
    return this.store.delete(this.prefix + key);
  }
  async list<T>(prefix: string, now: number) {
    const rows = await this.store.list<T>(this.prefix + prefix, now);
    return rows.map((r) => ({ key: r.key.slice(this.prefix.length), value: r.value }));
  }
  async putBlock(block: Block) {
    await this.store.putBlock({ ...block, source: this.pluginId });
    await this.store.publish('blocks', this.pluginId);
  }
  getBlock(key: string, domain: string, now: number) {
    return this.store.getBlock(key, domain, now);
  }
  listBlocks(filter: BlockFilter, now: number) {
    return this.store.listBlocks(filter, now);
  }
  async clearBlocks(filter: BlockFilter) {
    const gone = await this.store.clearBlocks({ ...filter, source: this.pluginId });
    if (gone.length) await this.store.publish('blocks', this.pluginId);
    return gone;
  }
  appendAudit(entry: AuditEntry) {
    return this.store.appendAudit({ ...entry, actor: entry.actor || this.pluginId });
  }
  listAudit(filter: AuditFilter) {
    return this.store.listAudit(filter);
  }
}
