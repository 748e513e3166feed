import { relayRequest } from '../../../../shared/testing';
import { ratelimitApp } from './plugin-setup';

const HOUR = 3_600_000;
const alice = 'alice@example.com';

describe('sender-ratelimit limits', () => {
  test('under the limits it has no opinion; the recipient past recipientsPerHour is deferred with a clear text', async () => {
    const { h, accounts, clock } = await ratelimitApp({ recipientsPerHour: 3 });
    for (let i = 0; i < 3; i++) {
      expect(await h.run('checkRelay', relayRequest({ saslUsername: alice, recipient: `r${i}@remote.test`, at: clock.now() }))).toBeUndefined();
    }
    const v = await h.run('checkRelay', relayRequest({ saslUsername: alice, recipient: 'r3@remote.test', at: clock.now() }));
    expect(v).toMatchObject({ action: 'tempfail', plugin: 'sender-ratelimit' });
    expect(v!.reason).toBe('alice@example.com reached the limit of 3 recipients per hour; try again later');
    // Another account is counted on its own.
    expect(await h.run('checkRelay', relayRequest({ saslUsername: 'bob@example.com', at: clock.now() }))).toBeUndefined();
    await h.stop();
  });

  test('the hour window is exact: a recipient counts until exactly one hour later', async () => {
    const { h, accounts, clock } = await ratelimitApp({ recipientsPerHour: 2 });
    const t0 = clock.now();
    await h.run('checkRelay', relayRequest({ saslUsername: alice, at: t0 }));
    clock.advance(10 * 60_000);
    await h.run('checkRelay', relayRequest({ saslUsername: alice, at: clock.now() }));
    clock.set(t0 + HOUR - 1);
    expect(await h.run('checkRelay', relayRequest({ saslUsername: alice, at: clock.now() }))).toMatchObject({ action: 'tempfail' });
    clock.set(t0 + HOUR);
    expect(await h.run('checkRelay', relayRequest({ saslUsername: alice, at: clock.now() }))).toBeUndefined();
    // The slot freed by the first recipient is taken again.
    expect(await h.run('checkRelay', relayRequest({ saslUsername: alice, at: clock.now() }))).toMatchObject({ action: 'tempfail' });
    await h.stop();
  });

  test('recipientsPerDay applies across hours', async () => {
    const { h, accounts, clock } = await ratelimitApp({ recipientsPerHour: 2, recipientsPerDay: 3, compromiseFactor: 100 });
    const t0 = clock.now();
    for (const hour of [0, 1]) {
      clock.set(t0 + hour * HOUR);
      await h.run('checkRelay', relayRequest({ saslUsername: alice, at: clock.now() }));
      await h.run('checkRelay', relayRequest({ saslUsername: alice, at: clock.now() }));
    }
    clock.set(t0 + 2 * HOUR);
    const v = await h.run('checkRelay', relayRequest({ saslUsername: alice, at: clock.now() }));
    expect(v?.reason).toContain('limit of 3 recipients per day');
    clock.set(t0 + 24 * HOUR);
    expect(await h.run('checkRelay', relayRequest({ saslUsername: alice, at: clock.now() }))).toBeUndefined();
    await h.stop();
  });

  test('messages are counted at END-OF-MESSAGE; past messagesPerHour both the message and new recipients are refused', async () => {
    const { h, accounts, clock } = await ratelimitApp({ messagesPerHour: 2 });
    const eom = (qid: string) => relayRequest({ saslUsername: alice, protocolState: 'END-OF-MESSAGE', recipient: '', recipientCount: 1, queueId: qid, at: clock.now() });
    expect(await h.run('checkRelay', eom('AAA1'))).toBeUndefined();
    // RCPT does not count messages.
    expect(await h.run('checkRelay', relayRequest({ saslUsername: alice, at: clock.now() }))).toBeUndefined();
    expect(await h.run('checkRelay', eom('AAA2'))).toBeUndefined();
    expect(await h.run('checkRelay', relayRequest({ saslUsername: alice, at: clock.now() }))).toMatchObject({ action: 'tempfail', reason: expect.stringContaining('2 messages per hour') });
    expect(await h.run('checkRelay', eom('AAA3'))).toMatchObject({ action: 'tempfail', reason: expect.stringContaining('2 messages per hour') });
    await h.stop();
  });

  test('the configured action maps to the verdict: HOLD → hold, REJECT → deny', async () => {
    const { h, accounts, clock, config } = await ratelimitApp({ recipientsPerHour: 1, action: 'HOLD' });
    await h.run('checkRelay', relayRequest({ saslUsername: alice, at: clock.now() }));
    expect(await h.run('checkRelay', relayRequest({ saslUsername: alice, at: clock.now() }))).toMatchObject({ action: 'hold' });
    h.setConfig({ recipientsPerHour: 1, action: 'REJECT' });
    expect(await h.run('checkRelay', relayRequest({ saslUsername: alice, at: clock.now() }))).toMatchObject({ action: 'deny' });
    await h.stop();
  });

  test('per-user overrides (full login or bare local part of the domain) and per-domain limits', async () => {
    const { h, accounts, clock, config } = await ratelimitApp({ recipientsPerHour: 1, users: [{ login: 'Bulk', recipientsPerHour: 3 }, { login: 'carol@other.test', action: 'REJECT' }] });
    // A domain's config: the global one with its own settings over it, as the host merges them.
    h.setConfig({ ...config, recipientsPerHour: 5 }, 'big.test');
    const send = (login: string, domain = 'example.com') => h.run('checkRelay', relayRequest({ saslUsername: login, domain, at: clock.now() }));
    const accepted = async (login: string, domain?: string) => {
      let n = 0;
      for (let i = 0; i < 10; i++) if ((await send(login, domain)) === undefined) n++;
      return n;
    };
    expect(await accepted('bulk@example.com')).toBe(3);
    expect(await accepted('alice@example.com')).toBe(1);
    expect(await accepted('dave@big.test', 'big.test')).toBe(5);
    // A bare login in the global list means that local part in every domain the list reaches.
    expect(await accepted('bulk@big.test', 'big.test')).toBe(3);
    expect(await accepted('bulk@other.test', 'other.test')).toBe(3);
    await send('carol@other.test', 'other.test');
    expect(await send('carol@other.test', 'other.test')).toMatchObject({ action: 'deny' });
    await h.stop();
  });

  test('unauthenticated clients are counted by address only inside trustedClients', async () => {
    const { h, accounts, clock } = await ratelimitApp({ recipientsPerHour: 1, trustedClients: ['192.168.122.0/24'] });
    const send = (ip: string) => h.run('checkRelay', relayRequest({ clientAddress: ip, at: clock.now() }));
    expect(await send('192.168.122.111')).toBeUndefined();
    expect(await send('192.168.122.111')).toMatchObject({ action: 'tempfail', reason: expect.stringContaining('client 192.168.122.111') });
    expect(await send('192.168.122.112')).toBeUndefined();
    for (let i = 0; i < 5; i++) expect(await send('203.0.113.9')).toBeUndefined();
    await h.stop();
  });

  test('other protocol states are ignored', async () => {
    const { h, accounts, clock } = await ratelimitApp({ recipientsPerHour: 1, messagesPerHour: 1 });
    for (const state of ['CONNECT', 'EHLO', 'MAIL', 'DATA', 'VRFY']) {
      for (let i = 0; i < 3; i++) expect(await h.run('checkRelay', relayRequest({ saslUsername: alice, protocolState: state, at: clock.now() }))).toBeUndefined();
    }
    await h.stop();
  });
});
