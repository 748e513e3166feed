import { bruteforce, hashOf, MIN } from './harness';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const ATTACKER = '198.51.100.7';

describe('password-bruteforce: one (login, network) pair', () => {
  test('3 distinct wrong passwords block the pair: the 4th attempt is refused even with the right password', async () => {
    const b = await bruteforce();
    for (const pw of ['a', 'b', 'c']) expect(await b.login(ALICE, ATTACKER, pw, 'secret')).toBe('wrong');
    expect(await b.login(ALICE, ATTACKER, 'secret', 'secret')).toBe('refused');
    const blocks = await b.host.listBlocks({ login: ALICE }, b.clock.now());
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toMatchObject({ key: `pair:${ATTACKER}/32|${ALICE}`, domain: 'example.com', login: ALICE, network: `${ATTACKER}/32`, source: 'password-bruteforce', strikes: 1 });
    expect(blocks[0].expiresAt - blocks[0].createdAt).toBe(20 * MIN);
  });

  test('two wrong passwords are not a block', async () => {
    const b = await bruteforce();
    for (const pw of ['a', 'b']) await b.login(ALICE, ATTACKER, pw, 'secret');
    expect(await b.login(ALICE, ATTACKER, 'secret', 'secret')).toBe('ok');
  });

  test('the same wrong password 10 times counts once and does not block', async () => {
    const b = await bruteforce();
    for (let i = 0; i < 10; i++) expect(await b.login(ALICE, ATTACKER, 'old-password', 'secret')).toBe('wrong');
    expect(await b.login(ALICE, ATTACKER, 'secret', 'secret')).toBe('ok');
    expect(await b.host.listBlocks({}, b.clock.now())).toEqual([]);
  });

  test('failures without a password hash (log follower) each count', async () => {
    const b = await bruteforce();
    for (let i = 0; i < 3; i++) await b.report(ALICE, ATTACKER, { success: false });
    expect(await b.before(ALICE, ATTACKER)).toMatchObject({ action: 'deny' });
  });

  test('a success resets the pair', async () => {
    const b = await bruteforce();
    await b.login(ALICE, ATTACKER, 'a', 'secret');
    await b.login(ALICE, ATTACKER, 'b', 'secret');
    expect(await b.login(ALICE, ATTACKER, 'secret', 'secret')).toBe('ok');
    await b.login(ALICE, ATTACKER, 'c', 'secret');
    await b.login(ALICE, ATTACKER, 'd', 'secret');
    expect(await b.login(ALICE, ATTACKER, 'secret', 'secret')).toBe('ok');
  });

  test('failures older than the find time no longer count (exact boundary)', async () => {
    const b = await bruteforce();
    await b.login(ALICE, ATTACKER, 'a', 'secret');
    await b.login(ALICE, ATTACKER, 'b', 'secret');
    b.clock.advance(20 * MIN);
    await b.login(ALICE, ATTACKER, 'c', 'secret');
    expect(await b.before(ALICE, ATTACKER)).toBeUndefined();
    // one millisecond earlier, the two old failures are still in the window
    const c = await bruteforce();
    await c.login(ALICE, ATTACKER, 'a', 'secret');
    await c.login(ALICE, ATTACKER, 'b', 'secret');
    c.clock.advance(20 * MIN - 1);
    await c.login(ALICE, ATTACKER, 'c', 'secret');
    expect(await c.before(ALICE, ATTACKER)).toMatchObject({ action: 'deny' });
  });

  test('a block expires on time, to the millisecond', async () => {
    const b = await bruteforce();
    for (const pw of ['a', 'b', 'c']) await b.login(ALICE, ATTACKER, pw, 'secret');
    b.clock.advance(20 * MIN - 1);
    expect(await b.login(ALICE, ATTACKER, 'secret', 'secret')).toBe('refused');
    b.clock.advance(1);
    expect(await b.login(ALICE, ATTACKER, 'secret', 'secret')).toBe('ok');
  });

  test('repeat offenders: each new block doubles, up to maxBlockMinutes', async () => {
    const b = await bruteforce({ maxBlockMinutes: 100 });
    const lengths: number[] = [];
    for (let round = 0; round < 5; round++) {
      for (const pw of ['a', 'b', 'c']) expect(await b.login(ALICE, ATTACKER, `${pw}${round}`, 'secret')).toBe('wrong');
      const [blk] = await b.host.listBlocks({ login: ALICE }, b.clock.now());
      lengths.push((blk.expiresAt - blk.createdAt) / MIN);
      b.clock.set(blk.expiresAt);
    }
    expect(lengths).toEqual([20, 40, 80, 100, 100]);
  });

  test('failures reported for a pair that is already blocked neither extend nor repeat the block', async () => {
    const b = await bruteforce();
    for (const pw of ['a', 'b', 'c']) await b.login(ALICE, ATTACKER, pw, 'secret');
    const [first] = await b.host.listBlocks({ login: ALICE }, b.clock.now());
    b.clock.advance(MIN);
    // e.g. log lines or a race: the attempts were not refused before the password check
    for (const pw of ['d', 'e', 'f', 'g']) await b.report(ALICE, ATTACKER, { success: false }, hashOf(ALICE, pw));
    expect(await b.host.listBlocks({ login: ALICE }, b.clock.now())).toEqual([first]);
    b.clock.set(first.expiresAt);
    expect(await b.login(ALICE, ATTACKER, 'secret', 'secret')).toBe('ok');
  });

  test('strikes are forgotten strikeMemoryHours after a block ends', async () => {
    const b = await bruteforce({ strikeMemoryHours: 1 });
    for (const pw of ['a', 'b', 'c']) await b.login(ALICE, ATTACKER, pw, 'secret');
    b.clock.advance(20 * MIN + 60 * MIN);
    for (const pw of ['d', 'e', 'f']) await b.login(ALICE, ATTACKER, pw, 'secret');
    const [blk] = await b.host.listBlocks({ login: ALICE }, b.clock.now());
    expect(blk.strikes).toBe(1);
    expect(blk.expiresAt - blk.createdAt).toBe(20 * MIN);
  });

  test('another user from the same network is unaffected by a pair block', async () => {
    const b = await bruteforce();
    for (const pw of ['a', 'b', 'c']) await b.login(ALICE, ATTACKER, pw, 'secret');
    expect(await b.login(BOB, ATTACKER, 'pw', 'pw')).toBe('ok');
    expect(await b.login(ALICE, '203.0.113.9', 'secret', 'secret')).toBe('ok');
  });

  test('logins are case-folded: Alice@Example.COM is alice@example.com', async () => {
    const b = await bruteforce();
    await b.login('Alice@Example.COM', ATTACKER, 'a', 'secret');
    await b.login(' alice@EXAMPLE.com', ATTACKER, 'b', 'secret');
    await b.login('ALICE@example.com', ATTACKER, 'c', 'secret');
    expect(await b.login(ALICE, ATTACKER, 'secret', 'secret')).toBe('refused');
    expect((await b.host.listBlocks({}, b.clock.now()))[0].login).toBe(ALICE);
  });

  test('IPv6 addresses of one /64 are one network; another /64 is another', async () => {
    const b = await bruteforce();
    await b.login(ALICE, '2001:db8:1:2::1', 'a', 'secret');
    await b.login(ALICE, '2001:db8:1:2:ffff::9', 'b', 'secret');
    await b.login(ALICE, '2001:DB8:1:2:abcd:0:0:1', 'c', 'secret');
    expect(await b.login(ALICE, '2001:db8:1:2::77', 'secret', 'secret')).toBe('refused');
    expect(await b.login(ALICE, '2001:db8:1:3::1', 'secret', 'secret')).toBe('ok');
    expect((await b.host.listBlocks({}, b.clock.now()))[0].network).toBe('2001:db8:1:2::/64');
    expect(await b.host.listBlocks({ ip: '2001:db8:1:2::5' }, b.clock.now())).toHaveLength(1);
  });

  test('configurable prefixes: IPv4 /24 aggregation', async () => {
    const b = await bruteforce({ ipv4Prefix: 24 });
    for (const [i, pw] of ['a', 'b', 'c'].entries()) await b.login(ALICE, `198.51.100.${i + 1}`, pw, 'secret');
    expect(await b.login(ALICE, '198.51.100.200', 'secret', 'secret')).toBe('refused');
    expect((await b.host.listBlocks({}, b.clock.now()))[0].network).toBe('198.51.100.0/24');
  });

  test('unknown users are counted exactly like existing ones, with the same reply', async () => {
    const b = await bruteforce();
    for (const pw of ['a', 'b', 'c']) await b.report('nobody@example.com', ATTACKER, { success: false, failType: 'account' }, hashOf('nobody', pw));
    for (const pw of ['a', 'b', 'c']) await b.report(ALICE, ATTACKER, { success: false, failType: 'credentials' }, hashOf('alice', pw));
    const unknown = await b.before('nobody@example.com', ATTACKER, hashOf('nobody', 'x'));
    const known = await b.before(ALICE, ATTACKER, hashOf('alice', 'x'));
    expect(unknown).toEqual(known);
    expect(known).toMatchObject({ action: 'deny' });
  });

  test('policy rejections and internal failures are not counted', async () => {
    const b = await bruteforce();
    for (let i = 0; i < 5; i++) await b.report(ALICE, ATTACKER, { success: false, policyReject: true }, `p${i}`);
    for (let i = 0; i < 5; i++) await b.report(ALICE, ATTACKER, { success: false, failType: 'internal' }, `i${i}`);
    expect(await b.before(ALICE, ATTACKER)).toBeUndefined();
  });

  test('trusted networks (loopback by default) are never counted nor blocked', async () => {
    const b = await bruteforce();
    for (const pw of ['a', 'b', 'c', 'd']) expect(await b.login(ALICE, '127.0.0.5', pw, 'secret')).toBe('wrong');
    expect(await b.login(ALICE, '127.0.0.5', 'secret', 'secret')).toBe('ok');
    b.setConfig({ trustedNetworks: ['192.0.2.0/24'] });
    for (const pw of ['a', 'b', 'c', 'd']) await b.login(ALICE, '192.0.2.77', pw, 'secret');
    expect(await b.login(ALICE, '192.0.2.77', 'secret', 'secret')).toBe('ok');
    for (const pw of ['a', 'b', 'c']) await b.login(ALICE, '127.0.0.5', pw, 'secret');
    expect(await b.login(ALICE, '127.0.0.5', 'secret', 'secret')).toBe('refused');
  });

  test('tarpit: below the threshold the attempt is delayed, not refused', async () => {
    const b = await bruteforce({ tarpitSeconds: 2 });
    expect(await b.before(ALICE, ATTACKER, 'h0')).toBeUndefined();
    await b.report(ALICE, ATTACKER, { success: false }, 'h1');
    expect(await b.before(ALICE, ATTACKER, 'h0')).toMatchObject({ action: 'delay', delaySeconds: 2 });
    await b.report(ALICE, ATTACKER, { success: false }, 'h2');
    expect(await b.before(ALICE, ATTACKER, 'h0')).toMatchObject({ action: 'delay', delaySeconds: 4 });
    await b.report(ALICE, ATTACKER, { success: false }, 'h3');
    expect(await b.before(ALICE, ATTACKER, 'h0')).toMatchObject({ action: 'deny' });
  });

  test('afterSuccess refuses a blocked pair too (no tarpit there)', async () => {
    const b = await bruteforce({ tarpitSeconds: 2 });
    await b.report(ALICE, ATTACKER, { success: false }, 'h1');
    const a = { domain: 'example.com', login: ALICE, remoteIp: ATTACKER, protocol: 'imap' as const, at: b.clock.now() };
    const ctx = { domain: 'example.com', config: (await import('./harness')).configOf({ tarpitSeconds: 2 }), plugin: 'password-bruteforce' };
    expect(await b.hooks.afterSuccess(a, ctx)).toBeUndefined();
    await b.report(ALICE, ATTACKER, { success: false }, 'h2');
    await b.report(ALICE, ATTACKER, { success: false }, 'h3');
    expect(await b.hooks.afterSuccess(a, ctx)).toMatchObject({ action: 'deny' });
  });

  test('each new block is notified (with a dedupe key) and counted in metrics', async () => {
    const b = await bruteforce();
    for (const pw of ['a', 'b', 'c']) await b.login(ALICE, ATTACKER, pw, 'secret');
    await new Promise((r) => setImmediate(r));
    expect(b.notes).toHaveLength(1);
    expect(b.notes[0]).toMatchObject({ severity: 'warning', domain: 'example.com', dedupeKey: `password-bruteforce:example.com:pair:${ALICE}` });
    expect(JSON.stringify(b.notes[0])).not.toContain(hashOf(ALICE, 'a'));
    expect(b.counts['bruteforce_blocks{"kind":"pair"}']).toBe(1);
  });
});

describe('password-bruteforce: account-wide and spraying rules', () => {
  const net = (i: number) => `203.0.${Math.floor(i / 250)}.${(i % 250) + 1}`;

  test('failures from 10 networks block the login everywhere except its known networks', async () => {
    const b = await bruteforce();
    const HOME = '192.0.2.10';
    expect(await b.login(ALICE, HOME, 'secret', 'secret')).toBe('ok');
    b.clock.advance(24 * 60 * MIN);
    for (let i = 0; i < 9; i++) await b.login(ALICE, net(i), `x${i}`, 'secret');
    expect(await b.login(ALICE, net(50), 'secret', 'secret')).toBe('ok');
    await b.login(ALICE, net(9), 'x9', 'secret');
    const blocks = await b.host.listBlocks({ key: `login:${ALICE}` }, b.clock.now());
    expect(blocks).toHaveLength(1);
    expect(blocks[0].network).toBeUndefined();
    // the attacker's networks and any new one are refused; the victim at home is not
    expect(await b.login(ALICE, net(51), 'secret', 'secret')).toBe('refused');
    expect(await b.login(ALICE, HOME, 'secret', 'secret')).toBe('ok');
    // another user is unaffected
    expect(await b.login(BOB, net(51), 'pw', 'pw')).toBe('ok');
  });

  test('a victim keeps logging in from a known network while an attacker blocks the login from 10 others', async () => {
    const b = await bruteforce();
    const HOME = '2001:db8:aa:1::5';
    await b.login(ALICE, HOME, 'secret', 'secret');
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < 10; i++) await b.login(ALICE, net(i), `r${round}-${i}`, 'secret');
      // the phone's other address in the same /64
      expect(await b.login(ALICE, '2001:db8:aa:1::99', 'secret', 'secret')).toBe('ok');
      b.clock.advance(MIN);
    }
    expect(await b.host.listBlocks({ key: `login:${ALICE}` }, b.clock.now())).toHaveLength(1);
  });

  test('a network is known only for knownNetworkDays after the last success', async () => {
    const b = await bruteforce({ knownNetworkDays: 2 });
    const HOME = '192.0.2.10';
    await b.login(ALICE, HOME, 'secret', 'secret');
    b.clock.advance(2 * 24 * 60 * MIN);
    for (let i = 0; i < 10; i++) await b.login(ALICE, net(i), `x${i}`, 'secret');
    expect(await b.login(ALICE, HOME, 'secret', 'secret')).toBe('refused');
  });

  test('spraying: one network failing for 10 logins is blocked for all logins', async () => {
    const b = await bruteforce();
    for (let i = 0; i < 9; i++) await b.login(`user${i}@example.com`, ATTACKER, 'guess', 'secret');
    // Asked, not logged in: a success would make the network Bob's known one, which a network block spares.
    expect(await b.before(BOB, ATTACKER)).toBeUndefined();
    await b.login('user9@example.com', ATTACKER, 'guess', 'secret');
    expect(await b.login(BOB, ATTACKER, 'pw', 'pw')).toBe('refused');
    expect(await b.login(BOB, '198.51.100.8', 'pw', 'pw')).toBe('ok');
    const [blk] = await b.host.listBlocks({ key: `net:${ATTACKER}/32` }, b.clock.now());
    expect(blk).toMatchObject({ network: `${ATTACKER}/32`, domain: 'example.com' });
    expect(blk.login).toBeUndefined();
  });

  test('0 turns the account-wide and spraying rules off', async () => {
    const b = await bruteforce({ loginMaxNetworks: 0, ipMaxLogins: 0 });
    for (let i = 0; i < 20; i++) await b.login(ALICE, net(i), `x${i}`, 'secret');
    for (let i = 0; i < 20; i++) await b.login(`u${i}@example.com`, ATTACKER, 'guess', 'secret');
    expect(await b.login(ALICE, net(99), 'secret', 'secret')).toBe('ok');
    expect(await b.login(BOB, ATTACKER, 'pw', 'pw')).toBe('ok');
  });

  test('blocks survive in the store and are per domain', async () => {
    const b = await bruteforce();
    for (const pw of ['a', 'b', 'c']) await b.login('carol@other.org', ATTACKER, pw, 'secret');
    expect(await b.host.listBlocks({ domain: 'other.org' }, b.clock.now())).toHaveLength(1);
    expect(await b.host.listBlocks({ domain: 'example.com' }, b.clock.now())).toHaveLength(0);
    await b.host.clearBlocks({ login: 'carol@other.org' });
    expect(await b.login('carol@other.org', ATTACKER, 'secret', 'secret')).toBe('ok');
  });
});
