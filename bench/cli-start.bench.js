'use strict';
// How long each CLI command takes as a whole process, against `node -e 0`
// measured in the same run: the two are run in turn, pair by pair, and the
// ratio of each pair is taken (a shared machine's speed drifts; a pair does
// not). Pairs are taken in rounds over all commands. Target: every command but `serve` at most 2x `node -e 0`.
// Each command works on a fresh configuration of its own: the built plugins
// (dist/plugins), a SQLite store in a temporary directory, and a postconf
// that does not exist (doctor: "Postfix is not installed here", its fast path).
// CLI_START_BENCH_RUNS pairs per command (default 9); CLI_START_BENCH_BIN runs
// another build's bin/mailwarden.js.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const bin = path.resolve(process.env.CLI_START_BENCH_BIN || path.join(root, 'bin', 'mailwarden.js'));
const runs = Number(process.env.CLI_START_BENCH_RUNS || 9);
const pluginDir = path.join(path.dirname(bin), '..', 'dist', 'plugins');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-cli-start-bench-'));
const config = path.join(dir, 'mailwarden.json');
const log = path.join(dir, 'mail.log');

fs.writeFileSync(config, JSON.stringify({ dataDir: path.join(dir, 'data'), pluginDir, defaultDomain: 'example.com', postfix: { postconfPath: path.join(dir, 'no-postconf') } }));
const lines = [];
for (let i = 0; i < 10; i++) {
  lines.push(`Nov 29 10:00:${String(i).padStart(2, '0')} mx postfix/smtpd[${100 + i}]: warning: unknown[198.51.100.${i}]: SASL LOGIN authentication failed: authentication failure, sasl_username=user${i}@example.com`);
}
fs.writeFileSync(log, lines.join('\n') + '\n');

const COMMANDS = [
  ['--version'],
  ['help'],
  ['domains', 'list'],
  ['blocks', 'list'],
  ['plugins', 'list'],
  ['config', 'get', 'trusted-ips'],
  ['config', 'set', 'trusted-ips', 'cacheSeconds=2'],
  ['doctor', '--no-dovecot'],
  ['trusted-ips', 'list'],
  ['reputation', 'status'],
  ['logs', 'scan', log],
];

const env = { ...process.env, MAILWARDEN_CONFIG: config };
function wall(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) throw r.error;
  return { s, status: r.status, stderr: String(r.stderr) };
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// The store exists before the first timed command (a first start creates it).
const first = wall([bin, 'domains', 'list']);
if (first.status !== 0) throw new Error(`mailwarden domains list failed: ${first.stderr}`);

console.log(`${runs} pairs each, whole-process wall time; ratio = command / node -e 0, pair by pair (median, min-max)`);
console.log('rounds: each round times every command once, so a burst of load on the shared machine lands on a pair or two of each command, not on one command\'s pairs');
console.log(`${'command'.padEnd(42)} ${'exit'.padStart(4)} ${'median s'.padStart(9)} ${'ratio'.padStart(6)}  min-max`);
wall(['-e', '0']);
const warm = COMMANDS.map((args) => wall([bin, ...args]));
const ratios = COMMANDS.map(() => []);
const times = COMMANDS.map(() => []);
for (let i = 0; i < runs; i++) {
  COMMANDS.forEach((args, c) => {
    const base = wall(['-e', '0']).s;
    const t = wall([bin, ...args]).s;
    times[c].push(t);
    ratios[c].push(t / base);
  });
}
let over = 0;
COMMANDS.forEach((args, c) => {
  const r = median(ratios[c]);
  if (r > 2) over++;
  const name = args.map((a) => (a === log ? '<10-line log>' : a)).join(' ');
  console.log(`${name.padEnd(42)} ${String(warm[c].status).padStart(4)} ${median(times[c]).toFixed(3).padStart(9)} ${r.toFixed(2).padStart(6)}  ${Math.min(...ratios[c]).toFixed(2)}-${Math.max(...ratios[c]).toFixed(2)}${r > 2 ? '  (over 2x)' : ''}`);
});
console.log(over ? `${over} command(s) over 2x node -e 0` : 'every command within 2x node -e 0');
fs.rmSync(dir, { recursive: true, force: true });
