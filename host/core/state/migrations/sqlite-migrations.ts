import type Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The SQLite store's schema, as forward steps. `PRAGMA user_version` holds the
 * step a file has reached. Steps are never edited once released: a change is a
 * new step, so a file written by any earlier mailwarden can be brought forward.
 */
export interface SqliteMigration {
  readonly version: number;
  readonly description: string;
  readonly up: string;
}

export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    description: 'key/values, blocks, audit trail, counters, change revisions',
    // IF NOT EXISTS: files from before versioning (user_version 0) already hold these tables.
    up: `
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER);
CREATE TABLE IF NOT EXISTS blocks (domain TEXT NOT NULL, key TEXT NOT NULL, json TEXT NOT NULL,
  expires_at INTEGER NOT NULL, PRIMARY KEY (domain, key));
CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,
  domain TEXT, subject TEXT NOT NULL, json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_subject ON audit (subject);
CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS changes (channel TEXT PRIMARY KEY, rev INTEGER NOT NULL);
`,
  },
  {
    version: 2,
    description: 'index on block expiry (listing live blocks and purging expired ones no longer scan the table)',
    up: `
CREATE INDEX IF NOT EXISTS blocks_expires ON blocks (expires_at);
CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires_at) WHERE expires_at IS NOT NULL;
`,
  },
];

/**
 * The newest schema this build writes. A package built with `--schema N`
 * (packaging/build-deb.mjs; for upgrade tests of an earlier schema) carries
 * schema-cap.json next to this module and stops there.
 */
export function latestSqliteVersion(): number {
  const last = SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1].version;
  const capFile = path.join(__dirname, 'schema-cap.json');
  if (!fs.existsSync(capFile)) return last;
  const cap = (JSON.parse(fs.readFileSync(capFile, 'utf8')) as { sqlite?: unknown }).sqlite;
  return typeof cap === 'number' && Number.isInteger(cap) && cap >= 1 && cap <= last ? cap : last;
}

export class SchemaTooNewError extends Error {
  override readonly name = 'SchemaTooNewError';
}

export interface MigrationReport {
  readonly from: number;
  readonly to: number;
  /** Copy of the file as it was before the first step, when there was anything to keep. */
  readonly before?: string;
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function hasTables(db: Database.Database): boolean {
  return (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").get() as { n: number }).n > 0;
}

/**
 * Brings `db` (the file `file`) forward to this build's schema; refuses a file
 * a newer mailwarden wrote. A file holding state is first copied beside itself
 * (`<file>.schema-<from>.bak`, VACUUM INTO: a consistent copy even in WAL mode)
 * so that a failed or unwanted upgrade can be undone with `mailwarden restore`.
 * Each step and its version stamp commit together.
 */
export function migrateSqlite(db: Database.Database, file: string): MigrationReport {
  const latest = latestSqliteVersion();
  const from = refuseNewerSchema(db, file);
  if (from === latest) return { from, to: from };
  let before: string | undefined;
  if (file !== ':memory:' && hasTables(db)) {
    before = `${file}.schema-${from}.bak`;
    fs.rmSync(before, { force: true });
    db.prepare('VACUUM INTO ?').run(before);
  }
  for (const m of SQLITE_MIGRATIONS) {
    if (m.version <= from || m.version > latest) continue;
    db.transaction(() => {
      db.exec(m.up);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return { from, to: latest, ...(before ? { before } : {}) };
}

/** The file's schema version; throws before anything is written (even the switch to WAL) when a newer mailwarden wrote it. */
export function refuseNewerSchema(db: Database.Database, file: string): number {
  const latest = latestSqliteVersion();
  const from = schemaVersion(db);
  if (from > latest) {
    throw new SchemaTooNewError(
      `${file}: state schema version ${from} is newer than this mailwarden understands (${latest}); a newer mailwarden wrote it. ` +
        'Install that version again, or restore a backup taken before the upgrade (mailwarden restore FILE)',
    );
  }
  return from;
}
