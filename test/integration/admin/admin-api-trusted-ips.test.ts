import * as fs from 'node:fs';
import * as path from 'node:path';
import { type AdminHarness, startAdmin } from '../../helpers/admin-client';
import { pluginDirWith } from '../../helpers/built-plugins';
import { tempDir } from '../../helpers/plugin-fixture';

let h: AdminHarness;
let tableFile: string;
const base = '/api/plugins/trusted-ips';

beforeAll(async () => {
  tableFile = path.join(tempDir('mw-cidr-'), 'trusted.cidr');
  // Host-level settings: the config file's section, never the per-domain config.
  h = await startAdmin({ pluginDir: pluginDirWith(['trusted-ips']), config: { plugins: { 'trusted-ips': { tableFile, reloadCommand: ['true'] } } } });
  await h.app.settings.addDomain('example.org', 'test');
});
afterAll(() => h.close());

test('add with label, scope, expiry and cap; it is applied to the cidr table and audited', async () => {
  const r = await h.call('POST', `${base}/entries`, { body: { network: '192.0.2.0/24', label: 'office <b>relay</b>', expires: '7d', senderDomains: ['example.org'], maxPerHour: 500 } });
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ applied: true, entry: { network: '192.0.2.0/24', scope: '*', label: 'office <b>relay</b>', addedBy: 'api:token', allowedSenderDomains: ['example.org'], maxMessagesPerHour: 500 } });
  expect(fs.readFileSync(tableFile, 'utf8')).toContain('192.0.2.0/24');
  const scoped = await h.call('POST', `${base}/entries`, { body: { network: '198.51.100.7', domain: 'example.org', label: 'scanner' } });
  expect(scoped.body.entry).toMatchObject({ network: '198.51.100.7/32', scope: 'example.org' });
  const list = await h.call('GET', `${base}/entries?domain=example.org`);
  expect(list.body.map((e: { network: string }) => e.network)).toEqual(['192.0.2.0/24', '198.51.100.7/32']);
  const audit = await h.call('GET', `${base}/audit`);
  expect(audit.body.map((a: { action: string; actor: string }) => [a.action, a.actor])).toEqual([['trusted-ips.add', 'api:token'], ['trusted-ips.add', 'api:token']]);
});

test('the breadth guard refuses a wide network (422) unless forced with a reason, which is audited', async () => {
  const wide = await h.call('POST', `${base}/entries`, { body: { network: '10.0.0.0/8' } });
  expect(wide.status).toBe(422);
  expect(wide.body.problems[0]).toMatchObject({ path: '/network', rule: 'breadth' });
  expect(wide.body.error).toMatch(/\/16/);
  const forced = await h.call('POST', `${base}/entries`, { body: { network: '10.0.0.0/8', force: true, reason: 'datacenter migration' } });
  expect(forced.status).toBe(200);
  const audit = await h.call('GET', `${base}/audit?limit=1`);
  expect(audit.body[0]).toMatchObject({ action: 'trusted-ips.add', reason: 'datacenter migration' });
});

test('malformed, host bits set, duplicates and bad options are refused with the field and nothing changes', async () => {
  const before = (await h.call('GET', `${base}/entries`)).body.length;
  const bad = await h.call('POST', `${base}/entries`, { body: { network: '300.1.2.3' } });
  expect([bad.status, bad.body.problems[0].path]).toEqual([400, '/network']);
  const hostBits = await h.call('POST', `${base}/entries`, { body: { network: '192.0.2.5/24' } });
  expect(hostBits.body.error).toContain('192.0.2.0/24');
  const dup = await h.call('POST', `${base}/entries`, { body: { network: '192.0.2.0/24' } });
  expect([dup.status, dup.body.problems[0].path]).toEqual([400, '/network']);
  const exp = await h.call('POST', `${base}/entries`, { body: { network: '203.0.113.9', expires: 'soonish' } });
  expect(exp.body.problems[0]).toMatchObject({ path: '/expires' });
  const schema = await h.call('POST', `${base}/entries`, { body: { network: '203.0.113.9', maxPerHour: 0 } });
  expect(schema.body.problems).toEqual([{ path: '/maxPerHour', message: 'must be >= 1', rule: 'minimum' }]);
  expect((await h.call('GET', `${base}/entries`)).body.length).toBe(before);
});

test('remove, with the reason in the audit trail; removing what is not there names where it is', async () => {
  const gone = await h.call('POST', `${base}/entries/remove`, { body: { network: '192.0.2.0/24', reason: 'office moved' } });
  expect(gone.body).toMatchObject({ removed: '192.0.2.0/24 from all domains', applied: true });
  expect(fs.readFileSync(tableFile, 'utf8')).not.toContain('192.0.2.0/24');
  const wrongScope = await h.call('POST', `${base}/entries/remove`, { body: { network: '198.51.100.7' } });
  expect(wrongScope.status).toBe(400);
  expect(wrongScope.body.error).toContain('--domain example.org');
  const audit = await h.call('GET', `${base}/audit?limit=1`);
  expect(audit.body[0]).toMatchObject({ action: 'trusted-ips.remove', reason: 'office moved', actor: 'api:token' });
});
