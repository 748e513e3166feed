'use strict';
// Password policy throughput: checks/s through the auth pipeline with the
// real password-sizestrength bundle, against baselines measured in the same
// process: a bare code-point length check, and the policy with zxcvbn off.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');
const { App } = require(path.join(dist, 'app', 'host', 'core', 'app'));
const { loadHostConfig } = require(path.join(dist, 'app', 'host', 'core', 'config', 'host-config'));
const { MemoryStore } = require(path.join(dist, 'app', 'host', 'core', 'state', 'memory-store'));

const ID = 'password-sizestrength';
const TYPICAL = [
  'Été2024!x', 'ПАРОЛЬ123!a', 'Summer2024!', 'Tr0ub4dour&3', 'correct horse battery staple', 'kT9#mQ2$vLx7!pR',
  'Password1!', 'Marseille13!', 'Bonjour#2025', 'Passwort!123', 'qwerty', 'letmein', 'Dragon!2024', 'Zebra#77',
  'J3anDup0nt!', 'MyDog$Rex2019', '🙂Smile2024!', 'Ünïcödé#42x', 'abcabcabc1A!', 'N0t-So-Simple?',
];
const HUGE = 'Aa1!'.repeat(25_000); // 100,000 characters

function pluginDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bench-pw-'));
  fs.cpSync(path.join(dist, 'plugins', ID), path.join(dir, ID), { recursive: true });
  return dir;
}

/**
 * Calls per second of fn over inputs: the best of three runs of about `ms`
 * each (the machine is shared; the best run is the least disturbed one).
 */
async function rate(inputs, fn, ms = 1000) {
  for (const x of inputs) await fn(x); // warm-up (and zxcvbn's first load)
  let best = 0;
  for (let run = 0; run < 3; run++) best = Math.max(best, await timed(inputs, fn, ms));
  return best;
}

async function timed(inputs, fn, ms) {
  let calls = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(ms) * 1_000_000n;
  let elapsed = 0n;
  while (elapsed < limit && calls < 5_000_000) {
    for (const x of inputs) await fn(x);
    calls += inputs.length;
    elapsed = process.hrtime.bigint() - start;
  }
  return calls / (Number(elapsed) / 1e9);
}

const fmt = (n) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));

(async () => {
  const dir = pluginDir();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bench-data-'));
  const config = { ...loadHostConfig({ dataDir, pluginDir: dir, env: {} }), log: { level: 'silent' } };
  const app = await App.open({ config, store: new MemoryStore() });
  const failures = await app.loadPlugins({ startServices: false });
  if (failures.length) throw new Error(`plugin failed: ${JSON.stringify(failures)}`);
  const plugin = app.registry.get(ID);
  await app.settings.addDomain('full.example', 'bench');
  await app.settings.addDomain('nozx.example', 'bench');
  await app.settings.setConfig('nozx.example', plugin, { minStrength: 0 }, 'bench');

  const check = (domain) => (pw) => app.pipeline.validatePassword({ domain, login: `jean.dupont@${domain}`, displayName: 'Jean Dupont', newPassword: pw });
  const bare = (pw) => {
    let n = 0;
    for (const _ of pw) n++; // eslint-disable-line no-unused-vars
    return n <= 128;
  };

  const baseline = await rate(TYPICAL, bare);
  const noZx = await rate(TYPICAL, check('nozx.example'));
  const full = await rate(TYPICAL, check('full.example'));
  const hugeBare = await rate([HUGE], bare, 500);
  const hugeFull = await rate([HUGE], check('full.example'), 500);
  const hugeV = await check('full.example')(HUGE);
  if (hugeV.length !== 1 || hugeV[0].rule !== 'maxLength') throw new Error(`100k input should be refused by maxLength alone, got ${hugeV.map((v) => v.rule)}`);

  // History on: one stored scrypt hash per login makes each check derive one key.
  await app.pipeline.passwordChanged({ domain: 'full.example', login: 'jean.dupont@full.example', newPassword: 'Old#Password1' });
  const withHistory = await rate(TYPICAL.slice(0, 4), check('full.example'));

  console.log(`password policy (${TYPICAL.length} typical passwords, pipeline + real plugin bundle)`);
  console.log(`  baseline: bare code-point length check      ${fmt(baseline)} checks/s`);
  console.log(`  policy without zxcvbn (minStrength 0)       ${fmt(noZx)} checks/s`);
  console.log(`  full policy (zxcvbn, common list, parts)    ${fmt(full)} checks/s  = ${(full / noZx).toFixed(3)} x the policy without zxcvbn`);
  console.log(`  full policy + 1 history entry (scrypt N=2^14) ${fmt(withHistory)} checks/s  = ${(withHistory / full).toFixed(3)} x the full policy without history`);
  console.log(`100,000-character input (refused by maxLength alone)`);
  console.log(`  baseline: bare code-point length check      ${fmt(hugeBare)} checks/s`);
  console.log(`  full policy through the pipeline            ${fmt(hugeFull)} checks/s  = ${(hugeFull / hugeBare).toFixed(2)} x the bare length check, ${(hugeFull / full).toFixed(1)} x a typical password`);
  await app.close();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(dataDir, { recursive: true, force: true });
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
