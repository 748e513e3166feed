import { bruteforce, hashOf, MIN } from './harness';

/*
 * Issue 14: a login's known network (where it succeeded recently) is often a
 * shared address (NAT, CGNAT, an office). An attacker behind that same
 * address must not be able to lock the owner out of it, while the
 * attacker's guesses at the owner's password stay capped.
 */

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const NAT = '100.64.7.1';
const PASSWORD = 'secret';
const PHONE = 'alice-phone-7f3a';

async function aliceKnowsTheNat(b: Awaited<ReturnType<typeof bruteforce>>, device?: string) {
  expect(await b.login(ALICE, NAT, PASSWORD, PASSWORD, device)).toBe('ok');
  b.clock.advance(60 * MIN);
}

test('an attacker behind the owner\'s NAT failing 10 logins once each blocks the NAT for others, not for the owner', async () => {
  const b = await bruteforce();
  await aliceKnowsTheNat(b);
  for (let i = 0; i < 10; i++) await b.login(`user${i}@example.com`, NAT, 'Summer2026!', 'x');
  expect(await b.host.listBlocks({ key: `net:${NAT}/32` }, b.clock.now())).toHaveLength(1);
  expect(await b.login(ALICE, NAT, PASSWORD, PASSWORD)).toBe('ok');
  expect(await b.login(BOB, NAT, 'pw', 'pw')).toBe('refused');
});

test('three guesses at the owner\'s password from the owner\'s own NAT do not refuse the owner there', async () => {
  const b = await bruteforce();
  await aliceKnowsTheNat(b);
  for (const pw of ['a', 'b', 'c']) expect(await b.login(ALICE, NAT, pw, PASSWORD)).toBe('wrong');
  expect(await b.login(ALICE, NAT, PASSWORD, PASSWORD)).toBe('ok');
});

test('on a known network the guesses stay capped at knownPairMaxFailures, and the owner\'s successes do not reset them', async () => {
  const b = await bruteforce();
  await aliceKnowsTheNat(b);
  let evaluated = 0;
  for (let i = 0; i < 40; i++) {
    if ((await b.login(ALICE, NAT, `guess-${i}`, PASSWORD)) === 'wrong') evaluated++;
    // The owner logging in between guesses must not hand the attacker fresh guesses, nor be refused.
    expect(await b.login(ALICE, NAT, PASSWORD, PASSWORD)).toBe('ok');
  }
  expect(evaluated).toBe(10);
  expect(await b.host.listBlocks({ key: `pair:${NAT}/32|${ALICE}` }, b.clock.now())).toHaveLength(1);
});

test('past the cap only the password that succeeded there gets through (by Dovecot\'s pwhash); guesses that happen to share its hash are capped too', async () => {
  const b = await bruteforce();
  await aliceKnowsTheNat(b);
  for (let i = 0; i < 10; i++) await b.login(ALICE, NAT, `guess-${i}`, PASSWORD);
  expect(await b.login(ALICE, NAT, 'another-guess', PASSWORD)).toBe('refused');
  // Dovecot's hash is truncated (12 bits by default): about one wrong password in 4096 shares it.
  const good = hashOf(ALICE, PASSWORD);
  for (let i = 0; i < 2; i++) {
    expect(await b.before(ALICE, NAT, good)).toBeUndefined();
    await b.report(ALICE, NAT, { success: false }, good);
  }
  expect(await b.before(ALICE, NAT, good)).toBeUndefined();
  await b.report(ALICE, NAT, { success: false }, good);
  // Three such failures in the window: the pair block now refuses every password, the owner's included.
  expect(await b.before(ALICE, NAT, good)).toMatchObject({ action: 'deny' });
});

test('a device that succeeded keeps working on the known network after the cap is reached; rotated device ids do not', async () => {
  const b = await bruteforce();
  await aliceKnowsTheNat(b, PHONE);
  let evaluated = 0;
  const start = b.clock.now();
  for (let t = 0; t < 60 * MIN; t += 10_000) {
    b.clock.set(start + t);
    // A fresh made-up device id per guess: a device of its own each time.
    if ((await b.login(ALICE, NAT, `guess-${t}`, PASSWORD, `made-up-${t}`)) === 'wrong') evaluated++;
    if (t % MIN === 0) expect(await b.login(ALICE, NAT, PASSWORD, PASSWORD, PHONE)).toBe('ok');
  }
  // 10, a 20-minute block, 10 more, a 40-minute block.
  expect(evaluated).toBeLessThanOrEqual(20);
  expect(await b.login(ALICE, NAT, 'yet-another-guess', PASSWORD, 'made-up-again')).toBe('refused');
});

test('a device failing maxFailures times on the known network is blocked alone, even with the owner\'s device id', async () => {
  const b = await bruteforce();
  await aliceKnowsTheNat(b, PHONE);
  // An attacker who learnt the phone's device id gets the per-device cap (3), not the known-pair one.
  for (const pw of ['a', 'b', 'c']) expect(await b.login(ALICE, NAT, pw, PASSWORD, PHONE)).toBe('wrong');
  expect(await b.login(ALICE, NAT, PASSWORD, PASSWORD, PHONE)).toBe('refused');
  // Other devices (and clients without one) on that network are not refused by it.
  expect(await b.login(ALICE, NAT, PASSWORD, PASSWORD, 'alice-laptop')).toBe('ok');
  expect(await b.login(ALICE, NAT, PASSWORD, PASSWORD)).toBe('ok');
});

test('on an unknown network nothing changes: 3 guesses block the pair, a success resets it', async () => {
  const b = await bruteforce();
  for (const pw of ['a', 'b']) await b.login(ALICE, '198.51.100.7', pw, PASSWORD);
  expect(await b.login(ALICE, '198.51.100.7', PASSWORD, PASSWORD)).toBe('ok');
  b.clock.advance(60 * MIN);
  // Now known: the higher cap applies there.
  for (const pw of ['c', 'd', 'e']) await b.login(ALICE, '198.51.100.7', pw, PASSWORD);
  expect(await b.login(ALICE, '198.51.100.7', PASSWORD, PASSWORD)).toBe('ok');
  for (const pw of ['a', 'b', 'c']) await b.login(ALICE, '198.51.100.8', pw, PASSWORD);
  expect(await b.login(ALICE, '198.51.100.8', PASSWORD, PASSWORD)).toBe('refused');
});

test('tarpit on a known network: the neighbour\'s failures delay the neighbour, not the owner\'s password or device', async () => {
  const b = await bruteforce({ tarpitSeconds: 2 });
  await aliceKnowsTheNat(b, PHONE);
  for (const pw of ['a', 'b', 'c']) await b.report(ALICE, NAT, { success: false }, hashOf(ALICE, pw));
  expect(await b.before(ALICE, NAT, hashOf(ALICE, 'd'))).toMatchObject({ action: 'delay', delaySeconds: 6 });
  expect(await b.before(ALICE, NAT, hashOf(ALICE, PASSWORD))).toBeUndefined();
  expect(await b.before(ALICE, NAT, hashOf(ALICE, 'd'), PHONE)).toBeUndefined();
});
