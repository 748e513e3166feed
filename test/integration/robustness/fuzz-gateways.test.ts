import { Prng, fuzzSettings, heapAfterGc } from '../../fuzz/prng';
import { dovecotPost, fuzzDovecot, fuzzPostfix, policyRequestText, rawExchange, slowLoris, startGateways, validAttempt } from '../../fuzz/gateway-fuzz';

/*
 * Bounded, seeded fuzzing of both gateways in one process (longer runs:
 * `npm run fuzz`). After each run the server must still answer correctly,
 * its heap must be back near the baseline and no promise may have been
 * rejected unhandled.
 */

const { seed, iterations } = fuzzSettings(250);
/** Heap growth allowed after a run, once garbage is collected. */
const HEAP_BOUND_BYTES = 24 * 1024 * 1024;

let unhandled = 0;
const onUnhandled = () => void unhandled++;
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));

async function stillCorrect(g: Awaited<ReturnType<typeof startGateways>>, tag: string): Promise<void> {
  const fresh = await dovecotPost(g.dovecotPort, 'allow', JSON.stringify(validAttempt(`fresh-${tag}@example.com`, '192.0.2.77', 'x')));
  expect(fresh).toMatchObject({ status: 200 });
  expect(JSON.parse(fresh.body).status).toBe(0);
  for (const h of ['h1', 'h2', 'h3']) await dovecotPost(g.dovecotPort, 'report', JSON.stringify({ ...validAttempt(`victim-${tag}@example.com`, '192.0.2.78', h), success: false, policy_reject: false }));
  const blocked = await dovecotPost(g.dovecotPort, 'allow', JSON.stringify(validAttempt(`victim-${tag}@example.com`, '192.0.2.78', 'y')));
  expect(JSON.parse(blocked.body).status).toBe(-1);
  const r = await rawExchange(g.postfixPort, [policyRequestText({ request: 'smtpd_access_policy', protocol_state: 'RCPT', client_address: '203.0.113.5', sender: 'a@example.com', recipient: 'b@example.net' })], 3000, { untilReplies: 1 });
  expect(r.text).toBe('action=DUNNO\n\n');
}

test(`Dovecot and Postfix gateways survive ${iterations} fuzzed requests each (seed ${seed})`, async () => {
  const g = await startGateways();
  try {
    await stillCorrect(g, 'warmup');
    const baseline = heapAfterGc();
    const t0 = Date.now();
    const dovecot = await fuzzDovecot(g.dovecotPort, new Prng(seed), iterations);
    const postfix = await fuzzPostfix(g.postfixPort, new Prng(seed + 1), iterations);

    const loris = await slowLoris(g.dovecotPort, 30, 2000);
    const during = Date.now();
    await stillCorrect(g, 'loris');
    const lorisMs = Date.now() - during;
    for (const s of loris) s.destroy();

    const elapsed = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 200));
    const after = heapAfterGc();
    // eslint-disable-next-line no-console
    console.log(`fuzz seed ${seed}: dovecot ${JSON.stringify({ ...dovecot, failures: dovecot.failures.length })}, postfix ${JSON.stringify({ ...postfix, failures: postfix.failures.length })}, ${elapsed} ms, heap ${(baseline / 1e6).toFixed(1)} → ${(after / 1e6).toFixed(1)} MB, answer during slow-loris ${lorisMs} ms`);
    expect(dovecot.failures).toEqual([]);
    expect(postfix.failures).toEqual([]);
    expect(dovecot.answered).toBeGreaterThan(iterations / 2);
    expect(postfix.answered).toBeGreaterThan(iterations / 4);
    expect(lorisMs).toBeLessThan(2000);
    await stillCorrect(g, 'after');
    expect(after - baseline).toBeLessThan(HEAP_BOUND_BYTES);
    expect(unhandled).toBe(0);
    // The gateways logged the garbage as bad requests, never as crashes.
    expect(g.logs.lines.filter((l) => (l.level as number) >= 60)).toEqual([]);
  } finally {
    await g.stop();
  }
}, Math.max(180_000, iterations * 500));
