import { bruteforce, MIN } from './harness';

/*
 * Attacks played on the injected clock with the default settings. "Evaluated"
 * counts the wrong passwords the mail server actually checked, i.e. the
 * guesses the attacker got; refused attempts never reach the password check.
 */

const HOUR_MS = 60 * MIN;
const VICTIM = 'alice@example.com';
const PASSWORD = 'correct horse battery staple';
const HOME = '192.0.2.10';
const attackerNet = (i: number) => `203.0.${Math.floor(i / 250)}.${(i % 250) + 1}`;
const report: string[] = [];

afterAll(() => {
  process.stdout.write(`\npassword-bruteforce attack simulation (defaults, 1 hour each):\n${report.map((l) => `  ${l}\n`).join('')}`);
});

async function owner(b: Awaited<ReturnType<typeof bruteforce>>, stats: { ok: number; refused: number }) {
  const r = await b.login(VICTIM, HOME, PASSWORD, PASSWORD);
  if (r === 'ok') stats.ok++;
  else stats.refused++;
}

/** One attempt a second for an hour; counts the wrong passwords that were evaluated. */
async function everySecondForAnHour(attempt: (b: Awaited<ReturnType<typeof bruteforce>>, n: number) => Promise<string>) {
  const b = await bruteforce();
  const start = b.clock.now();
  let evaluated = 0;
  let attempts = 0;
  for (let t = 0; t < HOUR_MS; t += 1000) {
    b.clock.set(start + t);
    attempts++;
    if ((await attempt(b, attempts)) === 'wrong') evaluated++;
  }
  return { attempts, evaluated };
}

test('one network hammering one account for an hour gets at most 9 wrong passwords evaluated', async () => {
  const { attempts, evaluated } = await everySecondForAnHour((b, n) => b.login(VICTIM, '198.51.100.66', `guess-${n}`, PASSWORD));
  report.push(`1 network, 1 attempt/s: ${attempts} attempts, ${evaluated} wrong passwords evaluated (plain Dovecot's penalty lets ~2000/h through)`);
  expect(attempts).toBe(3600);
  expect(evaluated).toBeGreaterThanOrEqual(3);
  expect(evaluated).toBeLessThanOrEqual(9);
});

for (const order of ['round-robin', 'burst'] as const) {
  test(`100 networks hammering one account (${order}) get at most 60 in total; the owner on a known network is never refused`, async () => {
    const b = await bruteforce();
    const stats = { ok: 0, refused: 0 };
    await owner(b, stats);
    b.clock.advance(24 * HOUR_MS);
    const start = b.clock.now();
    let evaluated = 0;
    let attempts = 0;
    let nextOwner = 0;
    for (let t = 0; t < HOUR_MS; t += 10_000) {
      b.clock.set(start + t);
      if (t >= nextOwner) {
        await owner(b, stats);
        nextOwner += MIN;
      }
      for (let n = 0; n < 100; n++) {
        // round-robin: one guess per network per round; burst: each network guesses until refused
        for (let k = 0; k < (order === 'burst' ? 5 : 1); k++) {
          attempts++;
          const r = await b.login(VICTIM, attackerNet(n), `guess-${attempts}`, PASSWORD);
          if (r === 'wrong') evaluated++;
          else break;
        }
      }
    }
    report.push(`100 networks (${order}): ${attempts} attempts, ${evaluated} wrong passwords evaluated; owner every minute from a known network: ${stats.ok} ok, ${stats.refused} refused`);
    expect(evaluated).toBeGreaterThanOrEqual(10);
    expect(evaluated).toBeLessThanOrEqual(60);
    expect(stats.refused).toBe(0);
    expect(stats.ok).toBe(61);
  });
}

test('one network spraying 1000 accounts gets at most 30 guesses in an hour', async () => {
  const { attempts, evaluated } = await everySecondForAnHour((b, n) => b.login(`user${n % 1000}@example.com`, '198.51.100.99', 'Summer2026!', PASSWORD));
  report.push(`1 network spraying 1000 accounts, 1 attempt/s: ${attempts} attempts, ${evaluated} wrong passwords evaluated`);
  expect(evaluated).toBeGreaterThanOrEqual(10);
  expect(evaluated).toBeLessThanOrEqual(30);
});

for (const phone of ['alice-phone', undefined]) {
  test(`an attacker behind the owner's own NAT (1 guess/s, a new device id each time) for an hour; the owner every minute ${phone ? 'from a phone that sends a device id' : 'without a device id'}`, async () => {
    const b = await bruteforce();
    const NAT = '100.64.7.1';
    expect(await b.login(VICTIM, NAT, PASSWORD, PASSWORD, phone)).toBe('ok');
    b.clock.advance(HOUR_MS);
    const start = b.clock.now();
    let evaluated = 0;
    const stats = { ok: 0, refused: 0 };
    for (let t = 0; t < HOUR_MS; t += 1000) {
      b.clock.set(start + t);
      if ((await b.login(VICTIM, NAT, `guess-${t}`, PASSWORD, `made-up-${t}`)) === 'wrong') evaluated++;
      if (t % MIN === 0) {
        if ((await b.login(VICTIM, NAT, PASSWORD, PASSWORD, phone)) === 'ok') stats.ok++;
        else stats.refused++;
      }
    }
    report.push(`1 attacker behind the owner's NAT, 1 attempt/s: ${evaluated} wrong passwords evaluated; owner every minute ${phone ? 'with' : 'without'} a device id: ${stats.ok} ok, ${stats.refused} refused`);
    // knownPairMaxFailures (10) per block, blocks of 20 then 40 minutes.
    expect(evaluated).toBeLessThanOrEqual(20);
    expect(stats.refused).toBe(0);
  });
}
