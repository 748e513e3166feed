import type { Verdict } from '../../../../shared';
import { relayRequest } from '../../../../shared/testing';
import { ratelimitApp } from './plugin-setup';

const alice = 'alice@example.com';

describe('sender-ratelimit compromise handling', () => {
  test('attempts past limit × compromiseFactor lock the account, close its sessions, hold its mail and raise one alert', async () => {
    const { h, accounts, clock, queue, alerts, kicked, idle } = await ratelimitApp({ recipientsPerHour: 2, compromiseFactor: 3 });
    const eom = relayRequest({ saslUsername: alice, sender: 'Alice@Example.com', protocolState: 'END-OF-MESSAGE', queueId: '4F2A01C3B', recipient: '', at: clock.now() });
    expect(await h.run('checkRelay', eom)).toBeUndefined();
    const verdicts: Array<Verdict | undefined> = [];
    const send = async (i: number) => verdicts.push(await h.run('checkRelay', relayRequest({ saslUsername: alice, sender: 'alice@example.com', recipient: `victim${i}@remote.test`, clientAddress: '46.48.93.60', at: clock.now() })));
    // 2 accepted, then refused attempts; the 7th attempt is more than 2 × 3.
    for (let i = 0; i < 6; i++) await send(i);
    expect(verdicts.slice(0, 2)).toEqual([undefined, undefined]);
    expect(verdicts.slice(2, 6).map((v) => v?.action)).toEqual(['tempfail', 'tempfail', 'tempfail', 'tempfail']);
    await idle();
    expect(await accounts.isLocked(alice)).toBeUndefined();
    await send(6);
    expect(verdicts[6]).toMatchObject({ action: 'tempfail', reason: expect.stringContaining('sending suspended for alice@example.com') });
    await idle();
    expect(await accounts.isLocked(alice)).toMatchObject({ by: 'sender-ratelimit', reason: expect.stringContaining('suspected compromise') });
    expect(kicked).toEqual([alice]);
    expect(queue.byIds).toEqual([['4F2A01C3B']]);
    expect(queue.byLogin).toEqual([alice]);
    expect(queue.bySender).toEqual([]);
    const a = await alerts();
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ severity: 'critical', source: 'sender-ratelimit', domain: 'example.com', subject: 'Suspected compromised account: alice@example.com' });
    expect(a[0].text).toContain('46.48.93.60');
    expect(a[0].text).toContain('victim2@remote.test');
    expect(a[0].text).toContain('mailwarden account unlock alice@example.com');
    expect(a[0].text).toContain('mailwarden queue release --sender alice@example.com');
    expect(a[0].text).toContain('2 queued message(s) put on hold');
    expect(a[0].data).toMatchObject({ login: alice, clientAddresses: ['46.48.93.60'], queueIds: ['4F2A01C3B'] });
    // From now on the host refuses the locked login before the plugin runs.
    const next = await h.run('checkRelay', relayRequest({ saslUsername: alice, at: clock.now() }));
    expect(next).toMatchObject({ action: 'deny', plugin: 'host' });
    await idle();
    expect(await alerts()).toHaveLength(1);
    await h.stop();
  });

  test('when the queue files cannot be read, the login\'s mail is held by envelope sender and the alert says so', async () => {
    const { h, accounts, clock, queue, alerts, idle } = await ratelimitApp({ recipientsPerHour: 1, compromiseFactor: 1 });
    queue.loginFailure = new Error('EACCES: permission denied');
    for (let i = 0; i < 2; i++) await h.run('checkRelay', relayRequest({ saslUsername: alice, at: clock.now() }));
    await idle();
    expect(queue.bySender).toEqual([alice]);
    expect((await alerts())[0].text).toContain('held by envelope sender alice@example.com instead');
    await h.stop();
  });

  test('just below the factor nothing is locked', async () => {
    const { h, accounts, clock, alerts, idle } = await ratelimitApp({ recipientsPerHour: 2, compromiseFactor: 3 });
    for (let i = 0; i < 6; i++) await h.run('checkRelay', relayRequest({ saslUsername: alice, at: clock.now() }));
    await idle();
    expect(await accounts.isLocked(alice)).toBeUndefined();
    expect(await alerts()).toHaveLength(0);
    await h.stop();
  });

  test('too many distinct client networks in an hour is a compromise on its own, even under every other limit', async () => {
    const { h, accounts, clock, alerts, idle } = await ratelimitApp({ networksPerHour: 2 });
    // Two addresses in one /24 are one network.
    for (const ip of ['198.51.100.1', '198.51.100.2', '203.0.113.5']) {
      expect(await h.run('checkRelay', relayRequest({ saslUsername: alice, clientAddress: ip, at: clock.now() }))).toBeUndefined();
    }
    const v = await h.run('checkRelay', relayRequest({ saslUsername: alice, clientAddress: '2001:db8:1::7', at: clock.now() }));
    expect(v).toMatchObject({ action: 'tempfail', reason: expect.stringContaining('3 client networks per hour, limit 2') });
    await idle();
    expect(await accounts.isLocked(alice)).toBeDefined();
    const [a] = await alerts();
    expect((a.data as { networks: string[] }).networks.sort()).toEqual(['198.51.100.0/24', '2001:db8:1::/64', '203.0.113.0/24']);
    await h.stop();
  });

  test('messages attempted past messagesPerHour × factor are a compromise too', async () => {
    const { h, accounts, clock, idle } = await ratelimitApp({ messagesPerHour: 1, compromiseFactor: 2 });
    const eom = () => h.run('checkRelay', relayRequest({ saslUsername: alice, protocolState: 'END-OF-MESSAGE', recipient: '', at: clock.now() }));
    expect(await eom()).toBeUndefined();
    await eom();
    await idle();
    expect(await accounts.isLocked(alice)).toBeUndefined();
    await eom();
    await idle();
    expect(await accounts.isLocked(alice)).toBeDefined();
    await h.stop();
  });

  test('after an admin unlocks, the account starts afresh within its normal limits', async () => {
    const { h, accounts, clock, alerts, idle } = await ratelimitApp({ recipientsPerHour: 1, compromiseFactor: 2 });
    for (let i = 0; i < 3; i++) await h.run('checkRelay', relayRequest({ saslUsername: alice, at: clock.now() }));
    await idle();
    expect(await accounts.unlock(alice, 'cli:admin')).toBe(true);
    clock.advance(3_600_000);
    expect(await h.run('checkRelay', relayRequest({ saslUsername: alice, at: clock.now() }))).toBeUndefined();
    expect(await h.run('checkRelay', relayRequest({ saslUsername: alice, at: clock.now() }))).toMatchObject({ action: 'tempfail', reason: expect.stringContaining('reached the limit') });
    await idle();
    expect(await accounts.isLocked(alice)).toBeUndefined();
    expect(await alerts()).toHaveLength(1);
    await h.stop();
  });

  test('unlocked too early while the attacker still has the password: a new flood locks it again', async () => {
    const { h, accounts, clock, idle } = await ratelimitApp({ recipientsPerHour: 1, compromiseFactor: 2 });
    const flood = async () => {
      for (let i = 0; i < 3; i++) await h.run('checkRelay', relayRequest({ saslUsername: alice, at: clock.now() }));
      await idle();
    };
    await flood();
    expect(await accounts.isLocked(alice)).toBeDefined();
    await accounts.unlock(alice, 'cli:admin');
    clock.advance(2 * 60_000);
    await flood();
    expect(await accounts.isLocked(alice)).toBeDefined();
    await h.stop();
  });

  test('remediate=false only alerts; a missing queue service is reported in the alert, not thrown', async () => {
    const off = await ratelimitApp({ recipientsPerHour: 1, compromiseFactor: 1, remediate: false });
    for (let i = 0; i < 2; i++) await off.h.run('checkRelay', relayRequest({ saslUsername: alice, at: off.clock.now() }));
    await off.idle();
    expect(await off.accounts.isLocked(alice)).toBeUndefined();
    expect(off.kicked).toEqual([]);
    expect(off.queue.bySender).toEqual([]);
    const [a] = await off.alerts();
    expect(a.text).toContain('Automatic remediation is off');
    await off.h.stop();

    const noQueue = await ratelimitApp({ recipientsPerHour: 1, compromiseFactor: 1 }, { queue: false });
    for (let i = 0; i < 2; i++) await noQueue.h.run('checkRelay', relayRequest({ saslUsername: alice, at: noQueue.clock.now() }));
    await noQueue.idle();
    expect(await noQueue.accounts.isLocked(alice)).toBeDefined();
    expect((await noQueue.alerts())[0].text).toContain('queued mail NOT held: no queue access configured');
    await noQueue.h.stop();
  });

  test('a trusted unauthenticated relay past the factor raises an alert and holds its mail, but there is no account to lock', async () => {
    const { h, accounts, clock, alerts, queue, idle } = await ratelimitApp({ recipientsPerHour: 1, compromiseFactor: 2, trustedClients: ['192.168.122.0/24'] });
    await h.run('checkRelay', relayRequest({ clientAddress: '192.168.122.111', protocolState: 'END-OF-MESSAGE', queueId: '3Pt2mN2VXxznjll', at: clock.now() }));
    for (let i = 0; i < 3; i++) await h.run('checkRelay', relayRequest({ clientAddress: '192.168.122.111', at: clock.now() }));
    await idle();
    const [a] = await alerts();
    expect(a.subject).toBe('Suspected compromised relay: 192.168.122.111');
    expect(queue.byIds).toEqual([['3Pt2mN2VXxznjll']]);
    expect(queue.bySender).toEqual([]);
    expect(await accounts.listLocks()).toEqual([]);
    await h.stop();
  });
});

describe('sender-ratelimit from the log follower (onMail)', () => {
  test('accepted mail is counted from log events and a flood is acted on; mail the policy already counted is not counted twice', async () => {
    const { h, accounts, clock, idle, queue } = await ratelimitApp({ messagesPerHour: 2, compromiseFactor: 2 });
    const event = (queueId: string, recipients = ['x@remote.test']) => ({ kind: 'accepted' as const, queueId, saslUsername: alice, clientAddress: '46.48.93.60', sender: alice, recipients, domain: 'example.com', at: clock.now() });
    // Seen by the policy at END-OF-MESSAGE: the log event for it must not count again.
    await h.run('checkRelay', relayRequest({ saslUsername: alice, protocolState: 'END-OF-MESSAGE', queueId: 'AB12', recipient: '', at: clock.now() }));
    for (let i = 0; i < 5; i++) await h.run('onMail', event('AB12'));
    await idle();
    expect(await accounts.isLocked(alice)).toBeUndefined();
    for (const q of ['C1', 'C2', 'C3', 'C4']) await h.run('onMail', event(q));
    await idle();
    expect(await accounts.isLocked(alice)).toBeDefined();
    expect(queue.byIds[0].sort()).toEqual(['AB12', 'C1', 'C2', 'C3', 'C4']);
    await h.stop();
  });

  test('other event kinds and unauthenticated untrusted senders are ignored', async () => {
    const { h, accounts, clock, idle } = await ratelimitApp({ messagesPerHour: 1, compromiseFactor: 1 });
    for (let i = 0; i < 5; i++) {
      await h.run('onMail', { kind: 'sent', queueId: `S${i}`, saslUsername: alice, sender: alice, recipients: ['x@y.test'], domain: 'example.com', at: clock.now() });
      await h.run('onMail', { kind: 'accepted', queueId: `U${i}`, clientAddress: '203.0.113.1', sender: 'x@y.test', recipients: ['a@example.com'], domain: 'example.com', at: clock.now() });
    }
    await idle();
    expect(h.notifier.sent).toEqual([]);
    await h.stop();
  });
});
