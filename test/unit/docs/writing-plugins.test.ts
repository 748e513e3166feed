import * as fs from 'node:fs';
import * as path from 'node:path';
import { type AdminRequest, type AuthAttempt, DoctorCheckContribution, HOOK_NAMES, LogReportContribution, type MailEvent, UsageError } from '../../../shared';
import { loadPlugin } from '../../../shared/testing';

/*
 * docs/writing-plugins.md is the reference a plugin author works from: every
 * contribution point the manifest schema offers, and every hook, must be in
 * it, so a point added to the contract without its documentation fails here.
 */

const root = path.join(__dirname, '../../..');
const doc = fs.readFileSync(path.join(root, 'docs/writing-plugins.md'), 'utf8');
const schema = JSON.parse(fs.readFileSync(path.join(root, 'shared/plugin-manifest.schema.json'), 'utf8'));

test('every contribution point of the manifest schema is shown in a manifest snippet of the guide', () => {
  const points = Object.keys(schema.properties.contributes.properties);
  expect(points.length).toBeGreaterThan(0);
  expect(points.filter((p) => !doc.includes(`"${p}": [`))).toEqual([]);
});

test('every top-level manifest field is explained in the guide', () => {
  const fields = Object.keys(schema.properties).filter((f) => f !== '$schema');
  expect(fields.filter((f) => !doc.includes(`\`${f}\``))).toEqual([]);
});

test('every hook of the contract is in the guide', () => {
  expect(HOOK_NAMES.filter((h) => !doc.includes(`\`${h}\``))).toEqual([]);
});

test('the worked example the guide points to exists, and declares one of each contribution point', () => {
  const dir = path.join(root, 'test/fixtures/third-party-plugin');
  expect(doc).toContain('test/fixtures/third-party-plugin/');
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  for (const p of Object.keys(schema.properties.contributes.properties)) expect([p, manifest.contributes[p]?.length]).toEqual([p, 1]);
  expect(fs.existsSync(path.join(dir, manifest.entry))).toBe(true);
});

describe('the worked example under the SDK test kit, as the guide\'s "Testing" shows', () => {
  const dir = path.join(root, 'test/fixtures/third-party-plugin');
  const attempt = (login: string, domain = 'example.org'): AuthAttempt => ({ domain, login, remoteIp: '203.0.113.9', protocol: 'imap', at: 0 });

  test('its hook answers synchronously for an unlisted login, refuses a listed one, remembers it for a day and notifies with its declared kind', async () => {
    const h = await loadPlugin({ dir });
    expect(h.run('beforeAuth', attempt('alice@example.org'))).toBeUndefined();
    expect(await h.run('beforeAuth', attempt('blocked@example.org'))).toEqual({ action: 'deny', reason: 'on the ACME blocklist (blocked@)', plugin: 'acme-blocklist' });
    expect(h.notifier.sent).toEqual([expect.objectContaining({ kind: 'acme-refused', source: 'acme-blocklist', dedupeKey: 'acme-refused:blocked@example.org' })]);
    expect(await h.command('acme-blocklist', ['list'])).toEqual({ code: 0, stdout: 'prefixes: blocked@\nrefused: blocked@example.org\n', stderr: '' });
    h.clock.advance(86_400_000);
    expect((await h.command('acme-blocklist', ['list'])).stdout).toBe('prefixes: blocked@\nnobody refused in the last 24 h\n');
    await expect(h.command('acme-blocklist', ['lst'])).rejects.toThrow(UsageError);
  });

  test('a domain\'s own prefixes apply to that domain only; a config its schema refuses is refused', async () => {
    const h = await loadPlugin({ dir });
    h.setConfig({ prefixes: ['test-'] }, 'example.net');
    expect(await h.run('beforeAuth', attempt('test-1@example.net', 'example.net'))).toMatchObject({ action: 'deny' });
    expect(h.run('beforeAuth', attempt('test-1@example.org'))).toBeUndefined();
    expect(() => h.setConfig({ prefixes: [''] })).toThrow(/\/prefixes\/0 must NOT have fewer than 1 characters/);
  });

  test('its admin route, doctor check and log-report section', async () => {
    const h = await loadPlugin({ dir });
    await h.run('beforeAuth', attempt('blocked@example.org'));
    const [route] = h.adminRoutes;
    expect(route).toMatchObject({ method: 'GET', path: '/refused' });
    const request = { params: {}, query: {}, body: undefined, actor: 'api:token', lang: 'en', configs: h.serviceContext().configs } as AdminRequest;
    expect(await route.handle(request)).toEqual({ prefixes: ['blocked@'], refused: ['blocked@example.org'] });

    const check = h.get<DoctorCheckContribution>(DoctorCheckContribution);
    const doctor = (sasl: string) => check.run({ postconf: async () => ({ smtpd_sasl_auth_enable: sasl }), readFile: () => undefined, configs: h.serviceContext().configs });
    expect(await doctor('yes')).toEqual([{ check: 'acme-prefixes', level: 'ok', message: 'ACME blocklist refuses logins starting with blocked@' }]);
    expect(await doctor('no')).toContainEqual(expect.objectContaining({ level: 'warning', paste: ['smtpd_sasl_auth_enable = yes'] }));

    const section = h.get<LogReportContribution>(LogReportContribution).createSection();
    const event = (kind: MailEvent['kind']): MailEvent => ({ kind, queueId: '4A1B2C3D5E', sender: 'alice@example.org', recipients: ['x@remote.example'], domain: 'example.org', at: 0 });
    for (const k of ['sent', 'sent', 'deferred'] as const) section.add(event(k));
    expect(section.result()).toEqual({ columns: ['status', 'events'], rows: [['sent', 2], ['deferred', 1]], summary: '3 mail event(s)' });
  });
});
