import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../helpers/cli';
import { tempDir } from '../../helpers/plugin-fixture';
import { realPluginDir } from '../../helpers/real-plugin';

/*
 * Issue 18: `mailwarden config test` (like `postfix check`, `nginx -t`) and
 * `mailwarden config show` (effective settings and their sources), run as an
 * admin runs them: the built CLI in its own process.
 */

jest.setTimeout(60_000);

function instance(doc: Record<string, unknown>) {
  const dir = tempDir('mw-config-cli-');
  const file = path.join(dir, 'mailwarden.json');
  const pluginDir = realPluginDir('trusted-ips');
  fs.writeFileSync(file, JSON.stringify({ dataDir: path.join(dir, 'data'), pluginDir, ...doc }, null, 2));
  return { dir, file, pluginDir };
}

describe('mailwarden config test', () => {
  test('a valid file: exit 0 and "configuration OK: FILE"; the packaged file is found as every command finds it', async () => {
    const { file } = instance({ plugins: { 'trusted-ips': { tableFile: '/etc/postfix/mailwarden-trusted.cidr' } } });
    const r = await runCli(['config', 'test', '--config', file]);
    expect(r).toMatchObject({ code: 0, stdout: `configuration OK: ${file}\n`, stderr: '' });
    // No --config: the system file (MAILWARDEN_SYSTEM_CONFIG moves it, as for every command); a global option before the command too.
    expect((await runCli(['config', 'test'], { env: { MAILWARDEN_SYSTEM_CONFIG: file } })).stdout).toBe(`configuration OK: ${file}\n`);
    expect((await runCli(['--config', file, 'config', 'test'])).code).toBe(0);
  });

  test('an invalid file: exit 2 with each error (file, JSON path, rule)', async () => {
    const { file } = instance({ hookTimeoutMs: 0, listen: { admin: 'nowhere' }, unknownKey: 1 });
    const r = await runCli(['config', 'test', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${file}: /hookTimeoutMs must be >= 1 (minimum)`);
    expect(r.stderr).toContain(`${file}: /unknownKey is not a known property (additionalProperties)`);
    expect(r.stderr).toContain(`configuration test failed: ${file} (2 errors)`);
    // The listen address is checked too (serve would refuse it).
    const { file: f2 } = instance({ listen: { admin: '127.0.0.1:70000' } });
    const r2 = await runCli(['config', 'test', '--config', f2, '--json']);
    expect(r2.code).toBe(2);
    expect(JSON.parse(r2.stdout)).toMatchObject({ ok: false, file: f2, errors: [{ file: f2, path: '/listen/admin', rule: 'address' }] });
  });

  test("a host-level plugin section is checked against the installed plugin's manifest", async () => {
    const { file } = instance({ plugins: { 'trusted-ips': { tableFile: 42, maxEntries: 5 }, 'trusted-ipz': {} } });
    const r = await runCli(['config', 'test', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}: /plugins/trusted-ips/tableFile must be string (type)`);
    expect(r.stderr).toMatch(new RegExp(`${file}: /plugins/trusted-ips/maxEntries is not a .*\\(hostLevel\\)`));
    // A section naming no installed plugin is a warning (the service starts with it), a likely typo worth seeing.
    expect(r.stderr).toContain('warning: plugins.trusted-ipz names no plugin');
  });

  test('a file that cannot be read or parsed: exit 2 naming it', async () => {
    const dir = tempDir('mw-config-cli-');
    const missing = path.join(dir, 'missing.json');
    expect(await runCli(['config', 'test', '--config', missing])).toMatchObject({ code: 2, stderr: expect.stringContaining(`${missing}: / cannot be read`) });
    const broken = path.join(dir, 'broken.json');
    fs.writeFileSync(broken, '{ "hookTimeoutMs": 10, }');
    expect(await runCli(['config', 'test', '--config', broken])).toMatchObject({ code: 2, stderr: expect.stringContaining(`${broken}: / is not valid JSON at line 1`) });
  });
});

describe('mailwarden config show', () => {
  const token = 'adm1n-t0ken-never-printed';
  const header = 'Authorization: Basic ZG92ZWNvdDpzM2NyZXQ=';
  const redisPassword = 'r3dis-pa55';

  test('each effective setting with its source; secrets never printed', async () => {
    const { file, pluginDir } = instance({ hookTimeoutMs: 500, admin: { token }, dovecot: { apiHeader: header }, state: { backend: 'sqlite', url: `redis://:${redisPassword}@127.0.0.1:6379` } });
    const r = await runCli(['config', 'show', '--config', file], { env: { MAILWARDEN_DEFAULT_DOMAIN: 'example.org' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`# config file: ${file} (flag --config)`);
    expect(r.stdout).toMatch(new RegExp(`^hookTimeoutMs +=  ?500 +\\(${file}\\)$`, 'm'));
    expect(r.stdout).toMatch(/^defaultDomain += "example.org" +\(environment MAILWARDEN_DEFAULT_DOMAIN\)$/m);
    expect(r.stdout).toMatch(/^log\.level += "info" +\(default\)$/m);
    expect(r.stdout).toMatch(new RegExp(`^pluginDir += "${pluginDir}" +\\(${file}\\)$`, 'm'));
    expect(r.stdout).toMatch(/^admin\.token += "\[redacted\]"/m);
    for (const secret of [token, 'ZG92ZWNvdDpzM2NyZXQ=', redisPassword]) {
      expect(r.stdout + r.stderr).not.toContain(secret);
    }

    const j = await runCli(['config', 'show', '--config', file, '--json', '--data-dir', '/srv/mw-data']);
    expect(j.code).toBe(0);
    expect(j.stdout.trim().split('\n')).toHaveLength(1);
    const doc = JSON.parse(j.stdout);
    expect(doc.file).toBe(file);
    expect(doc.settings.hookTimeoutMs).toEqual({ value: 500, source: { kind: 'file', file } });
    expect(doc.settings.dataDir).toEqual({ value: '/srv/mw-data', source: { kind: 'flag', flag: '--data-dir' } });
    expect(doc.settings['listen.admin']).toEqual({ value: '127.0.0.1:8440', source: { kind: 'default' } });
    expect(doc.settings['dovecot.apiHeader'].value).toBe('[redacted]');
    for (const secret of [token, 'ZG92ZWNvdDpzM2NyZXQ=', redisPassword]) expect(j.stdout).not.toContain(secret);
  });

  test('an invalid file: exit 2 naming the file and path, nothing printed on stdout', async () => {
    const { file } = instance({ log: { level: 'loud' } });
    const r = await runCli(['config', 'show', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${file}: /log/level must be one of`);
  });
});

test('help config describes test, show, get, set and reset', async () => {
  const r = await runCli(['help', 'config']);
  expect(r.code).toBe(0);
  for (const sub of ['test', 'show', 'get', 'set', 'reset']) expect(r.stdout).toContain(`mailwarden config ${sub}`);
});
