import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../../../shared';
import type { HostConfig } from '../../../core/config/host-config';
import { matchDirOwner } from '../../../core/state/file-owner';
import { latestSqliteVersion, schemaVersion } from '../../../core/state/migrations/sqlite-migrations';
import { SqliteStore } from '../../../core/state/sqlite-store';
import { CliContext, parse } from '../cli-context';
import type { CliCommand } from '../command';

/** The SQLite file of the configured store; backup and restore have nothing to do for the others. */
function storeFile(config: HostConfig, command: string): string {
  if (config.state.backend !== 'sqlite') {
    throw new UsageError(`${command}: the configured store is ${config.state.backend}; backup and restore handle the SQLite store (for Redis use its own RDB/AOF snapshots)`);
  }
  return path.resolve(config.dataDir, config.state.file ?? 'mailwarden.db');
}

function onePath(argv: readonly string[], command: string) {
  const p = parse(argv, { force: { type: 'boolean' } }, command);
  const [file, ...rest] = p.positionals;
  if (!file) throw new UsageError(`${command}: FILE is required`);
  if (rest.length) throw new UsageError(`${command}: unexpected argument "${rest[0]}"`);
  return { p, file: path.resolve(file) };
}

/** Checks that `file` is a whole mailwarden state file this version can use; returns its schema version. */
function checkBackupFile(file: string): number {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const ok = db.pragma('integrity_check', { simple: true });
    if (ok !== 'ok') throw new Error(`integrity_check says: ${String(ok)}`);
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name));
    const missing = ['kv', 'blocks', 'audit'].filter((t) => !tables.has(t));
    if (missing.length) throw new Error(`not a mailwarden state file (no ${missing.join(', ')} table)`);
    const v = schemaVersion(db);
    if (v > latestSqliteVersion()) throw new Error(`its schema version ${v} is newer than this mailwarden understands (${latestSqliteVersion()})`);
    return v;
  } catch (e) {
    throw new UsageError(`restore: ${file}: ${(e as Error).message}; nothing was changed`);
  } finally {
    db?.close();
  }
}

export const backupCommand: CliCommand = {
  name: 'backup',
  summary: 'copy the SQLite state to FILE (online: the service may keep running)',
  usage: `mailwarden backup FILE [--force]
  Copies the configured SQLite store to FILE with SQLite's online backup API: a
  consistent copy while the service keeps running. FILE (mode 600) must not exist
  unless --force is given. Restore it with \`mailwarden restore FILE\`.`,
  async run(argv, io) {
    const { p, file } = onePath(argv, 'backup');
    const ctx = new CliContext(io, p);
    const source = storeFile(ctx.config(), 'backup');
    if (!fs.existsSync(source)) throw new UsageError(`backup: there is no state at ${source} to back up`);
    if (fs.existsSync(file) && p.values.force !== true) throw new UsageError(`backup: ${file} exists; pass --force to replace it`);
    if (fs.existsSync(file)) fs.rmSync(file);
    const db = new Database(source, { readonly: true, fileMustExist: true });
    try {
      // Created first with mode 600: the copy holds the same state as the store.
      fs.writeFileSync(file, '', { mode: 0o600 });
      await db.backup(file);
      const version = schemaVersion(db);
      ctx.out(`backed up ${source} (schema ${version}) to ${file}`);
    } finally {
      db.close();
    }
    return 0;
  },
};

export const restoreCommand: CliCommand = {
  name: 'restore',
  summary: 'replace the SQLite state with a backup FILE (stop the service first)',
  usage: `mailwarden restore FILE
  Checks FILE (integrity, a mailwarden state file, a schema this version knows),
  keeps the current state beside it as <store>.before-restore-<time>, copies FILE
  in with SQLite's backup API and brings its schema forward. Stop the service
  first (systemctl stop mailwarden) and start it afterwards: a running service
  keeps what it cached in memory.`,
  async run(argv, io) {
    const { p, file } = onePath(argv, 'restore');
    if (p.values.force !== undefined) throw new UsageError('restore: --force belongs to "backup"');
    const ctx = new CliContext(io, p);
    const target = storeFile(ctx.config(), 'restore');
    const from = checkBackupFile(file);
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o750 });
    let kept: string | undefined;
    if (fs.existsSync(target)) {
      kept = `${target}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      const live = new Database(target, { readonly: true, fileMustExist: true });
      try {
        await live.backup(kept);
      } finally {
        live.close();
      }
      fs.chmodSync(kept, 0o600);
      matchDirOwner(kept);
    }
    const src = new Database(file, { readonly: true, fileMustExist: true });
    try {
      await src.backup(target);
    } finally {
      src.close();
    }
    // Opening brings the schema forward and hands the files to the data directory's owner.
    const store = new SqliteStore(target);
    const to = store.migration.to;
    await store.close();
    ctx.out(`restored ${file} (schema ${from}${to !== from ? `, brought forward to ${to}` : ''}) into ${target}`);
    if (kept) ctx.out(`the state it replaced is kept in ${kept}`);
    io.stderr.write(`mailwarden: changed all state in data directory ${path.dirname(target)}; start or restart the service now\n`);
    return 0;
  },
};
