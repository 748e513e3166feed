import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import type { AuditEntry, AuditFilter, Block, BlockFilter, Logger, Metrics } from '../../../shared';
import { blockMatcher } from '../../../shared/block-filter';
import { matchDirOwner } from './file-owner';
import { migrateSqlite, type MigrationReport, refuseNewerSchema } from './migrations/sqlite-migrations';
import type { ChangeChannel, HostStore } from './host-store';
import { MemoryStore } from './memory-store';
import { type OutagePolicy, resilient } from './resilience';
import type { CounterSnapshot } from './windowed-counters';


export interface SqliteStoreOptions {
  /** How often counters are written behind to disk, and other processes' changes looked for. */
  flushIntervalMs?: number;
  now?: () => number;
  /** Told once when the file stops taking writes and the store carries on in memory. */
  logger?: Logger;
  metrics?: Metrics;
}

/** Errors of the disk, not of a statement: the store keeps deciding from memory after one. */
const STORAGE_FAULTS = ['SQLITE_FULL', 'SQLITE_READONLY', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_CORRUPT', 'SQLITE_NOTADB'];

/** Where a copy of the file's durable state goes (MemoryStore's synchronous writes). */
export interface CopyTarget {
  set(key: string, value: unknown, expiresAt?: number): void;
  putBlock(block: Block): void;
  appendAudit(entry: AuditEntry): void;
}

/** Key/values, blocks and the latest 1000 audit entries of `db` into `to`. */
export function copyDatabase(db: Database.Database, to: CopyTarget): void {
  for (const r of db.prepare('SELECT key, value, expires_at FROM kv').all() as Array<{ key: string; value: string; expires_at: number | null }>) {
    to.set(r.key, JSON.parse(r.value), r.expires_at ?? undefined);
  }
  for (const r of db.prepare('SELECT json FROM blocks').all() as Array<{ json: string }>) to.putBlock(JSON.parse(r.json) as Block);
  const audit = db.prepare('SELECT json FROM audit ORDER BY id DESC LIMIT 1000').all() as Array<{ json: string }>;
  for (const r of audit.reverse()) to.appendAudit(JSON.parse(r.json) as AuditEntry);
}

/** "CODE: message", without the code twice when Node already put it first. */
export function faultText(e: unknown): string {
  const code = String((e as { code?: unknown }).code ?? 'ERROR');
  const message = (e as Error).message ?? String(e);
  return message.startsWith(code) ? message : `${code}: ${message}`;
}

export function isStorageFault(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && STORAGE_FAULTS.some((c) => code === c || code.startsWith(c + '_'));
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
  /** Set when the file failed (disk full, read-only, I/O error): from then on memory only. */
  private degradedBy: string | undefined;
  private readonly options: SqliteStoreOptions;
  /** A disk fault takes the file out for the rest of the process: memory answers from then on. */
  private readonly outage: OutagePolicy = {
    backend: 'sqlite',
    isOutage: isStorageFault,
    down: (e, during) => this.degrade(e, during),
    isDown: () => this.degradedBy !== undefined,
    failOpen: () => true,
  };
  /** What opening did to the schema (from → to); logged by the caller. */
  readonly migration: MigrationReport;

  constructor(readonly file: string, options: SqliteStoreOptions = {}) {
    super();
    this.options = options;
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o750 });
    this.db = new Database(file);
    try {
      refuseNewerSchema(this.db, file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('busy_timeout = 5000');
      this.migration = migrateSqlite(this.db, file);
    } catch (e) {
      this.db.close();
      throw e;
    }
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
    matchDirOwner(file, ['', '-wal', '-shm', ...(this.migration.before ? [this.migration.before.slice(file.length)] : [])]);
    this.timer = setInterval(() => this.poll(), options.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  private dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** Writes counters behind and notices what other processes changed. */
  poll(): void {
    if (this.closed || this.degradedBy) return;
    try {
      this.flushCounters();
    } catch (e) {
      if (!isStorageFault(e)) throw e;
      this.degrade(e, 'counter flush');
      return;
    }
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
    return resilient(
      this.outage,
      'get',
      () => {
        const row = this.st.kvGet.get(key) as { value: string; expires_at: number | null } | undefined;
        if (!row || (row.expires_at !== null && row.expires_at <= now)) return undefined;
        return JSON.parse(row.value) as T;
      },
      () => super.get<T>(key, now),
    );
  }
  override async set(key: string, value: unknown, expiresAt?: number): Promise<void> {
    return resilient(
      this.outage,
      'set',
      () => {
        this.st.kvSet.run(key, JSON.stringify(value), expiresAt ?? null);
      },
      () => super.set(key, value, expiresAt),
    );
  }
  override async delete(key: string): Promise<boolean> {
    return resilient(
      this.outage,
      'delete',
      () => {
        return this.st.kvDel.run(key).changes > 0;
      },
      () => super.delete(key),
    );
  }
  override async list<T>(prefix: string, now: number): Promise<Array<{ key: string; value: T }>> {
    return resilient(
      this.outage,
      'list',
      () => {
        const rows = this.st.kvList.all(prefix, prefix + '\uffff', now) as Array<{ key: string; value: string }>;
        return rows.map((r) => ({ key: r.key, value: JSON.parse(r.value) as T }));
      },
      () => super.list<T>(prefix, now),
    );
  }

  override async putBlock(block: Block): Promise<void> {
    return resilient(
      this.outage,
      'putBlock',
      () => {
        this.st.blockPut.run(block.domain, block.key, JSON.stringify(block), block.expiresAt);
        this.blockCache.set(`${block.domain}\u0000${block.key}`, { ...block });
      },
      () => super.putBlock(block),
    );
  }
  override async getBlock(key: string, domain: string, now: number): Promise<Block | undefined> {
    return resilient(
      this.outage,
      'getBlock',
      () => {
        const ck = `${domain}\u0000${key}`;
        let b = this.blockCache.get(ck);
        if (b === undefined) {
          const row = this.st.blockGet.get(domain, key, now) as { json: string } | undefined;
          b = row ? (JSON.parse(row.json) as Block) : null;
          if (this.blockCache.size > 100_000) this.blockCache.clear();
          this.blockCache.set(ck, b);
        }
        return b && b.expiresAt > now ? b : undefined;
      },
      () => super.getBlock(key, domain, now),
    );
  }
  override async listBlocks(filter: BlockFilter, now: number): Promise<Block[]> {
    return resilient(
      this.outage,
      'listBlocks',
      () => {
        const match = blockMatcher(filter);
        return (this.st.blockAll.all(now) as Array<{ json: string }>).map((r) => JSON.parse(r.json) as Block).filter(match);
      },
      () => super.listBlocks(filter, now),
    );
  }
  override async clearBlocks(filter: BlockFilter): Promise<Block[]> {
    return resilient(
      this.outage,
      'clearBlocks',
      () => {
        const match = blockMatcher(filter);
        const gone = (this.st.blockAllAny.all() as Array<{ json: string }>).map((r) => JSON.parse(r.json) as Block).filter(match);
        this.db.transaction(() => {
          for (const b of gone) this.st.blockDel.run(b.domain, b.key);
          this.st.blockPurge.run(this.now());
        })();
        this.blockCache.clear();
        return gone;
      },
      () => super.clearBlocks(filter),
    );
  }

  override async appendAudit(entry: AuditEntry): Promise<void> {
    return resilient(
      this.outage,
      'appendAudit',
      () => {
        this.st.auditAdd.run(entry.at, entry.domain ?? null, entry.subject, JSON.stringify(entry));
      },
      () => super.appendAudit(entry),
    );
  }
  override async listAudit(filter: AuditFilter): Promise<AuditEntry[]> {
    return resilient(
      this.outage,
      'listAudit',
      () => {
        const rows = this.st.auditList.all({ domain: filter.domain ?? null, prefix: filter.subjectPrefix ?? null, since: filter.since ?? null, limit: filter.limit ?? -1 }) as Array<{ json: string }>;
        return rows.map((r) => JSON.parse(r.json) as AuditEntry);
      },
      () => super.listAudit(filter),
    );
  }

  override async publish(channel: ChangeChannel, source?: string): Promise<void> {
    return resilient(
      this.outage,
      'publish',
      () => {
        const row = this.st.changeBump.get(channel) as { rev: number };
        // data_version does not move for this connection's own commits, so the
        // poller will not announce this change twice; remember the rev it now has.
        this.revs.set(channel, row.rev);
        // This process's own block writes already went through the cache (putBlock,
        // clearBlocks); dropping it here would send every lookup after each new
        // block back to disk. Other processes' changes are seen in poll().
        this.emit(channel, source);
      },
      () => super.publish(channel, source),
    );
  }

  /** Why the store went to memory, if it did (for /healthz and doctor). */
  get degraded(): string | undefined {
    return this.degradedBy;
  }

  /**
   * The file failed under us: copy what it still lets us read into memory,
   * say so once (log, metric), and keep deciding from the copy. The file is
   * left as it was; a restart with a working disk goes back to it.
   */
  private degrade(e: unknown, during: string): void {
    if (this.degradedBy) return;
    const reason = faultText(e);
    this.degradedBy = reason;
    const { logger, metrics } = this.options;
    logger?.error({ file: this.file, during, err: reason }, 'state file failed; decisions continue from memory (changes from now on are lost at exit)');
    metrics?.increment('store_write_failures', { backend: 'sqlite' });
    // MemoryStore's methods finish synchronously (no await inside), so the
    // copy is complete before any caller sees the memory-only store.
    try {
      copyDatabase(this.db, {
        set: (k, v, x) => void super.set(k, v, x),
        putBlock: (b) => void super.putBlock(b),
        appendAudit: (a) => void super.appendAudit(a),
      });
    } catch (copyError) {
      logger?.error({ file: this.file, err: (copyError as Error).message }, 'state file unreadable too; continuing from what memory holds');
    }
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    if (!this.degradedBy) {
      try {
        this.flushCounters();
      } catch (e) {
        if (!isStorageFault(e)) throw e;
      }
    }
    this.closed = true;
    this.db.close();
    await super.close();
  }
}
