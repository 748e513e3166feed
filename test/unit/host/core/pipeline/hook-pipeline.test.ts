import type { App } from '../../../../../host/core/app';
import { buildFixturePlugin, hooksPlugin, tempDir } from '../../../../helpers/plugin-fixture';
import { testApp } from '../../../../helpers/test-app';

const attempt = (app: App, login = 'alice@example.com', remoteIp = '127.0.0.5') =>
  app.pipeline.attempt({ login, remoteIp, protocol: 'imap' });

/** Each fixture records its calls in a global list so order is observable. */
const recorder = (id: string, body: string, manifest: Record<string, unknown> = {}) =>
  hooksPlugin(id, `
  beforeAuth(a) { (globalThis as any).calls.push('${id}'); ${body} },
  afterAuth(a, o) { (globalThis as any).reports.push(['${id}', o.success]); },
`, manifest);

describe('hook pipeline', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
    (globalThis as any).calls = [];
    (globalThis as any).reports = [];
  });

  test('runs enabled plugins in manifest priority order and keeps the most severe verdict', async () => {
    buildFixturePlugin(dir, recorder('late', `return { action: 'delay', reason: 'slow down', delaySeconds: 2 };`, { priority: 300 }));
    buildFixturePlugin(dir, recorder('early', `return undefined;`, { priority: 10 }));
    buildFixturePlugin(dir, recorder('middle', `return { action: 'tempfail', reason: 'busy' };`, { priority: 200 }));
    const { app } = await testApp({ pluginDir: dir });
    await app.loadPlugins();
    const v = await app.pipeline.beforeAuth(attempt(app));
    expect((globalThis as any).calls).toEqual(['early', 'middle', 'late']);
    expect(v).toMatchObject({ action: 'tempfail', plugin: 'middle', reason: 'busy' });
    await app.close();
  });

  test('a deny ends the beforeAuth chain; afterAuth still reaches every plugin', async () => {
    buildFixturePlugin(dir, recorder('a-first', `return { action: 'deny', reason: 'blocked' };`, { priority: 1 }));
    buildFixturePlugin(dir, recorder('b-second', `return undefined;`, { priority: 2 }));
    const { app } = await testApp({ pluginDir: dir });
    await app.loadPlugins();
    const a = attempt(app);
    expect(await app.pipeline.beforeAuth(a)).toMatchObject({ action: 'deny', plugin: 'a-first' });
    expect((globalThis as any).calls).toEqual(['a-first']);
    await app.pipeline.afterAuth(a, { success: false, policyReject: true });
    expect((globalThis as any).reports).toEqual([['a-first', false], ['b-second', false]]);
    await app.close();
  });

  test('with no objection the answer is allow from the host', async () => {
    buildFixturePlugin(dir, recorder('quiet', `return undefined;`));
    const { app } = await testApp({ pluginDir: dir });
    await app.loadPlugins();
    expect(await app.pipeline.beforeAuth(attempt(app))).toMatchObject({ action: 'allow', plugin: 'host' });
    await app.close();
  });

  test('a throwing plugin is isolated: logged, counted, fail-open, the others still decide', async () => {
    buildFixturePlugin(dir, recorder('thrower', `throw new Error('boom');`, { priority: 1 }));
    buildFixturePlugin(dir, recorder('decider', `return { action: 'deny', reason: 'no' };`, { priority: 2 }));
    const { app, logs } = await testApp({ pluginDir: dir });
    await app.loadPlugins();
    expect(await app.pipeline.beforeAuth(attempt(app))).toMatchObject({ action: 'deny', plugin: 'decider' });
    expect(logs.find('plugin error')[0]).toMatchObject({ plugin: 'thrower', hook: 'beforeAuth', err: 'boom' });
    expect(await app.metrics.text()).toMatch(/mailwarden_plugin_faults_total\{plugin="thrower",hook="beforeAuth",kind="error"\} 1/);
    await app.close();
  });

  test('a hanging plugin times out after the configured hook timeout and the answer still comes', async () => {
    buildFixturePlugin(dir, recorder('hanger', `return new Promise(() => {});`, { priority: 1 }));
    buildFixturePlugin(dir, recorder('fine', `return { action: 'delay', reason: 'x', delaySeconds: 1 };`, { priority: 2 }));
    const { app, logs } = await testApp({ pluginDir: dir, config: { hookTimeoutMs: 30 } });
    await app.loadPlugins();
    const v = await app.pipeline.beforeAuth(attempt(app));
    expect(v).toMatchObject({ action: 'delay', plugin: 'fine' });
    expect(logs.find('plugin timeout')[0]).toMatchObject({ plugin: 'hanger', kind: 'timeout' });
    await app.close();
  });

  test('failurePolicy closed turns a fault into tempfail', async () => {
    buildFixturePlugin(dir, recorder('strict', `throw new Error('db down');`, { failurePolicy: 'closed' }));
    const { app } = await testApp({ pluginDir: dir });
    await app.loadPlugins();
    expect(await app.pipeline.beforeAuth(attempt(app))).toMatchObject({ action: 'tempfail', plugin: 'strict' });
    await app.close();
  });

  test('a locked account is denied before any plugin runs', async () => {
    buildFixturePlugin(dir, recorder('watcher', `return undefined;`));
    const { app } = await testApp({ pluginDir: dir });
    await app.loadPlugins();
    await app.accounts.lock('alice@example.com', { reason: 'compromised', by: 'test' });
    expect(await app.pipeline.beforeAuth(attempt(app, 'ALICE@example.com'))).toMatchObject({ action: 'deny', plugin: 'host' });
    expect((globalThis as any).calls).toEqual([]);
    await app.accounts.unlock('alice@example.com', 'test');
    expect(await app.pipeline.beforeAuth(attempt(app))).toMatchObject({ action: 'allow' });
    await app.close();
  });

  test('only plugins enabled for the attempt domain run; changes apply on the next request', async () => {
    buildFixturePlugin(dir, recorder('per-domain', `return { action: 'deny', reason: 'on' };`, { enabledByDefault: false }));
    const { app } = await testApp({ pluginDir: dir });
    await app.loadPlugins();
    await app.settings.addDomain('example.com', 'test');
    await app.settings.addDomain('other.org', 'test');
    const p = app.registry.get('per-domain')!;
    expect(await app.pipeline.beforeAuth(attempt(app, 'a@example.com'))).toMatchObject({ action: 'allow' });
    await app.settings.setEnabled('example.com', p, true, 'test');
    expect(await app.pipeline.beforeAuth(attempt(app, 'a@example.com'))).toMatchObject({ action: 'deny' });
    expect(await app.pipeline.beforeAuth(attempt(app, 'a@other.org'))).toMatchObject({ action: 'allow' });
    // A domain nobody added follows the global setting.
    expect(await app.pipeline.beforeAuth(attempt(app, 'a@unknown.net'))).toMatchObject({ action: 'allow' });
    await app.settings.setEnabled('*', p, true, 'test');
    expect(await app.pipeline.beforeAuth(attempt(app, 'a@unknown.net'))).toMatchObject({ action: 'deny' });
    await app.settings.setEnabled('example.com', p, false, 'test');
    expect(await app.pipeline.beforeAuth(attempt(app, 'a@example.com'))).toMatchObject({ action: 'allow' });
    await app.close();
  });

  test('validatePassword returns every violation of every plugin; checkRelay takes the first answer', async () => {
    buildFixturePlugin(dir, hooksPlugin('rules-a', `
      validatePassword(c) { return c.newPassword.length < 8 ? [{ rule: 'minLength', params: { min: 8 }, message: { en: 'short', fr: 'court', de: 'kurz' } }] : []; },
      checkRelay(r) { return undefined; },`, { priority: 1 }));
    buildFixturePlugin(dir, hooksPlugin('rules-b', `
      validatePassword(c) { return /[0-9]/.test(c.newPassword) ? [] : [{ rule: 'minDigits', params: { min: 1 }, message: { en: 'digit', fr: 'chiffre', de: 'Ziffer' } }]; },
      checkRelay(r) { return { action: 'hold', reason: 'held' }; },`, { priority: 2 }));
    buildFixturePlugin(dir, hooksPlugin('rules-c', `
      checkRelay(r) { return { action: 'deny', reason: 'never reached' }; },`, { priority: 3 }));
    const { app } = await testApp({ pluginDir: dir });
    await app.loadPlugins();
    const v = await app.pipeline.validatePassword({ domain: 'localhost', login: 'a@localhost', newPassword: 'short' });
    expect(v.map((x) => [x.plugin, x.rule])).toEqual([['rules-a', 'minLength'], ['rules-b', 'minDigits']]);
    const relay = await app.pipeline.checkRelay({
      request: 'smtpd_access_policy', protocolState: 'RCPT', clientAddress: '127.0.0.9', sender: 's@x.org', recipient: 'r@y.org',
      recipientCount: 0, size: 0, instance: '1', domain: 'localhost', at: 0, attributes: {},
    });
    expect(relay).toMatchObject({ action: 'hold', plugin: 'rules-b' });
    await app.close();
  });

  test('checkRelay answers without a promise once the plan is built and every hook answered synchronously; a promise otherwise', async () => {
    buildFixturePlugin(dir, hooksPlugin('sync-judge', `checkRelay(r) { return r.sender === 'spam@x.org' ? { action: 'deny', reason: 'no' } : undefined; },`, { priority: 1 }));
    buildFixturePlugin(dir, hooksPlugin('async-judge', `async checkRelay(r) { return r.sender === 'slow@x.org' ? { action: 'hold', reason: 'slow' } : undefined; },`, { priority: 2 }));
    const { app } = await testApp({ pluginDir: dir });
    await app.loadPlugins();
    const req = (sender: string, saslUsername?: string) => ({
      request: 'smtpd_access_policy', protocolState: 'RCPT', clientAddress: '127.0.0.9', sender, recipient: 'r@y.org',
      recipientCount: 0, size: 0, instance: '1', domain: 'localhost', at: 0, attributes: {}, ...(saslUsername ? { saslUsername } : {}),
    });
    // The first request builds the plan (settings are read from the store).
    expect(await app.pipeline.checkRelay(req('spam@x.org'))).toMatchObject({ action: 'deny', plugin: 'sync-judge' });
    expect(app.pipeline.checkRelay(req('spam@x.org'))).toEqual({ action: 'deny', reason: 'no', plugin: 'sync-judge' });
    const later = app.pipeline.checkRelay(req('slow@x.org'));
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toMatchObject({ action: 'hold', plugin: 'async-judge' });
    // A SASL login's lock is looked up first: a promise even when every hook is synchronous.
    expect(app.pipeline.checkRelay(req('spam@x.org', 'a@localhost'))).toBeInstanceOf(Promise);
    await app.close();
  });

  test('logins are normalised: trimmed, lower-cased, IDN to ASCII, bare login to the default domain', async () => {
    const { app } = await testApp();
    expect(attempt(app, '  Alice@Example.COM ').login).toBe('alice@example.com');
    expect(attempt(app, 'bob@Exämple.com')).toMatchObject({ login: 'bob@xn--exmple-cua.com', domain: 'xn--exmple-cua.com' });
    expect(attempt(app, 'carol')).toMatchObject({ login: 'carol@localhost', domain: 'localhost' });
    expect(() => attempt(app, '   ')).toThrow(/empty/);
    expect(() => attempt(app, 'a\u0000b@x.org')).toThrow(/control/);
    await app.close();
  });
});
