import * as fs from 'node:fs';
import * as path from 'node:path';
import { ManualClock } from '../../../host/core/services/clock';
import { type AdminHarness, startAdmin } from '../../helpers/admin-client';
import { tempDir } from '../../helpers/plugin-fixture';

const XSS = '<img src=x onerror=alert(1)>@example.com';
let h: AdminHarness;
let clock: ManualClock;
let kickLog: string;

beforeAll(async () => {
  clock = new ManualClock();
  kickLog = path.join(tempDir('mw-kick-'), 'kicked.txt');
  // The session-closing command gets the login as one argv item, never through a shell.
  h = await startAdmin({ clock, config: { accounts: { kickCommand: ['/bin/sh', '-c', 'printf "%s\\n" "$0" >> "$1"', '{login}', kickLog] } } as never });
  await h.app.settings.addDomain('example.org', 'test');
});
afterAll(() => h.close());

describe('health, metrics, OpenAPI', () => {
  test('GET /api/health and /metrics', async () => {
    const r = await h.call('GET', '/api/health');
    expect(r.body).toEqual({ status: 'ready', listenersDown: [], plugins: ['demo-guard'], failed: [], store: 'memory', storeUnavailable: false, storeDegraded: null, storeReplica: null, unhandledRejections: 0 });
    h.app.metrics.increment('auth_decisions', { verdict: 'allow' });
    const m = await h.call('GET', '/metrics');
    expect(m.status).toBe(200);
    expect(m.headers['content-type']).toMatch(/^text\/plain/);
    expect(m.body).toContain('mailwarden_auth_decisions_total{verdict="allow"} 1');
  });

  test('GET /api/openapi.json describes every route with the schemas the server enforces', async () => {
    const r = await h.call('GET', '/api/openapi.json');
    expect(r.body.openapi).toBe('3.1.0');
    for (const s of h.server.router.specs) {
      const op = r.body.paths[s.path]?.[s.method.toLowerCase()];
      expect([s.method, s.path, typeof op]).toEqual([s.method, s.path, 'object']);
      if (s.body) expect(op.requestBody.content['application/json'].schema).toEqual(s.body);
      expect(op.responses['401']).toBeDefined();
    }
    const lock = r.body.paths['/api/accounts/lock'].post;
    expect(lock.requestBody.content['application/json'].schema.required).toEqual(['login']);
    expect(r.body.paths['/api/session'].post.security).toEqual([]);
    expect(r.body.paths['/api/alerts'].get.parameters).toEqual([expect.objectContaining({ name: 'limit', in: 'query' })]);
  });
});

describe('errors', () => {
  test('unknown route 404, wrong method 405, bad JSON 400, wrong type 415, too large 413 — all JSON', async () => {
    expect((await h.call('GET', '/api/nope')).status).toBe(404);
    const m = await h.call('PATCH', '/api/domains');
    expect([m.status, m.body.error]).toEqual([405, 'PATCH is not allowed on /api/domains']);
    const bad = await h.call('POST', '/api/domains', { body: '{"name": "a.example",' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/not valid JSON at line 1/);
    expect(bad.body.problems[0]).toMatchObject({ path: '/', rule: 'json' });
    const form = await h.call('POST', '/api/domains', { body: 'name=a.example', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
    const big = await h.call('POST', '/api/domains', { body: JSON.stringify({ name: 'x'.repeat(300 * 1024) }) });
    expect(big.status).toBe(413);
    const seg = await h.call('GET', '/api/domains/%E0%A4%A/plugins');
    expect(seg.status).toBe(400);
    expect((await h.app.settings.listDomains()).map((d) => d.name)).toEqual(['example.org', 'localhost']);
  });
});

describe('domains', () => {
  test('add, list, refuse bad input with the field path, remove', async () => {
    const add = await h.call('POST', '/api/domains', { body: { name: 'Exämple.NET', locale: 'fr' } });
    expect(add.status).toBe(201);
    expect(add.body).toMatchObject({ name: 'xn--exmple-cua.net', locale: 'fr', addedBy: 'api:token' });
    const dup = await h.call('POST', '/api/domains', { body: { name: 'xn--exmple-cua.net' } });
    expect([dup.status, dup.body.problems]).toEqual([400, [{ path: '/name', message: '"xn--exmple-cua.net" already exists', rule: 'unique' }]]);
    const invalid = await h.call('POST', '/api/domains', { body: { name: 'bad..name', locale: 'it', extra: 1 } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.problems).toEqual(
      expect.arrayContaining([
        { path: '/extra', message: 'is not a known property', rule: 'additionalProperties' },
        { path: '/locale', message: 'must be one of "en", "fr", "de"', rule: 'enum' },
      ]),
    );
    const dots = await h.call('POST', '/api/domains', { body: { name: 'bad..name' } });
    expect(dots.body.problems).toEqual([{ path: '/name', message: '"bad..name" is not a valid domain name', rule: 'domain' }]);
    const missing = await h.call('POST', '/api/domains', { body: {} });
    expect(missing.body.problems).toEqual([{ path: '/name', message: 'is required', rule: 'required' }]);
    const list = await h.call('GET', '/api/domains');
    expect(list.body.map((d: { name: string; default: boolean }) => [d.name, d.default])).toEqual([['example.org', false], ['localhost', true], ['xn--exmple-cua.net', false]]);
    expect((await h.call('DELETE', '/api/domains/xn--exmple-cua.net')).body).toEqual({ removed: 'xn--exmple-cua.net' });
    expect((await h.call('DELETE', '/api/domains/xn--exmple-cua.net')).status).toBe(404);
  });
});

describe('plugins and config', () => {
  test('list a domain\'s plugins with schema and effective config; unknown domain or plugin is 404', async () => {
    const r = await h.call('GET', '/api/domains/example.org/plugins');
    expect(r.body.domain).toBe('example.org');
    expect(r.body.plugins[0]).toMatchObject({ id: 'demo-guard', enabled: false, enabledFrom: 'manifest', ownEnabled: null, config: { maxFailures: 3, mode: 'block' }, overrides: {} });
    expect(r.body.plugins[0].configSchema.properties.maxFailures).toMatchObject({ type: 'integer', minimum: 1 });
    expect((await h.call('GET', '/api/domains/*/plugins')).body.domain).toBe('*');
    expect((await h.call('GET', '/api/domains/unknown.example/plugins')).status).toBe(404);
    const nop = await h.call('GET', '/api/domains/example.org/plugins/nope/config');
    expect(nop.status).toBe(404);
    expect(nop.body.error).toMatch(/no plugin "nope"/);
  });

  test('enable, disable, inherit; bad values are refused with the field path', async () => {
    const on = await h.call('PUT', '/api/domains/example.org/plugins/demo-guard/enabled', { body: { enabled: true } });
    expect(on.body).toMatchObject({ enabled: true, enabledFrom: 'domain', ownEnabled: true });
    expect((await h.app.settings.effective('example.org', h.app.registry.get('demo-guard')!)).enabled).toBe(true);
    const bad = await h.call('PUT', '/api/domains/example.org/plugins/demo-guard/enabled', { body: { enabled: 'yes' } });
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual([{ path: '/enabled', message: 'must be boolean,null', rule: 'type' }]);
    const globalInherit = await h.call('PUT', '/api/domains/*/plugins/demo-guard/enabled', { body: { enabled: null } });
    expect([globalInherit.status, globalInherit.body.problems[0].path]).toEqual([400, '/enabled']);
    await h.call('PUT', '/api/domains/*/plugins/demo-guard/enabled', { body: { enabled: true } });
    const inherit = await h.call('PUT', '/api/domains/example.org/plugins/demo-guard/enabled', { body: { enabled: null } });
    expect(inherit.body).toMatchObject({ enabled: true, enabledFrom: 'global', ownEnabled: null });
    const actions = (await h.app.store.listAudit({ subjectPrefix: 'plugin:demo-guard' })).map((a) => [a.action, a.domain, a.actor]);
    expect(actions).toEqual([['plugin.inherit', 'example.org', 'api:token'], ['plugin.enable', '*', 'api:token'], ['plugin.enable', 'example.org', 'api:token']]);
  });

  test('config: invalid values are refused per field and nothing is saved; valid ones are merged; PUT replaces', async () => {
    const bad = await h.call('PATCH', '/api/domains/example.org/plugins/demo-guard/config', { body: { maxFailures: 0, mode: 'nuke', unknown: 1, label: 'ok' } });
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual(
      expect.arrayContaining([
        { path: '/maxFailures', message: 'must be >= 1', rule: 'minimum' },
        { path: '/mode', message: 'must be one of "block", "tarpit"', rule: 'enum' },
        { path: '/unknown', message: 'is not a known property', rule: 'additionalProperties' },
      ]),
    );
    expect(await h.app.settings.getSetting('example.org', 'demo-guard')).toEqual({});
    const nested = await h.call('PATCH', '/api/domains/example.org/plugins/demo-guard/config', { body: { trustedNetworks: ['10.0.0.0/8', ''] } });
    expect(nested.body.problems).toEqual([{ path: '/trustedNetworks/1', message: 'must NOT have fewer than 1 characters', rule: 'minLength' }]);
    const notObject = await h.call('PATCH', '/api/domains/example.org/plugins/demo-guard/config', { body: [1] });
    expect(notObject.body.problems).toEqual([{ path: '/', message: 'must be object', rule: 'type' }]);

    const ok = await h.call('PATCH', '/api/domains/example.org/plugins/demo-guard/config', { body: { maxFailures: 5, mode: 'tarpit' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ config: { maxFailures: 5, mode: 'tarpit', blockMinutes: 20 }, overrides: { maxFailures: 5, mode: 'tarpit' } });
    const merged = await h.call('PATCH', '/api/domains/example.org/plugins/demo-guard/config', { body: { mode: null, label: 'office' } });
    expect(merged.body.overrides).toEqual({ maxFailures: 5, label: 'office' });
    expect((await h.call('GET', '/api/domains/example.org/plugins/demo-guard/config')).body.config).toMatchObject({ maxFailures: 5, mode: 'block', label: 'office' });
    const replaced = await h.call('PUT', '/api/domains/example.org/plugins/demo-guard/config', { body: { blockMinutes: 1.5 } });
    expect(replaced.body.overrides).toEqual({ blockMinutes: 1.5 });
    // A global change that a domain's own override would make invalid is refused, naming the domain.
    const global = await h.call('PATCH', '/api/domains/*/plugins/demo-guard/config', { body: { maxFailures: 1000 } });
    expect(global.status).toBe(400);
    expect(global.body.problems[0]).toMatchObject({ path: '/maxFailures', rule: 'maximum' });
  });
});

describe('blocks', () => {
  test('list with filters, refuse an empty or malformed filter, clear and audit', async () => {
    const now = clock.now();
    const base = { reason: 'brute force', source: 'password-bruteforce', createdAt: now, expiresAt: now + 1_200_000, strikes: 1 };
    await h.app.store.putBlock({ ...base, key: 'pair:192.0.2.7/32|alice@example.org', domain: 'example.org', login: 'alice@example.org', network: '192.0.2.7/32' });
    await h.app.store.putBlock({ ...base, key: 'net:2001:db8::/64', domain: 'example.org', network: '2001:db8::/64' });
    await h.app.store.putBlock({ ...base, key: `login:${XSS}`, domain: 'example.com', login: XSS });
    expect((await h.call('GET', '/api/blocks')).body).toHaveLength(3);
    expect((await h.call('GET', '/api/blocks?ip=2001:db8::42')).body.map((b: { key: string }) => b.key)).toEqual(['net:2001:db8::/64']);
    expect((await h.call('GET', '/api/blocks?login=ALICE@Example.org')).body).toHaveLength(1);
    const badIp = await h.call('GET', '/api/blocks?ip=999.1.1.1');
    expect([badIp.status, badIp.body.problems]).toEqual([400, [{ path: '?ip', message: 'is not an IPv4 or IPv6 address', rule: 'ip' }]]);
    const unknownQ = await h.call('GET', '/api/blocks?colour=red');
    expect(unknownQ.body.problems[0]).toMatchObject({ path: '?colour', rule: 'additionalProperties' });
    const empty = await h.call('POST', '/api/blocks/clear', { body: {} });
    expect([empty.status, empty.body.problems[0].path]).toEqual([400, '/']);
    const notTrue = await h.call('POST', '/api/blocks/clear', { body: { all: false } });
    expect(notTrue.body.problems[0]).toMatchObject({ path: '/all', rule: 'const' });
    const xss = await h.call('GET', '/api/blocks?domain=example.com');
    expect(xss.body[0].login).toBe(XSS);
    const cleared = await h.call('POST', '/api/blocks/clear', { body: { ip: '192.0.2.7', reason: 'customer called' } });
    expect(cleared.body.cleared).toBe(1);
    expect((await h.app.store.listBlocks({}, clock.now())).map((b) => b.key).sort()).toEqual([`login:${XSS}`, 'net:2001:db8::/64']);
    const audit = await h.call('GET', '/api/audit?subject=blocks:');
    expect(audit.body[0]).toMatchObject({ action: 'blocks.clear', actor: 'api:token', subject: 'blocks:ip 192.0.2.7', reason: 'customer called' });
    expect(audit.body[0].before).toEqual([{ domain: 'example.org', key: 'pair:192.0.2.7/32|alice@example.org', login: 'alice@example.org', network: '192.0.2.7/32', expiresAt: now + 1_200_000 }]);
    expect((await h.call('POST', '/api/blocks/clear', { body: { all: true } })).body.cleared).toBe(2);
  });
});

describe('accounts', () => {
  test('the XSS login is stored and returned exactly, as JSON that a browser will not run', async () => {
    const r = await h.call('POST', '/api/accounts/lock', { body: { login: XSS, reason: 'suspicious <script>', minutes: 30 } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ login: XSS, reason: 'suspicious <script>', by: 'api:token', until: clock.now() + 30 * 60_000 });
    const list = await h.call('GET', '/api/accounts/locks');
    expect(list.body.map((l: { login: string }) => l.login)).toEqual([XSS]);
    expect(list.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(list.headers['x-content-type-options']).toBe('nosniff');
    expect(list.headers['content-security-policy']).toContain("default-src 'none'");
    expect(await h.app.accounts.isLocked(XSS)).toBeDefined();
  });

  test('lock, unlock, logout; bad logins are refused with the field path', async () => {
    const bare = await h.call('POST', '/api/accounts/lock', { body: { login: ' Bob ' } });
    expect(bare.body).toMatchObject({ login: 'bob@localhost', reason: 'locked by an admin' });
    expect(bare.body.until).toBeUndefined();
    const ctl = await h.call('POST', '/api/accounts/lock', { body: { login: 'a\u0001b@example.org' } });
    expect([ctl.status, ctl.body.problems]).toEqual([400, [{ path: '/login', message: 'login contains a control character: U+0001 at position 2 (control characters, line separators and text-direction controls are refused)', rule: 'login' }]]);
    const minutes = await h.call('POST', '/api/accounts/lock', { body: { login: 'x@example.org', minutes: 0 } });
    expect(minutes.body.problems).toEqual([{ path: '/minutes', message: 'must be >= 1', rule: 'minimum' }]);
    expect((await h.call('POST', '/api/accounts/unlock', { body: { login: 'BOB@localhost' } })).body).toEqual({ unlocked: 'bob@localhost' });
    expect((await h.call('POST', '/api/accounts/unlock', { body: { login: 'bob@localhost' } })).status).toBe(404);
    const out = await h.call('POST', '/api/accounts/logout', { body: { login: XSS } });
    expect(out.body).toEqual({ loggedOut: XSS, sessions: 'closed' });
    expect(fs.readFileSync(kickLog, 'utf8')).toBe(`${XSS}\n`);
    const audit = (await h.call('GET', '/api/audit?subject=account:')).body.map((a: { action: string; subject: string }) => [a.action, a.subject]);
    expect(audit).toEqual([['account.logout', `account:${XSS}`], ['account.unlock', 'account:bob@localhost'], ['account.lock', 'account:bob@localhost'], ['account.lock', `account:${XSS}`]]);
  });
});

describe('alerts, audit and dashboard', () => {
  test('alerts newest first with a limit; bad limits refused', async () => {
    await h.app.notifier.notify({ subject: 'first', text: 'a', severity: 'info' });
    clock.advance(1000);
    await h.app.notifier.notify({ subject: `Blocked ${XSS}`, text: 'b', severity: 'warning', source: 'password-bruteforce' });
    const r = await h.call('GET', '/api/alerts?limit=1');
    expect(r.body.map((a: { subject: string }) => a.subject)).toEqual([`Blocked ${XSS}`]);
    expect((await h.call('GET', '/api/alerts')).body).toHaveLength(2);
    const bad = await h.call('GET', '/api/alerts?limit=0');
    expect([bad.status, bad.body.problems]).toEqual([400, [{ path: '?limit', message: 'must be >= 1', rule: 'minimum' }]]);
    expect((await h.call('GET', '/api/alerts?limit=ten')).body.problems[0]).toMatchObject({ path: '?limit', rule: 'type' });
  });

  test('audit filters by domain, subject prefix, time and limit', async () => {
    const all = (await h.call('GET', '/api/audit?limit=1000')).body;
    expect(all.length).toBeGreaterThan(5);
    const org = (await h.call('GET', '/api/audit?domain=example.org')).body;
    expect(org.every((a: { domain: string }) => a.domain === 'example.org')).toBe(true);
    expect((await h.call('GET', '/api/audit?limit=2')).body).toHaveLength(2);
    expect((await h.call('GET', `/api/audit?since=${clock.now() + 1}`)).body).toEqual([]);
  });

  test('dashboard summarises blocks, locks, alerts and plugins', async () => {
    const d = (await h.call('GET', '/api/dashboard')).body;
    expect(d.blocks.count).toBe(0);
    expect(d.locks.count).toBe(1);
    expect(d.locks.latest[0].login).toBe(XSS);
    expect(d.alerts.map((a: { subject: string }) => a.subject)).toEqual([`Blocked ${XSS}`, 'first']);
    expect(d.plugins).toEqual({ active: ['demo-guard'], failed: [] });
    expect(d.domains).toBe(2);
    expect(d.suspects).toEqual([]);
    await h.app.notifier.notify({ subject: 'alice@example.org over 200 recipients/hour', text: 'x', severity: 'critical', source: 'sender-ratelimit', data: { login: 'alice@example.org' } });
    await h.app.notifier.notify({ subject: 'relay over its cap', text: 'x', severity: 'critical', source: 'trusted-ips', data: { network: '192.0.2.0/24' } });
    await h.app.notifier.notify({ subject: 'fyi', text: 'x', severity: 'info', data: { login: 'bob@example.org' } });
    const s = (await h.call('GET', '/api/dashboard')).body.suspects;
    expect(s.map((x: { kind: string; who: string; source: string }) => [x.kind, x.who, x.source])).toEqual([['network', '192.0.2.0/24', 'trusted-ips'], ['account', 'alice@example.org', 'sender-ratelimit']]);
    clock.advance(25 * 3_600_000);
    expect((await h.call('GET', '/api/dashboard')).body.suspects).toEqual([]);
  });
});
