import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../../helpers/plugin-fixture';
import { realPluginDir } from '../../helpers/real-plugin';
import { runCli } from '../../helpers/run-cli';
import { jsonLines } from '../../helpers/json-lines';

/*
 * Issue 14 (high), the CLI side: `mailwarden config set` must not set what
 * names a program, a file or a guard-rail bound; only the config file does.
 */

jest.setTimeout(60_000);

function instance() {
  const dir = tempDir('mw-hostlevel-cli-');
  const pluginDir = realPluginDir('trusted-ips');
  const dataDir = path.join(dir, 'data');
  const flags = ['--data-dir', dataDir, '--plugin-dir', pluginDir];
  const cli = (...args: string[]) => runCli([...args, ...flags]);
  return { dir, cli, flags };
}

test.each([
  ['reloadCommand=["/bin/sh","-c","id > /tmp/pwned"]', 'reloadCommand'],
  ['tableFile=/tmp/x', 'tableFile'],
  ['applyOnChange=false', 'applyOnChange'],
  ['minPrefixV4=0', 'minPrefixV4'],
  ['minPrefixV6=0', 'minPrefixV6'],
])('config set trusted-ips %s: exit 2 naming the key, nothing saved', async (assignment, key) => {
  const { cli } = instance();
  for (const scope of [[], ['--domain', 'localhost']]) {
    const r = await cli('config', 'set', 'trusted-ips', ...scope, 'cacheSeconds=5', assignment);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(key);
    expect(r.stderr).toMatch(/host-level/);
    const got = JSON.parse((await cli('config', 'get', 'trusted-ips', ...scope, '--json')).stdout);
    expect(got.overrides).toEqual({});
  }
});

test('after a refused minPrefixV4=0, 0.0.0.0/0 still needs --force and --reason (exit 3)', async () => {
  const { cli } = instance();
  expect((await cli('config', 'set', 'trusted-ips', 'minPrefixV4=0')).code).toBe(2);
  const r = await cli('trusted-ips', 'add', '0.0.0.0/0');
  expect(r.code).toBe(3);
  expect(r.stderr).toMatch(/every IPv4 address/);
});

test('the config file sets host-level values: used by the plugin, shown by config get; bad ones stop the plugin with the path named', async () => {
  const { dir, cli } = instance();
  const tableFile = path.join(dir, 'trusted.cidr');
  const conf = path.join(dir, 'mailwarden.json');
  fs.writeFileSync(conf, JSON.stringify({ plugins: { 'trusted-ips': { tableFile, reloadCommand: [], minPrefixV4: 24 } } }));
  const get = await cli('config', 'get', 'trusted-ips', '--json', '--config', conf);
  expect(get.code).toBe(0);
  expect(JSON.parse(get.stdout).config).toMatchObject({ tableFile, reloadCommand: [], minPrefixV4: 24, applyOnChange: true });
  // The file's bound applies: a /20 is now wider than allowed.
  expect((await cli('trusted-ips', 'add', '10.1.0.0/20', '--config', conf)).code).toBe(3);
  const add = await cli('trusted-ips', 'add', '10.1.2.0/24', '--config', conf);
  expect(add.code).toBe(0);
  expect(fs.readFileSync(tableFile, 'utf8')).toMatch(/^10\.1\.2\.0\/24\s+permit$/m);

  // Switched off for every domain, the plugin still writes the file's table, never the default path.
  expect((await cli('plugins', 'disable', 'trusted-ips', '--config', conf)).code).toBe(0);
  expect((await cli('trusted-ips', 'add', '10.1.3.0/24', '--config', conf)).code).toBe(0);
  expect(fs.readFileSync(tableFile, 'utf8')).toMatch(/^10\.1\.3\.0\/24\s+permit$/m);
  expect((await cli('trusted-ips', 'add', '10.2.0.0/20', '--config', conf)).code).toBe(3);

  // A wrong type, or a setting that is not host-level, in the file: the plugin is not loaded, and the reason names the file and key.
  fs.writeFileSync(conf, JSON.stringify({ plugins: { 'trusted-ips': { reloadCommand: 'postfix reload', cacheSeconds: 1 } } }));
  const list = jsonLines((await cli('plugins', 'list', '--json', '--config', conf)).stdout);
  const failed = list.filter((p) => p.status === 'failed').find((f: { id: string }) => f.id === 'trusted-ips');
  expect(failed.reason).toContain(conf);
  expect(failed.reason).toMatch(/\/plugins\/trusted-ips\/reloadCommand must be array/);
  expect(failed.reason).toMatch(/\/plugins\/trusted-ips\/cacheSeconds is not a host-level setting/);
});
