import * as fs from 'node:fs';
import * as path from 'node:path';
import { type AdminHarness, startAdmin } from '../../helpers/admin-client';
import { pluginDirWith } from '../../helpers/built-plugins';
import { tempDir } from '../../helpers/plugin-fixture';

/*
 * Issue 14 (high): the admin API could set trusted-ips' reloadCommand and
 * tableFile (a shell as the service user, a file written anywhere) and its
 * breadth guard bounds (0.0.0.0/0 without --force). Those settings are
 * host-level now: only the root-owned config file sets them.
 */

const ENTRIES = '/api/plugins/trusted-ips/entries';
const CONFIG = '/api/domains/*/plugins/trusted-ips/config';

let h: AdminHarness;
let dir: string;
let tableFile: string;
let marker: string;
/** A command that leaves a file behind if it ever runs. */
let evil: string[];

beforeAll(async () => {
  dir = tempDir('mw-hostlevel-');
  tableFile = path.join(dir, 'trusted.cidr');
  marker = path.join(dir, 'pwned');
  evil = [process.execPath, '-e', 'require("fs").writeFileSync(process.argv[1], "pwned")', marker];
  h = await startAdmin({
    pluginDir: pluginDirWith(['trusted-ips']),
    config: { plugins: { 'trusted-ips': { tableFile, reloadCommand: ['true'] } } } as never,
  });
  await h.app.settings.addDomain('example.org', 'test');
});
afterAll(() => h.close());

test('the config file section is what the plugin uses: the table goes to its tableFile', async () => {
  const r = await h.call('POST', ENTRIES, { body: { network: '192.0.2.0/24', label: 'office' } });
  expect(r.status).toBe(200);
  expect(r.body.applied).toBe(true);
  expect(fs.readFileSync(tableFile, 'utf8')).toMatch(/^192\.0\.2\.0\/24\s+permit$/m);
  const view = await h.call('GET', CONFIG);
  expect(view.body.config).toMatchObject({ tableFile, reloadCommand: ['true'], minPrefixV4: 16 });
  expect(view.body.hostSettings).toMatchObject({ tableFile, reloadCommand: ['true'] });
  // The form the console draws from configSchema has no field for them.
  expect(Object.keys(view.body.configSchema.properties)).not.toEqual(expect.arrayContaining(['reloadCommand']));
});

test.each([
  ['PATCH', '*'],
  ['PUT', '*'],
  ['PATCH', 'example.org'],
])('%s of reloadCommand and tableFile (%s) is refused with 400 naming both keys; adding an entry runs nothing', async (method, scope) => {
  const r = await h.call(method, `/api/domains/${scope}/plugins/trusted-ips/config`, { body: { reloadCommand: evil, tableFile: path.join(dir, 'elsewhere'), cacheSeconds: 1 } });
  expect(r.status).toBe(400);
  expect(r.body.problems).toEqual(expect.arrayContaining([
    expect.objectContaining({ path: '/reloadCommand', rule: 'hostLevel' }),
    expect.objectContaining({ path: '/tableFile', rule: 'hostLevel' }),
  ]));
  expect(r.body.error).toMatch(/reloadCommand/);
  // Nothing was saved, not even the valid cacheSeconds of the same request.
  expect((await h.call('GET', `/api/domains/${scope}/plugins/trusted-ips/config`)).body.overrides).toEqual({});
  const add = await h.call('POST', ENTRIES, { body: { network: `198.51.100.${method === 'PUT' ? 1 : scope === '*' ? 2 : 3}` } });
  expect(add.status).toBe(200);
  expect(fs.existsSync(marker)).toBe(false);
  expect(fs.existsSync(path.join(dir, 'elsewhere'))).toBe(false);
});

test('the breadth guard bounds cannot be lowered through the API: 0.0.0.0/0 still needs force and a reason', async () => {
  for (const body of [{ minPrefixV4: 0 }, { minPrefixV6: 0 }, { applyOnChange: false }]) {
    const r = await h.call('PATCH', CONFIG, { body });
    expect(r.status).toBe(400);
    expect(r.body.problems).toEqual([expect.objectContaining({ path: `/${Object.keys(body)[0]}`, rule: 'hostLevel' })]);
  }
  const all = await h.call('POST', ENTRIES, { body: { network: '0.0.0.0/0' } });
  expect(all.status).toBe(422);
  expect(all.body.error).toMatch(/every IPv4 address/);
});

test('a per-domain value stored before this version (or written around the API) is ignored, never used', async () => {
  // As an older mailwarden would have stored it.
  await h.app.store.set('h:settings:*:trusted-ips', { config: { reloadCommand: evil, tableFile: path.join(dir, 'stale'), minPrefixV4: 0, cacheSeconds: 3 } });
  h.app.settings.invalidate();
  const view = await h.call('GET', CONFIG);
  expect(view.body.config).toMatchObject({ reloadCommand: ['true'], tableFile, minPrefixV4: 16, cacheSeconds: 3 });
  expect(view.body.ignored).toEqual(['minPrefixV4', 'reloadCommand', 'tableFile']);
  const add = await h.call('POST', ENTRIES, { body: { network: '203.0.113.0/24' } });
  expect(add.status).toBe(200);
  expect(fs.existsSync(marker)).toBe(false);
  expect(fs.existsSync(path.join(dir, 'stale'))).toBe(false);
  expect((await h.call('POST', ENTRIES, { body: { network: '0.0.0.0/0' } })).status).toBe(422);
  // The next write through the API drops the stale values; the domain-level one stays.
  expect((await h.call('PATCH', CONFIG, { body: { cacheSeconds: 4 } })).status).toBe(200);
  const after = await h.call('GET', CONFIG);
  expect(after.body.overrides).toEqual({ cacheSeconds: 4 });
  expect(after.body.ignored).toBeUndefined();
});
