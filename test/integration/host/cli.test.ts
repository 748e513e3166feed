import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../helpers/cli';
import { buildFixturePlugin, hooksPlugin, manifestFor, tempDir } from '../../helpers/plugin-fixture';
import { jsonLines } from '../../helpers/json-lines';

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    maxFailures: { type: 'integer', minimum: 1, default: 3 },
    trusted: { type: 'array', items: { type: 'string' }, default: [] },
    tarpit: { type: 'boolean', default: false },
  },
};

function instance() {
  const pluginDir = tempDir('mw-plugins-');
  const dataDir = tempDir('mw-data-');
  buildFixturePlugin(pluginDir, hooksPlugin('limits', `beforeAuth() { return undefined; },`, { configSchema: schema }));
  buildFixturePlugin(pluginDir, { manifest: manifestFor('broken'), source: `throw new Error('cannot start');` });
  const cli = (...args: string[]) => runCli([...args, '--data-dir', dataDir, '--plugin-dir', pluginDir]);
  return { pluginDir, dataDir, cli };
}

// Each call is a real process (about half a second on an idle machine); allow for a busy one.
jest.setTimeout(180_000);

describe('mailwarden CLI', () => {
  test('exit codes: 0 on success, 2 with a one-line message for bad usage, 1 for runtime failure', async () => {
    const { cli, dataDir } = instance();
    expect((await runCli([])).code).toBe(2);
    expect((await runCli(['--help'])).code).toBe(0);
    expect((await runCli(['--version'])).stdout).toMatch(/^mailwarden \d+\.\d+\.\d+\n$/);
    const unknown = await cli('frobnicate');
    expect(unknown).toMatchObject({ code: 2, stderr: 'mailwarden: unknown command "frobnicate" (see mailwarden --help)\n' });
    const badOpt = await cli('domains', 'list', '--colour');
    expect(badOpt.code).toBe(2);
    expect(badOpt.stderr).toBe("mailwarden: domains: Unknown option '--colour'\n");
    expect((await cli('domains', 'add')).stderr).toBe('mailwarden: domains add: DOMAIN is required\n');
    expect((await cli('domains', 'add', 'bad..name')).code).toBe(2);
    expect((await cli('serve', '--listen-admin', '127.0.0.1:99999')).stderr).toMatch(/^mailwarden: serve: listen.admin: "99999" is not a port/);
    // A data dir that is a file: a runtime failure, exit 1.
    const file = path.join(dataDir, 'not-a-dir');
    fs.writeFileSync(file, 'x');
    const rt = await runCli(['domains', 'list', '--data-dir', file]);
    expect(rt.code).toBe(1);
    expect(rt.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('domains and plugin settings persist across processes; config set is typed by the schema and validated', async () => {
    const { cli } = instance();
    expect((await cli('domains', 'add', 'Example.COM')).stdout).toBe('added example.com\n');
    expect((await cli('domains', 'add', 'example.com')).stderr).toMatch(/"example.com" already exists/);
    const list = jsonLines((await cli('plugins', 'list', '--domain', 'example.com', '--json')).stdout);
    expect(list).toEqual([
      expect.objectContaining({ domain: 'example.com', id: 'limits', status: 'loaded', enabled: true, enabledFrom: 'manifest' }),
      expect.objectContaining({ domain: 'example.com', id: 'broken', status: 'failed', stage: 'import' }),
    ]);
    expect(list[1].reason).toMatch(/cannot start/);

    expect((await cli('plugins', 'disable', 'limits', '--domain', 'example.com')).code).toBe(0);
    expect((await cli('config', 'set', 'limits', '--domain', 'example.com', 'maxFailures=5', 'trusted=127.0.0.0/8,::1/128', 'tarpit=yes')).code).toBe(0);
    const got = JSON.parse((await cli('config', 'get', 'limits', '--domain', 'example.com', '--json')).stdout);
    expect(got).toMatchObject({ enabled: false, config: { maxFailures: 5, trusted: ['127.0.0.0/8', '::1/128'], tarpit: true } });
    const global = JSON.parse((await cli('config', 'get', 'limits', '--json')).stdout);
    expect(global).toMatchObject({ domain: '*', enabled: true, config: { maxFailures: 3 } });

    const bad = await cli('config', 'set', 'limits', '--domain', 'example.com', 'maxFailures=0');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('mailwarden: limits config (example.com): /maxFailures must be >= 1 (minimum)\n');
    expect((await cli('config', 'set', 'limits', '--domain', 'example.com', 'maxFailures=many')).stderr).toBe('mailwarden: config set: maxFailures must be a number, not "many"\n');
    expect((await cli('config', 'set', 'limits', 'colour=red')).stderr).toMatch(/"colour" is not a setting of this plugin \(settings: maxFailures, trusted, tarpit\)/);
    expect((await cli('config', 'set', 'broken', 'x=1')).stderr).toMatch(/plugin "broken" failed to load \(.*cannot start/);
    expect((await cli('config', 'set', 'limits', '--domain', 'nowhere.org', 'maxFailures=2')).code).toBe(2);
    // Nothing changed by the refused commands.
    expect(JSON.parse((await cli('config', 'get', 'limits', '--domain', 'example.com', '--json')).stdout).config.maxFailures).toBe(5);

    expect((await cli('config', 'reset', 'limits', '--domain', 'example.com', 'maxFailures')).code).toBe(0);
    expect(JSON.parse((await cli('config', 'get', 'limits', '--domain', 'example.com', '--json')).stdout).config).toMatchObject({ maxFailures: 3, tarpit: true });
    expect((await cli('domains', 'remove', 'example.com')).code).toBe(0);
    expect((await cli('domains', 'remove', 'example.com')).code).toBe(2);
  });

  test('MAILWARDEN_* environment variables and a config file select the instance', async () => {
    const { pluginDir, dataDir } = instance();
    const cfg = path.join(tempDir(), 'mailwarden.json');
    fs.writeFileSync(cfg, JSON.stringify({ defaultDomain: 'Mail.Example.Org', dataDir, pluginDir }));
    const out = jsonLines((await runCli(['domains', 'list', '--json', '--config', cfg])).stdout);
    expect(out).toEqual([expect.objectContaining({ name: 'mail.example.org', default: true })]);
    const viaEnv = await runCli(['plugins', 'list', '--json'], { env: { MAILWARDEN_DATA_DIR: dataDir, MAILWARDEN_PLUGIN_DIR: pluginDir } });
    expect(jsonLines(viaEnv.stdout)[0].id).toBe('limits');
    fs.writeFileSync(cfg, '{ "hookTimeoutMs": "fast" }');
    const bad = await runCli(['domains', 'list', '--config', cfg]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`mailwarden: ${cfg}: /hookTimeoutMs must be integer (type)\n`);
  });
});
