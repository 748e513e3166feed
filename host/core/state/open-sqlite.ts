import Database from 'better-sqlite3';
import fs from 'node:fs';
import type { HostStore } from './host-store';
import { MemoryStore } from './memory-store';
import { copyDatabase, faultText, isStorageFault, SqliteStore, type SqliteStoreOptions } from './sqlite-store';

/**
 * The SQLite store, or — when its file cannot be opened for writing (read-only
 * or full data directory) — a memory store holding what the file still lets us
 * read, so the gateways keep deciding. The error is logged with the file and
 * the reason; /healthz then shows `store: "memory"`.
 */
export function openSqlite(file: string, services: Pick<SqliteStoreOptions, 'logger' | 'metrics'> = {}): HostStore {
  try {
    const store = new SqliteStore(file, services);
    const m = store.migration;
    if (m.before) services.logger?.warn({ file, from: m.from, to: m.to, before: m.before }, 'state store schema brought forward (the file as it was is kept beside it)');
    else if (m.from !== m.to) services.logger?.info({ file, schema: m.to }, 'state store created');
    return store;
  } catch (e) {
    if (!isStorageFault(e) && !isFsFault(e)) throw e;
    const reason = faultText(e);
    services.logger?.error({ file, err: reason }, 'cannot open the state file for writing; starting on a memory copy (changes are lost at exit) — fix the data directory and restart');
    services.metrics?.increment('store_write_failures', { backend: 'sqlite' });
    return memoryCopy(file, services);
  }
}

function isFsFault(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  // ENOENT: mkdir -p of a data directory under a read-only mount reports it so.
  return code === 'EACCES' || code === 'EROFS' || code === 'ENOSPC' || code === 'EPERM' || code === 'ENOENT';
}

/**
 * The file read into memory. A WAL database cannot be opened at all on a
 * read-only file system (its -shm cannot be made), so the bytes are loaded and
 * the header's WAL marks (bytes 18–19) set back to rollback mode. What sits
 * only in an un-checkpointed -wal file is not seen; a clean stop checkpoints.
 */
function readOnlyCopy(file: string): Database.Database {
  const bytes = fs.readFileSync(file);
  if (bytes.length > 19 && bytes[18] === 2 && bytes[19] === 2) {
    bytes[18] = 1;
    bytes[19] = 1;
  }
  return new Database(bytes);
}

function memoryCopy(file: string, services: Pick<SqliteStoreOptions, 'logger'>): MemoryStore {
  const mem = new MemoryStore();
  let db: Database.Database | undefined;
  try {
    db = readOnlyCopy(file);
    // MemoryStore's methods finish synchronously, so no await is needed here.
    copyDatabase(db, { set: (k, v, x) => void mem.set(k, v, x), putBlock: (b) => void mem.putBlock(b), appendAudit: (a) => void mem.appendAudit(a) });
  } catch (e) {
    services.logger?.error({ file, err: (e as Error).message }, 'the state file cannot be read either; starting empty');
  } finally {
    db?.close();
  }
  return mem;
}
