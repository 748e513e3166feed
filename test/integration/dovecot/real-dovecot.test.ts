import type { App } from '../../../host/core/app';
import { GLOBAL } from '../../../host/core/domains/domain-settings';
import { resolveDovecotSecret } from '../../../host/core/config/api-secret';
import { DovecotGateway } from '../../../host/adapters/gateways/dovecot/dovecot-gateway';
import type { ManualClock } from '../../../host/core/services/clock';
import { type DovecotInstance, startDovecot } from '../../harness/dovecot';
import { describeWith } from '../../helpers/system';
import { pluginDirWith } from '../../helpers/built-plugins';
import { testApp } from '../../helpers/test-app';

describeWith('/usr/sbin/dovecot', 'dovecot-core')('password-bruteforce against the real Dovecot (auth policy)', () => {
  let app: App;
  let clock: ManualClock;
  let gw: DovecotGateway;
  let dc: DovecotInstance;

  beforeAll(async () => {
    // No apiHeader in the config: the gateway generates its secret, as on a fresh install.
    const t = await testApp({ pluginDir: pluginDirWith(['password-bruteforce']) });
    app = t.app;
    clock = t.clock;
    expect(await app.loadPlugins()).toEqual([]);
    // The test clients are on loopback, which is trusted by default.
    await app.settings.setConfig(GLOBAL, app.registry.get('password-bruteforce')!, { trustedNetworks: [] }, 'test');
    gw = new DovecotGateway(app, { host: '127.0.0.1', port: 0 });
    const { port } = await gw.start();
    dc = await startDovecot({
      users: [
        { login: 'alice@example.com', password: 'alice-right' },
        { login: 'bob@example.com', password: 'bob-right' },
      ],
      // The line `mailwarden wiring dovecot` prints.
      policy: { url: `http://127.0.0.1:${port}/`, nonce: 'test-nonce', apiHeader: resolveDovecotSecret(app.config)!.headerLine },
      authDebug: true,
    });
  }, 60_000);

  afterAll(async () => {
    await dc?.stop();
    await gw?.stop();
    await app?.close();
  });

  test('3 wrong passwords, then the right one is refused; another user is unaffected; after the block it works again', async () => {
    expect(await dc.imapLogin('alice@example.com', 'alice-right', { localAddress: '127.0.0.23' })).toMatchObject({ ok: true });
    // The guesses come from another address: on the network where alice just logged in
    // (a known network) the pair cap is higher, so that a neighbour cannot lock her out.
    const from = { localAddress: '127.0.0.26' };
    for (const pw of ['wrong-1', 'wrong-2', 'wrong-3']) {
      expect(await dc.imapLogin('alice@example.com', pw, from)).toMatchObject({ ok: false });
    }
    const refused = await dc.imapLogin('alice@example.com', 'alice-right', from);
    expect(refused.ok).toBe(false);
    expect(dc.log()).toContain('Policy response -1');
    expect(await dc.imapLogin('Bob@Example.com', 'bob-right', from)).toMatchObject({ ok: true });
    const blocks = await app.store.listBlocks({ login: 'alice@example.com' }, clock.now());
    expect(blocks).toEqual([expect.objectContaining({ network: '127.0.0.26/32', strikes: 1, source: 'password-bruteforce' })]);
    clock.advance(20 * 60_000);
    expect(await dc.imapLogin('alice@example.com', 'alice-right', from)).toMatchObject({ ok: true });
    expect(dc.log()).toContain('Policy server request JSON');
    // Every request Dovecot sent was accepted: its API header, and its content type (application/json).
    const metrics = await app.metrics.text();
    expect(metrics).toMatch(/mailwarden_dovecot_requests_total\{command="allow",result="reject"\} [1-9]/);
    expect(metrics).toMatch(/mailwarden_dovecot_requests_total\{command="report",result="failure"\} [1-9]/);
    expect(metrics).not.toContain('command="invalid"');
  }, 60_000);

  test('the same wrong password repeated does not block (Dovecot\'s pwhash is counted once)', async () => {
    const from = { localAddress: '127.0.0.24' };
    for (let i = 0; i < 5; i++) expect(await dc.imapLogin('bob@example.com', 'old-password', from)).toMatchObject({ ok: false });
    expect(await dc.imapLogin('bob@example.com', 'bob-right', from)).toMatchObject({ ok: true });
  }, 60_000);
});
