import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from '../../../../../host/core/app';
import { changedSettings, checkConfigSemantics, effectiveConfig, REDACTED } from '../../../../../host/core/config/config-sources';
import { loadHostConfig } from '../../../../../host/core/config/host-config';
import { checkPluginSections } from '../../../../../host/core/config/plugin-sections';
import { ManualClock } from '../../../../../host/core/services/clock';
import { createLogger } from '../../../../../host/core/services/logger';
import { MemoryStore } from '../../../../../host/core/state/memory-store';
import { ValidationError } from '../../../../../host/core/validation/ajv';
import { buildFixturePlugin, hooksPlugin, manifestFor, tempDir } from '../../../../helpers/plugin-fixture';
import { LogCapture } from '../../../../helpers/test-app';

function writeConfig(dir: string, doc: unknown): string {
  const file = path.join(dir, 'mailwarden.json');
  fs.writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
  return file;
}

describe('config show: effective settings and their sources', () => {
  test('each setting says where it came from: default, the file, an environment variable, a flag', () => {
    const dir = tempDir('mw-conf-');
    const file = writeConfig(dir, `{
      // comments are allowed
      "hookTimeoutMs": 400,
      "listen": { "admin": "127.0.0.1:9000" },
      "dataDir": "state"
    }`);
    const eff = effectiveConfig({ configFile: file, pluginDir: '/opt/plugins', env: { MAILWARDEN_DEFAULT_DOMAIN: 'example.org' } });
    const by = Object.fromEntries(eff.settings.map((s) => [s.path, s]));
    expect(eff.file).toBe(file);
    expect(eff.fileSource).toEqual({ kind: 'flag', flag: '--config' });
    expect(by.hookTimeoutMs).toEqual({ path: 'hookTimeoutMs', value: 400, source: { kind: 'file', file } });
    expect(by['listen.admin'].source).toEqual({ kind: 'file', file });
    expect(by['listen.dovecot']).toEqual({ path: 'listen.dovecot', value: '127.0.0.1:8441', source: { kind: 'default' } });
    expect(by.dataDir).toEqual({ path: 'dataDir', value: path.join(dir, 'state'), source: { kind: 'file', file } });
    expect(by.pluginDir).toEqual({ path: 'pluginDir', value: '/opt/plugins', source: { kind: 'flag', flag: '--plugin-dir' } });
    expect(by.defaultDomain).toEqual({ path: 'defaultDomain', value: 'example.org', source: { kind: 'env', variable: 'MAILWARDEN_DEFAULT_DOMAIN' } });
    expect(by['log.level']).toMatchObject({ value: 'info', source: { kind: 'default' } });
  });

  test('the file found through MAILWARDEN_CONFIG says so; MAILWARDEN_DATA_DIR wins over the file', () => {
    const dir = tempDir('mw-conf-');
    const file = writeConfig(dir, { dataDir: 'state' });
    const eff = effectiveConfig({ env: { MAILWARDEN_CONFIG: file, MAILWARDEN_DATA_DIR: '/srv/mw' } });
    expect(eff.fileSource).toEqual({ kind: 'env', variable: 'MAILWARDEN_CONFIG' });
    expect(eff.settings.find((s) => s.path === 'dataDir')).toEqual({ path: 'dataDir', value: '/srv/mw', source: { kind: 'env', variable: 'MAILWARDEN_DATA_DIR' } });
  });

  test('no secret comes out: admin token, Dovecot header, credentials in the Redis and webhook URLs, secret-looking plugin keys', () => {
    const dir = tempDir('mw-conf-');
    const secrets = ['0123456789abcdef-token', 'c2VjcmV0LWhlYWRlcg', 'hunter2-redis', 'hook-key-42', 'plugin-pass-7'];
    const file = writeConfig(dir, {
      admin: { token: secrets[0] },
      dovecot: { apiHeader: `Authorization: Basic ${secrets[1]}` },
      state: { backend: 'redis', url: `redis://:${secrets[2]}@10.0.0.5:6379/0` },
      notify: { webhookUrl: `https://hooks.example.net/alert?key=${secrets[3]}` },
      plugins: { 'x-plugin': { smtpPassword: secrets[4], tableFile: '/etc/postfix/t.cidr' } },
    });
    const eff = effectiveConfig({ configFile: file, env: {} });
    const text = JSON.stringify(eff);
    for (const s of secrets) expect(text).not.toContain(s);
    const by = Object.fromEntries(eff.settings.map((s) => [s.path, s.value]));
    expect(by['admin.token']).toBe(REDACTED);
    expect(by['dovecot.apiHeader']).toBe(REDACTED);
    expect(by['state.url']).toMatch(/^redis:\/\/.*10\.0\.0\.5:6379\/0$/);
    expect(by['notify.webhookUrl']).toMatch(/^https:\/\/hooks\.example\.net\/alert\?/);
    expect(by['plugins.x-plugin.smtpPassword']).toBe(REDACTED);
    expect(by['plugins.x-plugin.tableFile']).toBe('/etc/postfix/t.cidr');
  });

  test('a syntax error never quotes the file: a token typed without quotes stays out of the message', () => {
    const file = writeConfig(tempDir('mw-conf-'), '{ "admin": { "token": s3cret-admin-token-value } }');
    let message = '';
    try {
      effectiveConfig({ configFile: file, env: {} });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(new RegExp(`^${file}: / is not valid JSON`));
    expect(message).not.toContain('s3cret');
  });

  test('an invalid file is refused with its path and rule, as every command does', () => {
    const file = writeConfig(tempDir('mw-conf-'), { hookTimeoutMs: 0 });
    expect(() => effectiveConfig({ configFile: file, env: {} })).toThrow(`${file}: /hookTimeoutMs must be >= 1 (minimum)`);
  });
});

describe('config test checks beyond the schema', () => {
  test('listen addresses, the sum of the caps, the Dovecot header form and alert addresses, each with its JSON path', () => {
    const file = writeConfig(tempDir('mw-conf-'), {
      listen: { admin: '127.0.0.1:99999' },
      limits: { admin: { maxConnections: 800 } },
      dovecot: { apiHeader: 'X-Policy-Key:' },
      notify: { mail: { to: ['ops@example.org', 'not an address'] } },
    });
    const config = loadHostConfig({ configFile: file, env: {} });
    let err: ValidationError | undefined;
    try {
      checkConfigSemantics(config);
    } catch (e) {
      err = e as ValidationError;
    }
    expect(err?.where).toBe(file);
    expect(err?.problems.map((p) => `${p.path} ${p.rule}`)).toEqual(['/limits maxConnections', '/listen/admin address', '/dovecot/apiHeader header', '/notify/mail/to/1 address']);
  });

  test("host-level sections against the installed plugins' manifests; a section for no plugin is a warning", () => {
    const pluginDir = tempDir('mw-plugins-');
    const configSchema = { type: 'object', additionalProperties: false, properties: { cmd: { type: 'array', items: { type: 'string' }, default: ['true'], hostLevel: true }, limit: { type: 'integer', default: 3 } } };
    buildFixturePlugin(pluginDir, hooksPlugin('x-plugin', 'beforeAuth() { return undefined; },', { configSchema }));
    const r = checkPluginSections({ pluginDir, plugins: { 'x-plugin': { cmd: 'not-an-array', limit: 4 }, 'typo-plugin': {} } });
    expect(r.problems.map((p) => `${p.path} ${p.rule}`).sort()).toEqual(['/plugins/x-plugin/cmd type', '/plugins/x-plugin/limit hostLevel']);
    expect(r.warnings).toEqual([expect.stringContaining('plugins.typo-plugin names no plugin')]);
    expect(checkPluginSections({ pluginDir, plugins: { 'x-plugin': { cmd: ['/bin/true'] } } })).toEqual({ problems: [], warnings: [] });
  });
});

test('changedSettings names the leaves that differ', () => {
  expect(changedSettings({ a: { b: 1, c: [1] }, d: 2, source: 'x' }, { a: { b: 1, c: [2] }, d: 3, e: 1, source: 'y' })).toEqual(['a.c', 'd', 'e']);
});

describe('App.reload reads the config file again', () => {
  async function open(doc: Record<string, unknown>) {
    const dir = tempDir('mw-conf-');
    const file = writeConfig(dir, { dataDir: 'data', pluginDir: 'plugins', state: { backend: 'memory' }, ...doc });
    fs.mkdirSync(path.join(dir, 'plugins'));
    const config = loadHostConfig({ configFile: file, env: {} });
    const logs = new LogCapture();
    const app = await App.open({ config, clock: new ManualClock(), store: new MemoryStore(), logger: createLogger(config.log.level, logs) });
    await app.loadPlugins();
    return { app, file, logs, pluginDir: path.join(dir, 'plugins'), write: (d: Record<string, unknown>) => writeConfig(dir, { dataDir: 'data', pluginDir: 'plugins', state: { backend: 'memory' }, ...d }) };
  }

  test('live settings apply; listen, dataDir and state need a restart and keep their running values', async () => {
    const { app, logs, write, file } = await open({ log: { level: 'info' }, hookTimeoutMs: 250, notify: { dedupeMinutes: 15 }, postfix: { postqueuePath: '/usr/sbin/postqueue' } });
    try {
      const postfix = app.config.postfix;
      write({ log: { level: 'debug' }, hookTimeoutMs: 900, notify: { dedupeMinutes: 1, mail: { to: ['admin@example.org'] } }, postfix: { postqueuePath: '/opt/pf/postqueue' }, listen: { admin: '127.0.0.1:9999' }, dataDir: 'elsewhere' });
      const r = await app.reload();
      expect(r).toMatchObject({ applied: true });
      expect(r.changed).toEqual(expect.arrayContaining(['hookTimeoutMs', 'log.level', 'notify.dedupeMinutes', 'notify.mail', 'postfix.postqueuePath']));
      expect(r.needsRestart).toEqual(['dataDir', 'listen.admin']);
      expect(app.logger.level).toBe('debug');
      expect(app.config.hookTimeoutMs).toBe(900);
      expect(app.config.notify.mail?.to).toEqual(['admin@example.org']);
      expect(app.mail).toBeDefined();
      // The queue tools hold the section object: it is the same object, with the new contents.
      expect(app.config.postfix).toBe(postfix);
      expect(postfix.postqueuePath).toBe('/opt/pf/postqueue');
      expect(app.config.listen.admin).toBe('127.0.0.1:8440');
      expect(app.config.dataDir).toBe(path.join(path.dirname(file), 'data'));
      const warn = logs.lines.find((l) => typeof l.msg === 'string' && (l.msg as string).includes('needs a restart'));
      expect(warn).toMatchObject({ level: 40, file, settings: ['dataDir', 'listen.admin'] });
    } finally {
      await app.close();
    }
  });

  test('an invalid file changes nothing and the log names the file, the path and the rule', async () => {
    const { app, logs, write, file } = await open({ hookTimeoutMs: 250 });
    try {
      write({ hookTimeoutMs: 0, log: { level: 'debug' } });
      const r = await app.reload();
      expect(r.applied).toBe(false);
      expect(app.config.hookTimeoutMs).toBe(250);
      expect(app.logger.level).toBe('info');
      const err = logs.lines.find((l) => l.msg === 'reload refused: the config file is not valid; the running configuration is unchanged');
      expect(err).toMatchObject({ level: 50, file, problems: [{ path: '/hookTimeoutMs', rule: 'minimum' }] });
      // A bad notify address is refused the same way (it is checked when the mail transport is built).
      write({ notify: { mail: { to: ['not an address'] } } });
      expect((await app.reload()).applied).toBe(false);
      expect(app.mail).toBeUndefined();
    } finally {
      await app.close();
    }
  });

  test('a plugin that fails to load refuses the reload as a whole: the valid file does not apply either', async () => {
    const { app, logs, write, pluginDir } = await open({ hookTimeoutMs: 250 });
    try {
      buildFixturePlugin(pluginDir, { manifest: manifestFor('broken-new'), source: `throw new Error('bad build');` });
      write({ hookTimeoutMs: 900, log: { level: 'debug' } });
      const r = await app.reload();
      expect(r.applied).toBe(false);
      expect(r.reason).toMatch(/broken-new: .*bad build/);
      expect(app.config.hookTimeoutMs).toBe(250);
      expect(app.logger.level).toBe('info');
      expect(logs.lines.some((l) => l.msg === 'config and plugins reloaded')).toBe(false);
    } finally {
      await app.close();
    }
  });

  test('a new hookTimeoutMs reaches the hooks: a slow hook abandoned at 50 ms answers once the timeout is 2 s', async () => {
    const { app, write, pluginDir } = await open({ hookTimeoutMs: 50 });
    try {
      buildFixturePlugin(pluginDir, hooksPlugin('slow-x', `async beforeAuth() { await new Promise((r) => setTimeout(r, 300)); return { action: 'delay', delaySeconds: 7, reason: 'slow', plugin: 'slow-x' }; },`));
      expect((await app.reload()).applied).toBe(true);
      const attempt = () => app.pipeline.attempt({ login: 'alice@localhost', remoteIp: '192.0.2.7', protocol: 'imap' });
      // Abandoned: fail-open, the login is allowed without the plugin's verdict.
      expect((await app.pipeline.beforeAuth(attempt())).action).toBe('allow');
      write({ hookTimeoutMs: 2000 });
      expect((await app.reload()).changed).toEqual(['hookTimeoutMs']);
      expect(await app.pipeline.beforeAuth(attempt())).toMatchObject({ action: 'delay', delaySeconds: 7 });
    } finally {
      await app.close();
    }
  });

  test('a new notify.dedupeMinutes applies: with 0 the same alert is sent again at once', async () => {
    const { app, write } = await open({ notify: { dedupeMinutes: 15 } });
    try {
      const sent: string[] = [];
      app.notifier.addTransport({ name: 'recorder', send: async (n) => void sent.push(n.subject) });
      const alert = () => app.notifier.notify({ subject: 'queue high', text: 'x', severity: 'warning', dedupeKey: 'queue' });
      await alert();
      await alert();
      expect(sent).toEqual(['queue high']);
      write({ notify: { dedupeMinutes: 0 } });
      expect((await app.reload()).changed).toEqual(['notify.dedupeMinutes']);
      await alert();
      expect(sent).toEqual(['queue high', 'queue high']);
    } finally {
      await app.close();
    }
  });
});
