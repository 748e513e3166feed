import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { latestSqliteVersion } from '../../../../../host/core/state/migrations/sqlite-migrations';
import { tempDir } from '../../../../helpers/plugin-fixture';
import { runCli } from '../../../../helpers/run-cli';
import { jsonLines } from '../../../../helpers/json-lines';

describe('mailwarden backup / restore', () => {
  let dir: string;
  let config: string;
  const cli = (...args: string[]) => runCli([...args, '--config', config]);
  const db = () => path.join(dir, 'data', 'mailwarden.db');
  const locks = async () => jsonLines<{ login: string }>((await cli('account', 'list', '--json')).stdout).map((l) => l.login).sort();

  beforeEach(() => {
    dir = tempDir('mw-backup-');
    config = path.join(dir, 'mailwarden.json');
    fs.mkdirSync(path.join(dir, 'plugins'));
    fs.writeFileSync(config, JSON.stringify({ dataDir: path.join(dir, 'data'), pluginDir: path.join(dir, 'plugins'), defaultDomain: 'example.com' }));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a backup taken while the store is open restores every lock; the replaced state is kept', async () => {
    await cli('account', 'lock', 'alice');
    await cli('account', 'lock', 'bob');
    const file = path.join(dir, 'b.db');
    const b = await cli('backup', file);
    expect(b).toMatchObject({ code: 0, stdout: `backed up ${db()} (schema ${latestSqliteVersion()}) to ${file}\n` });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect((await cli('backup', file)).stderr).toContain(`${file} exists; pass --force`);

    await cli('account', 'unlock', 'alice');
    await cli('account', 'lock', 'carol');
    expect(await locks()).toEqual(['bob@example.com', 'carol@example.com']);

    const r = await cli('restore', file);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`restored ${file} (schema ${latestSqliteVersion()}) into ${db()}`);
    expect(r.stderr).toContain(`changed all state in data directory ${path.join(dir, 'data')}`);
    expect(await locks()).toEqual(['alice@example.com', 'bob@example.com']);
    const kept = fs.readdirSync(path.join(dir, 'data')).find((f) => f.startsWith('mailwarden.db.before-restore-'));
    expect(kept).toBeDefined();
    const old = new Database(path.join(dir, 'data', kept!), { readonly: true });
    expect((old.prepare("SELECT key FROM kv WHERE key LIKE 'h:lock:%' ORDER BY key").all() as Array<{ key: string }>).map((r) => r.key)).toEqual(['h:lock:bob@example.com', 'h:lock:carol@example.com']);
    old.close();
  });

  test('a file that is not a usable mailwarden state is refused by name and nothing changes', async () => {
    await cli('account', 'lock', 'alice');
    const before = fs.readFileSync(db());
    const junk = path.join(dir, 'junk.db');
    fs.writeFileSync(junk, 'not a database at all, just some bytes'.repeat(200));
    const r1 = await cli('restore', junk);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(new RegExp(`restore: ${junk}: .*; nothing was changed`));

    const other = path.join(dir, 'other.db');
    const o = new Database(other);
    o.exec('CREATE TABLE t (x)');
    o.close();
    expect((await cli('restore', other)).stderr).toContain('not a mailwarden state file (no kv, blocks, audit table)');

    const newer = path.join(dir, 'newer.db');
    await cli('backup', newer);
    const n = new Database(newer);
    n.pragma(`user_version = ${latestSqliteVersion() + 1}`);
    n.close();
    expect((await cli('restore', newer)).stderr).toContain(`its schema version ${latestSqliteVersion() + 1} is newer than this mailwarden understands`);
    expect((await cli('restore', path.join(dir, 'absent.db'))).code).toBe(2);

    expect(fs.readFileSync(db()).equals(before)).toBe(true);
    expect(fs.readdirSync(path.join(dir, 'data')).some((f) => f.includes('before-restore'))).toBe(false);
    expect(await locks()).toEqual(['alice@example.com']);
  });
});
