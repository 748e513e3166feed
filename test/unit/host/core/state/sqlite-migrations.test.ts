import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { latestSqliteVersion, SchemaTooNewError, schemaVersion } from '../../../../../host/core/state/migrations/sqlite-migrations';
import { openSqlite } from '../../../../../host/core/state/open-sqlite';
import { SqliteStore } from '../../../../../host/core/state/sqlite-store';

/** The tables exactly as mailwarden wrote them before schemas were versioned (user_version 0). */
const UNVERSIONED = `
CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER);
CREATE TABLE blocks (domain TEXT NOT NULL, key TEXT NOT NULL, json TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (domain, key));
CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, domain TEXT, subject TEXT NOT NULL, json TEXT NOT NULL);
CREATE INDEX audit_subject ON audit (subject);
CREATE TABLE counters (key TEXT PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE changes (channel TEXT PRIMARY KEY, rev INTEGER NOT NULL);
`;

describe('SQLite schema versions', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-migr-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a new file is stamped with the latest version', async () => {
    const s = new SqliteStore(path.join(dir, 'a.db'));
    expect(s.migration).toEqual({ from: 0, to: latestSqliteVersion() });
    await s.close();
    const db = new Database(path.join(dir, 'a.db'));
    expect(schemaVersion(db)).toBe(latestSqliteVersion());
    db.close();
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.bak'))).toEqual([]);
  });

  test('a file from before versioning keeps its blocks and key/values, is brought forward, and the old file is kept beside it', async () => {
    const file = path.join(dir, 'old.db');
    const db = new Database(file);
    db.exec(UNVERSIONED);
    const block = { domain: 'example.com', key: 'login:bob@example.com', reason: 'x', expiresAt: Date.now() + 3_600_000 };
    db.prepare('INSERT INTO blocks VALUES (?, ?, ?, ?)').run(block.domain, block.key, JSON.stringify(block), block.expiresAt);
    db.prepare('INSERT INTO kv VALUES (?, ?, NULL)').run('h:lock:alice@example.com', JSON.stringify({ login: 'alice@example.com' }));
    db.close();

    const s = new SqliteStore(file);
    expect(s.migration.from).toBe(0);
    expect(s.migration.to).toBe(latestSqliteVersion());
    expect(s.migration.before).toBe(`${file}.schema-0.bak`);
    expect(await s.getBlock(block.key, block.domain, Date.now())).toMatchObject({ reason: 'x' });
    expect(await s.get('h:lock:alice@example.com', Date.now())).toEqual({ login: 'alice@example.com' });
    await s.close();

    const after = new Database(file);
    expect(after.prepare("SELECT name FROM sqlite_master WHERE name = 'blocks_expires'").get()).toBeTruthy();
    after.close();
    const kept = new Database(`${file}.schema-0.bak`, { readonly: true });
    expect(schemaVersion(kept)).toBe(0);
    expect(kept.prepare('SELECT count(*) AS n FROM blocks').get()).toEqual({ n: 1 });
    kept.close();
  });

  test('a file a newer mailwarden wrote is refused by name, and not swapped for a memory store', () => {
    const file = path.join(dir, 'new.db');
    const db = new Database(file);
    db.exec('CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER)');
    db.pragma(`user_version = ${latestSqliteVersion() + 1}`);
    db.close();
    const bytes = fs.readFileSync(file);
    expect(() => openSqlite(file)).toThrow(SchemaTooNewError);
    expect(() => openSqlite(file)).toThrow(new RegExp(`${file.replace(/[.]/g, '\\.')}: state schema version ${latestSqliteVersion() + 1} is newer than this mailwarden understands \\(${latestSqliteVersion()}\\)`));
    expect(fs.readFileSync(file).equals(bytes)).toBe(true);
  });

  test('opening twice migrates once', async () => {
    const file = path.join(dir, 'b.db');
    await new SqliteStore(file).close();
    const again = new SqliteStore(file);
    expect(again.migration).toEqual({ from: latestSqliteVersion(), to: latestSqliteVersion() });
    await again.close();
  });
});
