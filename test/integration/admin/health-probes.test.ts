import { listenerReadiness } from '../../../host/core/readiness';
import { type AdminHarness, startAdmin } from '../../helpers/admin-client';

let h: AdminHarness;
beforeAll(async () => {
  h = await startAdmin();
});
afterEach(() => listenerReadiness.reset());
afterAll(() => h.close());

describe('health probes without a token', () => {
  test('/healthz answers {"status":"ok"} without a token and nothing more', async () => {
    const r = await h.call('GET', '/healthz', { token: null });
    expect([r.status, r.body]).toEqual([200, { status: 'ok' }]);
    // A wrong token does not matter to a probe (and is not counted against the address).
    expect((await h.call('GET', '/healthz', { token: 'wrong' })).status).toBe(200);
  });

  test('/readyz: ready when every listener serve started is up; 503 with only the status otherwise', async () => {
    listenerReadiness.expect(['admin', 'dovecot', 'postfix']);
    listenerReadiness.started('admin');
    listenerReadiness.started('dovecot');
    const down = await h.call('GET', '/readyz', { token: null });
    expect([down.status, down.body]).toEqual([503, { status: 'not ready' }]);
    // The token-holder sees why.
    expect((await h.call('GET', '/api/health')).body).toMatchObject({ status: 'not ready', listenersDown: ['postfix'], storeUnavailable: false });
    listenerReadiness.started('postfix');
    const up = await h.call('GET', '/readyz', { token: null });
    expect([up.status, up.body]).toEqual([200, { status: 'ready' }]);
    listenerReadiness.stopped('dovecot');
    expect((await h.call('GET', '/readyz', { token: null })).status).toBe(503);
  });

  test('/readyz is not ready while the store refuses calls', async () => {
    const store = h.app.store as unknown as { unavailable?: () => boolean };
    store.unavailable = () => true;
    try {
      expect((await h.call('GET', '/readyz', { token: null })).body).toEqual({ status: 'not ready' });
      expect((await h.call('GET', '/api/health')).body).toMatchObject({ status: 'not ready', storeUnavailable: true, listenersDown: [] });
    } finally {
      delete store.unavailable;
    }
  });

  test('the details stay behind the token', async () => {
    expect((await h.call('GET', '/api/health', { token: null })).status).toBe(401);
    const d = await h.call('GET', '/api/health');
    expect(d.body).toMatchObject({ status: 'ready', plugins: ['demo-guard'], store: 'memory' });
  });
});
