import * as path from 'node:path';
import { loadPlugin, relayRequest } from '../../../../shared/testing';

/* trusted-ips on the plugin SDK: its relay decision and its command, with no host. */
describe('trusted-ips through the SDK harness', () => {
  const dir = path.join(__dirname, '../../../../plugins/trusted-ips');
  // applyOnChange off: the table file and `postfix reload` are the host's to test (test/integration/trusted-ips).
  const load = () => loadPlugin({ dir, hostSettings: { applyOnChange: false } });

  test('no opinion while the list is empty; a trusted network is allowed at RCPT, others get no opinion', async () => {
    const h = await load();
    const at = h.clock.now();
    expect(await h.run('checkRelay', relayRequest({ at, clientAddress: '192.0.2.10', policyContext: 'relay' }))).toBeUndefined();
    const added = await h.command('trusted-ips', ['add', '192.0.2.0/24', '--label', 'printer']);
    expect(added).toMatchObject({ code: 0 });
    h.clock.advance(5_000); // past cacheSeconds: the hook reads the list again
    expect(await h.run('checkRelay', relayRequest({ at: h.clock.now(), clientAddress: '192.0.2.10', policyContext: 'relay' }))).toMatchObject({ action: 'allow', plugin: 'trusted-ips' });
    expect(await h.run('checkRelay', relayRequest({ at: h.clock.now(), clientAddress: '198.51.100.7', policyContext: 'relay' }))).toBeUndefined();
    // Authenticated mail is not a trusted-relay question.
    expect(await h.run('checkRelay', relayRequest({ at: h.clock.now(), clientAddress: '192.0.2.10', policyContext: 'relay', saslUsername: 'a@example.com' }))).toBeUndefined();
  });

  test('an exclusion inside a trusted network is not trusted', async () => {
    const h = await load();
    expect((await h.command('trusted-ips', ['add', '192.0.2.0/24'])).code).toBe(0);
    expect((await h.command('trusted-ips', ['add', '!192.0.2.66'])).code).toBe(0);
    h.clock.advance(5_000);
    expect(await h.run('checkRelay', relayRequest({ at: h.clock.now(), clientAddress: '192.0.2.66', policyContext: 'relay' }))).toBeUndefined();
    expect(await h.run('checkRelay', relayRequest({ at: h.clock.now(), clientAddress: '192.0.2.65', policyContext: 'relay' }))).toMatchObject({ action: 'allow' });
  });

  test('the breadth guard refuses a /8 without --force and a reason, and changes nothing', async () => {
    const h = await load();
    const r = await h.command('trusted-ips', ['add', '10.0.0.0/8']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('wider than IPv4 /16');
    expect(JSON.parse((await h.command('trusted-ips', ['list', '--json'])).stdout)).toEqual([]);
  });
});
