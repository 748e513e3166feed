import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AuditEntry, AuditFilter, Block, BlockFilter } from '../../shared';
import { blockMatcher } from './block-filter';
import type { ChangeChannel, HostStore } from './host-store';
import { MemoryStore } from './memory-store';
import type { CounterSnapshot } from './windowed-counters';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER);
CREATE TABLE IF NOT EXISTS blocks (domain TEXT NOT NULL, key TEXT NOT NULL, json TEXT NOT NULL,
  expires_at INTEGER NOT NULL, PRIMARY KEY (domain, key));
CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,
  domain TEXT, subject TEXT NOT NULL, json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_subject ON audit (subject);
CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS changes (channel TEXT PRIMARY KEY, rev INTEGER NOT NULL);
`;

export interface SqliteStoreOptions {
  /** How often counters are written behind to disk, and other processes' changes looked for. */
  flushIntervalMs?: number;
  now?: () => number;
}

/**
 * The embedded default. Blocks, key/values, the audit trail and settings are
 * written through (durable when the promise resolves; WAL with
 * synchronous=NORMAL survives a process crash). Counters are hot and live in
 * memory, written behind every flush interval: a crash loses at most that
 * interval of counting, never a block.
 */
export class SqliteStore extends MemoryStore implements HostStore {
  override readonly backend = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly blockCache = new Map<string, Block | null>();
  private readonly revs = new Map<string, number>();
  private lastDataVersion = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => number;
  private readonly st: Record<string, Database.Statement>;
  private closed = false;

  constructor(readonly file: string, options: SqliteStoreOptions = {}) {
    super();
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o750 });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.now = options.now ?? Date.now;
    const db = this.db;
    this.st = {
      kvGet: db.prepare('SELECT value, expires_at FROM kv WHERE key = ?'),
      kvSet: db.prepare('INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at'),
      kvDel: db.prepare('DELETE FROM kv WHERE key = ?'),
      kvList: db.prepare("SELECT key, value FROM kv WHERE key >= ? AND key < ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY key"),
      blockGet: db.prepare('SELECT json FROM blocks WHERE domain = ? AND key = ? AND expires_at > ?'),
      blockPut: db.prepare('INSERT INTO blocks (domain, key, json, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT(domain, key) DO UPDATE SET json = excluded.json, expires_at = excluded.expires_at'),
      blockAll: db.prepare('SELECT json FROM blocks WHERE expires_at > ?'),
      blockAllAny: db.prepare('SELECT json FROM blocks'),
      blockDel: db.prepare('DELETE FROM blocks WHERE domain = ? AND key = ?'),
      blockPurge: db.prepare('DELETE FROM blocks WHERE expires_at <= ?'),
      auditAdd: db.prepare('INSERT INTO audit (at, domain, subject, json) VALUES (?, ?, ?, ?)'),
      auditList: db.prepare('SELECT json FROM audit WHERE (@domain IS NULL OR domain = @domain) AND (@prefix IS NULL OR substr(subject, 1, length(@prefix)) = @prefix) AND (@since IS NULL OR at >= @since) ORDER BY id DESC LIMIT @limit'),
      counterPut: db.prepare('INSERT INTO counters (key, json) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET json = excluded.json'),
      counterDel: db.prepare('DELETE FROM counters WHERE key = ?'),
      counterAll: db.prepare('SELECT key, json FROM counters'),
      changeBump: db.prepare('INSERT INTO changes (channel, rev) VALUES (?, 1) ON CONFLICT(channel) DO UPDATE SET rev = rev + 1 RETURNING rev'),
      changeAll: db.prepare('SELECT channel, rev FROM changes'),
    };
    for (const row of this.st.counterAll.all() as Array<{ key: string; json: string }>) {
      this.counters.restore(row.key, JSON.parse(row.json) as CounterSnapshot);
    }
    this.counters.sweep(this.now());
    this.counters.takeDirty();
    for (const row of this.st.changeAll.all() as Array<{ channel: string; rev: number }>) this.revs.set(row.channel, row.rev);
    this.lastDataVersion = this.dataVersion();
    this.timer = setInterval(() => this.tick(), options.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  private dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** Writes counters behind and notices what other processes changed. */
  tick(): void {
    if (this.closed) return;
    this.flushCounters();
    const v = this.dataVersion();
    if (v === this.lastDataVersion) return;
    this.lastDataVersion = v;
    for (const row of this.st.changeAll.all() as Array<{ channel: string; rev: number }>) {
      if (this.revs.get(row.channel) === row.rev) continue;
      this.revs.set(row.channel, row.rev);
      if (row.channel === 'blocks') this.blockCache.clear();
      this.emit(row.channel as ChangeChannel);
    }
  }

  flushCounters(): void {
    this.counters.sweep(this.now());
    const dirty = this.counters.takeDirty();
    if (dirty.length === 0) return;
    this.db.transaction(() => {
      for (const [key, snap] of dirty) {
        if (snap) this.st.counterPut.run(key, JSON.stringify(snap));
        else this.st.counterDel.run(key);
      }
    })();
  }

  override async get<T>(key: string, now: number): Promise<T | undefined> {
    const row = this.st.kvGet.get(key) as { value: string; expires_at: number | null } | undefined;
    if (!row || (row.expires_at !== null && row.expires_at <= now)) return undefined;
    return JSON.parse(row.value) as T;
  }
  override async set(key: string, value: unknown, expiresAt?: number): Promise<void> {
    this.st.kvSet.run(key, JSON.stringify(value), expiresAt ?? null);
  }
  override async delete(key: string): Promise<boolean> {
    return this.st.kvDel.run(key).changes > 0;
  }
  override async list<T>(prefix: string, now: number): Promise<Array<{ key: string; value: T }>> {
    const rows = this.st.kvList.all(prefix, prefix + '\uffff', now) as Array<{ key: string; value: string }>;
    return rows.map((r) => ({ key: r.key, value: JSON.parse(r.value) as T }));
  }

  override async putBlock(block: Block): Promise<void> {
    this.st.blockPut.run(block.domain, block.key, JSON.stringify(block), block.expiresAt);
    this.blockCache.set(`${block.domain}\u0000${block.key}`, { ...block });
  }
  override async getBlock(key: string, domain: string, now: number): Promise<Block | undefined> {
    const ck = `${domain}\u0000${key}`;
    let b = this.blockCache.get(ck);
    if (b === undefined) {
      const row = this.st.blockGet.get(domain, key, now) as { json: string } | undefined;
      b = row ? (JSON.parse(row.json) as Block) : null;
      if (this.blockCache.size > 100_000) this.blockCache.clear();
      this.blockCache.set(ck, b);
    }
    return b && b.expiresAt > now ? b : undefined;
  }
  override async listBlocks(filter: BlockFilter, now: number): Promise<Block[]> {
    const match = blockMatcher(filter);
    return (this.st.blockAll.all(now) as Array<{ json: string }>).map((r) => JSON.parse(r.json) as Block).filter(match);
  }
  override async clearBlocks(filter: BlockFilter): Promise<Block[]> {
    const match = blockMatcher(filter);
    const gone = (this.st.blockAllAny.all() as Array<{ json: string }>).map((r) => JSON.parse(r.json) as Block).filter(match);
    this.db.transaction(() => {
      for (const b of gone) this.st.blockDel.run(b.domain, b.key);
      this.st.blockPurge.run(this.now());
    })();
    this.blockCache.clear();
    return gone;
  }

  override async appendAudit(entry: AuditEntry): Promise<void> {
    this.st.auditAdd.run(entry.at, entry.domain ?? null, entry.subject, JSON.stringify(entry));
  }
  override async listAudit(filter: AuditFilter): Promise<AuditEntry[]> {
    const rows = this.st.auditList.all({ domain: filter.domain ?? null, prefix: filter.subjectPrefix ?? null, since: filter.since ?? null, limit: filter.limit ?? -1 }) as Array<{ json: string }>;
    return rows.map((r) => JSON.parse(r.json) as AuditEntry);
  }

  override async publish(channel: ChangeChannel): Promise<void> {
    const row = this.st.changeBump.get(channel) as { rev: number };
    // data_version does not move for this connection's own commits, so the
    // poller will not announce this change twice; remember the rev it now has.
    this.revs.set(channel, row.rev);
    // This process's own block writes already went through the cache (putBlock,
    // clearBlocks); dropping it here would send every lookup after each new
    // block back to disk. Other processes' changes are seen in tick().
    this.emit(channel);
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    this.flushCounters();
    this.closed = true;
    this.db.close();
    await super.close();
  }
}
