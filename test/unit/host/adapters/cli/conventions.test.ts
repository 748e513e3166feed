import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMMANDS } from '../../../../../host/adapters/cli/commands';
import { pluginDirWith } from '../../../../helpers/built-plugins';
import { jsonLines } from '../../../../helpers/json-lines';
import { buildFixturePlugin, manifestFor, tempDir } from '../../../../helpers/plugin-fixture';
import { runCli } from '../../../../helpers/run-cli';

let dir: string;
let config: string;
beforeEach(() => {
  dir = tempDir('mw-cli-conv-');
  config = path.join(dir, 'mailwarden.json');
  fs.writeFileSync(config, JSON.stringify({ dataDir: path.join(dir, 'data'), pluginDir: path.join(dir, 'plugins'), defaultDomain: 'example.com', postfix: { postconfPath: path.join(dir, 'no-such-postconf') } }));
});

describe('global options before the command, as doveadm -c', () => {
  test('--config FILE domains list equals domains list --config FILE', async () => {
    const before = await runCli(['--config', config, 'domains', 'list']);
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/^DOMAIN +DEFAULT/);
    expect(before.stdout).toContain('example.com');
    expect((await runCli(['domains', 'list', '--config', config])).stdout).toBe(before.stdout);
    expect(jsonLines((await runCli([`--config=${config}`, '--json', 'domains', 'list'])).stdout)).toEqual([expect.objectContaining({ name: 'example.com', default: true })]);
  });

  test.each([
    [['--config'], 'option --config needs a value'],
    [['--config', '--json', 'domains', 'list'], 'option --config needs a value'],
    [['--frobnicate', 'domains', 'list'], 'unknown global option "--frobnicate" before the command'],
  ])('%j: exit 2, one clear line', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`mailwarden: ${message}${r.stderr.slice(`mailwarden: ${message}`.length)}`);
    expect(r.stderr.split('\n')).toHaveLength(2);
  });
});

describe('help', () => {
  test('mailwarden help CMD prints that command\'s usage, as CMD --help does', async () => {
    const h = await runCli(['help', 'blocks']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('mailwarden blocks add (--ip IP[/PREFIX] | --login L)');
    expect((await runCli(['blocks', '--help'])).stdout).toBe(h.stdout);
  });

  test('a plugin\'s command answers help too', async () => {
    const pluginDir = pluginDirWith(['trusted-ips']);
    const h = await runCli(['--plugin-dir', pluginDir, '--data-dir', path.join(dir, 'data'), 'help', 'trusted-ips']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('mailwarden trusted-ips add NETWORK');
    // Global options after the name, as for every command.
    expect(await runCli(['help', 'trusted-ips', '--plugin-dir', pluginDir, '--data-dir', path.join(dir, 'data')])).toMatchObject({ code: 0, stdout: h.stdout });
  });

  test('an unknown command is a usage error', async () => {
    const r = await runCli(['--config', config, 'help', 'frobnicate']);
    expect(r).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "frobnicate"') });
  });

  test('the --help list and each command agree on the one-line summary', async () => {
    for (const c of COMMANDS) expect([c.name, (await c.load()).summary]).toEqual([c.name, c.summary]);
    const top = await runCli(['--help']);
    expect(top.stdout).toContain('Usage: mailwarden [GLOBAL OPTIONS] COMMAND [options]');
    expect(top.stdout).toContain('90s, 45m, 1h30m, 2d');
  });
});

describe('--json: listings one object per line, changes print their result', () => {
  test('domains add/list/remove', async () => {
    const added = await runCli(['--config', config, '--json', 'domains', 'add', 'other.org']);
    expect(JSON.parse(added.stdout)).toMatchObject({ name: 'other.org' });
    const listed = await runCli(['--config', config, '--json', 'domains', 'list']);
    expect(listed.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(jsonLines(listed.stdout).map((d) => d.name).sort()).toEqual(['example.com', 'other.org']);
    expect(JSON.parse((await runCli(['--config', config, '--json', 'domains', 'remove', 'other.org'])).stdout)).toEqual({ removed: 'other.org' });
  });

  test('account lock --for uses the duration grammar; unlock --json prints the result', async () => {
    const lock = await runCli(['--config', config, '--json', 'account', 'lock', 'alice', '--for', '1h30m']);
    const l = JSON.parse(lock.stdout);
    expect(l.until - l.at).toBe(5_400_000);
    const bad = await runCli(['--config', config, 'account', 'lock', 'bob', '--for', '90']);
    expect(bad).toMatchObject({ code: 2, stderr: 'mailwarden: account lock: --for "90" is not a duration: a number needs a unit (s, m, h, d, w) (e.g. 90s, 45m, 1h30m, 2d)\n' });
    expect(jsonLines((await runCli(['--config', config, '--json', 'account', 'list'])).stdout).map((x) => x.login)).toEqual(['alice@example.com']);
    expect(JSON.parse((await runCli(['--config', config, '--json', 'account', 'unlock', 'alice'])).stdout)).toEqual({ unlocked: 'alice@example.com' });
  });
});

describe('doctor without Postfix', () => {
  test('says Postfix is not installed here, not spawnSync ENOENT', async () => {
    const r = await runCli(['--config', config, 'doctor', '--no-dovecot']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Postfix is not installed here');
    expect(r.stderr).not.toContain('ENOENT');
  });
});

describe('quick commands load only what they use', () => {
  const dist = process.env.MAILWARDEN_DIST ? path.resolve(process.env.MAILWARDEN_DIST) : path.join(__dirname, '../../../../../dist');
  const main = path.join(dist, 'app/host/adapters/cli/main.js');
  /** The npm packages a command loaded, run as its own process from dist (its stderr kept from the test run's output: some fail here, by design). */
  const loaded = (args: string[]): string[] => {
    const script = `require(${JSON.stringify(main)}).main(${JSON.stringify(args)}, { stdout: { write() {} }, stderr: process.stderr, stdin: process.stdin, env: process.env }).then(() => process.stdout.write(JSON.stringify(Object.keys(require.cache))))`;
    const keys = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, MAILWARDEN_CONFIG: config }, stdio: ['ignore', 'pipe', 'pipe'] })) as string[];
    // The precompiled config validator needs ajv's small runtime helpers, not ajv.
    return [...new Set(keys.filter((k) => k.includes('/node_modules/') && !k.includes('/ajv/dist/runtime/')).map((k) => k.split('/node_modules/').pop()!.split('/')[0]))].sort();
  };
  const heavy = ['ajv', 'ajv-formats', 'inversify', 'pino', 'prom-client', 'ioredis', '@zxcvbn-ts'];

  test('--version, listings, queue and account actions, doctor without Postfix load no validator compiler, container, metrics or logger library', () => {
    if (!fs.existsSync(main)) throw new Error('dist is not built: run node build.mjs (npm test does)');
    // A kick command that closes nothing; queue list may fail here (no running Postfix): what it loaded is what counts.
    const kickCommand = [process.execPath, '-e', '0', '{login}'];
    fs.writeFileSync(config, JSON.stringify({ ...JSON.parse(fs.readFileSync(config, 'utf8')), accounts: { kickCommand } }));
    for (const args of [['--version'], ['domains', 'list'], ['blocks', 'list'], ['account', 'list'], ['help', 'queue'], ['queue', 'list'], ['queue', 'hold', '--sender', 'a@example.com', '--dry-run'], ['account', 'logout', 'bob'], ['doctor', '--no-dovecot']]) {
      expect([args.join(' '), loaded(args).filter((m) => heavy.some((h) => m.startsWith(h)))]).toEqual([args.join(' '), []]);
    }
  });

  test('a plugin command\'s help comes from its manifest: no store, no plugin code, no container', () => {
    if (!fs.existsSync(main)) throw new Error('dist is not built: run node build.mjs (npm test does)');
    const pluginDir = pluginDirWith(['trusted-ips']);
    fs.writeFileSync(config, JSON.stringify({ ...JSON.parse(fs.readFileSync(config, 'utf8')), pluginDir }));
    try {
      for (const args of [['help', 'trusted-ips'], ['trusted-ips', 'list', '--help']]) {
        expect([args.join(' '), loaded(args).filter((m) => [...heavy, 'better-sqlite3', 'reflect-metadata'].some((h) => m.startsWith(h)))]).toEqual([args.join(' '), []]);
      }
    } finally {
      fs.rmSync(pluginDir, { recursive: true, force: true });
    }
  });

  test('commands that load plugins load no logger or metrics library', () => {
    if (!fs.existsSync(main)) throw new Error('dist is not built: run node build.mjs (npm test does)');
    const ids = fs.readdirSync(path.join(__dirname, '../../../../../plugins'));
    const pluginDir = pluginDirWith(ids);
    fs.writeFileSync(config, JSON.stringify({ ...JSON.parse(fs.readFileSync(config, 'utf8')), pluginDir }));
    try {
      for (const args of [['plugins', 'list'], ['config', 'get', 'trusted-ips'], ['trusted-ips', 'list'], ['reputation', 'status'], ['doctor', '--no-dovecot']]) {
        expect([args.join(' '), loaded(args).filter((m) => ['pino', 'prom-client', '@opentelemetry'].some((h) => m.startsWith(h)))]).toEqual([args.join(' '), []]);
      }
    } finally {
      fs.rmSync(pluginDir, { recursive: true, force: true });
    }
  });

  test('commands that load the shipped plugins compile no schema: their validators are precompiled', () => {
    if (!fs.existsSync(main)) throw new Error('dist is not built: run node build.mjs (npm test does)');
    const ids = fs.readdirSync(path.join(__dirname, '../../../../../plugins'));
    const pluginDir = pluginDirWith(ids);
    fs.writeFileSync(config, JSON.stringify({ ...JSON.parse(fs.readFileSync(config, 'utf8')), pluginDir }));
    try {
      for (const args of [['plugins', 'list'], ['config', 'get', 'trusted-ips'], ['config', 'test']]) {
        expect([args.join(' '), loaded(args).filter((m) => m.startsWith('ajv'))]).toEqual([args.join(' '), []]);
      }
    } finally {
      fs.rmSync(pluginDir, { recursive: true, force: true });
    }
  });

  test('precompiled plugin config and host-section validators judge as compiled ones do (defaults, errors)', () => {
    if (!fs.existsSync(main)) throw new Error('dist is not built: run node build.mjs (npm test does)');
    const app = path.join(dist, 'app/host');
    const plugins = path.join(__dirname, '../../../../../plugins');
    const script = `
      const fs = require('fs'), path = require('path');
      const { checkManifest } = require(${JSON.stringify(path.join(app, 'core/plugins/manifest.js'))});
      const { configAjv, hostSectionSchema } = require(${JSON.stringify(path.join(app, 'core/plugins/host-level.js'))});
      const files = fs.readdirSync(${JSON.stringify(plugins)}).map((id) => path.join(${JSON.stringify(plugins)}, id, 'manifest.json'));
      const checked = files.map((f) => checkManifest(JSON.parse(fs.readFileSync(f, 'utf8')), f));
      const compiledAny = Object.keys(require.cache).some((k) => k.endsWith('/ajv/dist/ajv.js'));
      const judge = (v, doc) => { const d = structuredClone(doc); const ok = v(d); return { ok, d, errors: (v.errors || []).map((e) => [e.instancePath, e.keyword, e.params]) }; };
      const diffs = [];
      for (const c of checked) {
        const fresh = configAjv().compile(c.manifest.configSchema);
        const freshHost = configAjv().compile(hostSectionSchema(c.manifest.configSchema, c.hostKeys));
        const docs = [{}, ...Object.keys(c.manifest.configSchema.properties || {}).flatMap((k) => [{ [k]: null }, { [k]: 'x' }, { [k]: -1 }, { [k]: [{}] }]), { unknownSetting: 1 }];
        for (const doc of docs) {
          for (const [which, pre, comp] of [['config', c.validateConfig, fresh], ['host section', c.validateHostConfig, freshHost]]) {
            const a = JSON.stringify(judge(pre, doc)), b = JSON.stringify(judge(comp, doc));
            if (a !== b) diffs.push({ id: c.manifest.id, which, doc, precompiled: a, compiled: b });
          }
        }
      }
      process.stdout.write(JSON.stringify({ plugins: checked.length, compiledAny, diffs }));`;
    const r = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
    expect(r).toEqual({ plugins: expect.any(Number), compiledAny: false, diffs: [] });
    expect(r.plugins).toBeGreaterThan(0);
  });
});

describe('a command about one plugin runs only that plugin\'s code', () => {
  let pluginDir: string;
  let marker: string;
  beforeEach(() => {
    pluginDir = pluginDirWith(['trusted-ips']);
    marker = path.join(dir, 'tripwire-ran');
    // A plugin whose code, if it runs at all, leaves a file behind.
    buildFixturePlugin(pluginDir, { manifest: manifestFor('tripwire'), source: `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran'); export default undefined;` });
  });
  afterEach(() => fs.rmSync(pluginDir, { recursive: true, force: true }));
  const cli = (...args: string[]) => runCli(['--plugin-dir', pluginDir, '--data-dir', path.join(dir, 'data'), ...args]);

  test('config get/set, plugins enable, the plugin\'s own command and its help leave the others unloaded', async () => {
    for (const args of [['config', 'get', 'trusted-ips'], ['config', 'set', 'trusted-ips', 'cacheSeconds=5'], ['plugins', 'disable', 'trusted-ips'], ['trusted-ips', 'list'], ['help', 'trusted-ips'], ['trusted-ips', '--help']]) {
      const r = await cli(...args);
      expect([args.join(' '), r.code, fs.existsSync(marker)]).toEqual([args.join(' '), 0, false]);
    }
    expect((await cli('config', 'get', 'trusted-ips')).stdout).toContain('cacheSeconds = 5');
  });

  test('plugins list still runs every plugin and reports the ones that fail', async () => {
    const list = jsonLines((await cli('plugins', 'list', '--json')).stdout);
    expect(fs.existsSync(marker)).toBe(true);
    expect(list).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'tripwire', status: 'failed', stage: 'import' }), expect.objectContaining({ id: 'trusted-ips', status: 'loaded' })]));
  });

  test('an unknown plugin id still names the plugins there are', async () => {
    const r = await cli('config', 'get', 'nosuch');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no plugin "nosuch" in .* \(loaded: trusted-ips\)/);
  });

  test('mailwarden help lists the plugins\' commands from their manifests, running no plugin code', async () => {
    const h = await cli('help');
    expect(h.code).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(pluginDir, 'trusted-ips', 'manifest.json'), 'utf8'));
    expect(h.stdout).toContain(`Plugin commands:\n  trusted-ips  ${manifest.contributes.commands[0].summary} (trusted-ips)\n`);
    expect(fs.existsSync(marker)).toBe(false);
    // Global options after --help count too.
    expect((await runCli(['--help', '--plugin-dir', pluginDir, '--data-dir', path.join(dir, 'data')])).stdout).toContain('Plugin commands:\n  trusted-ips');
    // Without plugins there is no such list.
    expect((await runCli(['--plugin-dir', path.join(dir, 'no-plugins'), 'help'])).stdout).not.toContain('Plugin commands:');
    expect((await runCli(['--help', '--plugin-dir', path.join(dir, 'no-plugins')])).stdout).not.toContain('Plugin commands:');
  });

  test('help for a plugin command prints the usage its manifest declares', async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(pluginDir, 'trusted-ips', 'manifest.json'), 'utf8'));
    const usage = manifest.contributes.commands.find((c: { name: string }) => c.name === 'trusted-ips').usage;
    expect((await cli('help', 'trusted-ips')).stdout).toBe(usage + '\n');
    expect((await cli('trusted-ips', 'add', '--help')).stdout).toBe(usage + '\n');
  });
});
