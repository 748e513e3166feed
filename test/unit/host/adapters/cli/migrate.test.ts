import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { latestSqliteVersion } from '../../../../../host/core/state/migrations/sqlite-migrations';
import { tempDir } from '../../../../helpers/plugin-fixture';
import { runCli } from '../../../../helpers/run-cli';

describe('mailwarden migrate', () => {
  let dir: string;
  let config: string;
  beforeEach(() => {
    dir = tempDir('mw-migrate-');
    config = path.join(dir, 'mailwarden.json');
    fs.mkdirSync(path.join(dir, 'plugins'));
    fs.writeFileSync(config, JSON.stringify({ dataDir: path.join(dir, 'data'), pluginDir: path.join(dir, 'plugins'), defaultDomain: 'example.com' }));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('creates the store, the admin token and the Dovecot secret; a second run changes nothing; an older schema is brought forward', async () => {
    const first = await runCli(['migrate', '--config', config]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`state: ${path.join(dir, 'data')} (created with schema ${latestSqliteVersion()})`);
    expect(first.stdout).toContain(`admin token: ${path.join(dir, 'data', 'admin.token')}`);
    const token = fs.readFileSync(path.join(dir, 'data', 'admin.token'), 'utf8');
    expect(fs.statSync(path.join(dir, 'data', 'admin.token')).mode & 0o777).toBe(0o600);

    const again = await runCli(['migrate', '--config', config]);
    expect(again.stdout).toContain(`(schema ${latestSqliteVersion()}, up to date)`);
    expect(fs.readFileSync(path.join(dir, 'data', 'admin.token'), 'utf8')).toBe(token);

    const db = new Database(path.join(dir, 'data', 'mailwarden.db'));
    db.exec('DROP INDEX IF EXISTS blocks_expires');
    db.pragma('user_version = 1');
    db.close();
    const forward = await runCli(['migrate', '--config', config]);
    expect(forward.stdout).toContain(`schema 1 → ${latestSqliteVersion()}; the file as it was: ${path.join(dir, 'data', 'mailwarden.db')}.schema-1.bak`);
    expect((await runCli(['domains', 'list', '--config', config])).stdout).toContain('example.com');
  });
});
