import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadHostConfig } from '../../../../../host/core/config/host-config';
import { tempDir } from '../../../../helpers/plugin-fixture';
import { runCli } from '../../../../helpers/run-cli';

describe('one source of truth: the system config and the data directory', () => {
  let dir: string;
  let cwd: string;
  beforeEach(() => {
    dir = tempDir('mw-datadir-');
    cwd = process.cwd();
  });
  afterEach(() => {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the system config, when it exists, is the default from any working directory; its dataDir defaults to /var/lib/mailwarden', () => {
    const sys = path.join(dir, 'etc.json');
    fs.writeFileSync(sys, JSON.stringify({ defaultDomain: 'example.com' }));
    process.chdir(fs.mkdtempSync(path.join(dir, 'elsewhere-')));
    const c = loadHostConfig({ env: { MAILWARDEN_SYSTEM_CONFIG: sys } });
    expect(c).toMatchObject({ source: sys, dataDir: '/var/lib/mailwarden', dataDirOrigin: 'config', defaultDomain: 'example.com' });
    fs.writeFileSync(sys, JSON.stringify({ dataDir: path.join(dir, 'state') }));
    expect(loadHostConfig({ env: { MAILWARDEN_SYSTEM_CONFIG: sys } })).toMatchObject({ dataDir: path.join(dir, 'state'), dataDirOrigin: 'config' });
    // Flags and MAILWARDEN_CONFIG still win.
    expect(loadHostConfig({ env: { MAILWARDEN_SYSTEM_CONFIG: sys }, dataDir: path.join(dir, 'x') })).toMatchObject({ dataDir: path.join(dir, 'x'), dataDirOrigin: 'flag' });
    const other = path.join(dir, 'other.json');
    fs.writeFileSync(other, '{}');
    expect(loadHostConfig({ env: { MAILWARDEN_SYSTEM_CONFIG: sys, MAILWARDEN_CONFIG: other } }).source).toBe(other);
  });

  test('without any config, ./data stays the checkout default', () => {
    process.chdir(dir);
    expect(loadHostConfig({ env: { MAILWARDEN_SYSTEM_CONFIG: path.join(dir, 'absent.json') } })).toMatchObject({ dataDir: path.join(fs.realpathSync(dir), 'data'), dataDirOrigin: 'default' });
  });

  test('a command that would create an empty store under ./data refuses, changes nothing, and says how to proceed', async () => {
    process.chdir(dir);
    const env = { MAILWARDEN_SYSTEM_CONFIG: path.join(dir, 'absent.json') };
    const r = await runCli(['account', 'lock', 'alice@example.com', '--plugin-dir', dir], { env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`no mailwarden state at ${path.join(fs.realpathSync(dir), 'data', 'mailwarden.db')}`);
    expect(r.stderr).toContain('--data-dir');
    expect(fs.existsSync(path.join(dir, 'data'))).toBe(false);
    // Asked for explicitly, it is created; the command names the directory it changed.
    const ok = await runCli(['account', 'lock', 'alice@example.com', '--plugin-dir', dir, '--data-dir', path.join(dir, 'data')], { env });
    expect(ok).toMatchObject({ code: 0, stdout: 'locked alice@example.com until unlocked\n' });
    // A new store also gets its default domain (settings) on first use.
    expect(ok.stderr).toBe(`mailwarden: changed locks, settings in data directory ${path.join(dir, 'data')}\n`);
    // Now that the store exists, the fallback finds it; a read changes nothing and says nothing.
    const list = await runCli(['account', 'list', '--plugin-dir', dir], { env });
    expect(list).toMatchObject({ code: 0, stderr: '' });
    expect(list.stdout).toContain('alice@example.com');
  });
});
