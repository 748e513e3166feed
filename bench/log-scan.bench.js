'use strict';
// `mailwarden logs scan` on one generated realistic mail log of 2.2M lines
// (bench/gen-maillog.js: Postfix and Dovecot, brute force, a blocklisted
// relay, rejects, pickups), against, in the same run and on the same file:
//   wc -l                          the I/O bound (reading the file at all);
//   pflogsumm                      whole file; target: scan >= 10x faster;
//   fail2ban-regex postfix[mode=auth]  on a 200k-line slice, scaled to the
//                                  whole file (it is too slow for all of it); target >= 30x;
// the scan's CPU time (user + system, all its threads: on a shared machine the
// steadier figure), and its peak RSS (target < 150 MB, the process's own high-water mark:
// VmHWM, which unlike getrusage is not inherited from this process). The scan is
// the host's (scanFiles and the report, in a process of its own); the command as
// an admin runs it, with the CLI's start and the plugins' report sections, is
// timed beside it. Figures are wall times and ratios; a tool that is not
// installed is reported as such, not a failure.
//
// Every tool runs LOG_SCAN_BENCH_ROUNDS times (default 3), the tools taking
// turns within a round, and each is given its best time: on a shared machine a
// burst of load lands on one run of one tool, and the best of a few runs is
// what the tool costs when it has the machine. All the runs are printed.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const LINES = Number(process.env.LOG_SCAN_BENCH_LINES || 2_200_000);
const SLICE = 200_000;
const ROUNDS = Math.max(1, Number(process.env.LOG_SCAN_BENCH_ROUNDS || 3));
const root = path.join(__dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-logscan-bench-'));
const file = path.join(dir, 'mail.log');
const slice = path.join(dir, 'mail-slice.log');

function which(cmd) {
  if (path.isAbsolute(cmd)) return fs.existsSync(cmd) ? cmd : undefined;
  for (const d of (process.env.PATH || '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin', '/bin'])) {
    const f = path.join(d, cmd);
    if (fs.existsSync(f)) return f;
  }
  return undefined;
}

const missing = new Set();

/*
 * NODE_EXTRA_CA_CERTS, when set (these build machines set it for their npm
 * proxy), makes every node process load and parse that CA bundle before it
 * runs a line of code: 40-60 ms here, a third to a half of node's start,
 * for a scan that makes no TLS connection. A mail host running mailwarden
 * does not set it, and the other tools pay nothing like it: every tool runs
 * without it. What it would add is measured in the same rounds (node -e 0
 * with and without) and printed with the ratios.
 */
const extraCa = process.env.NODE_EXTRA_CA_CERTS;
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;

/** Runs a command; returns seconds of wall time, or undefined (said why) when it is missing or failed. */
function timed(name, cmd, args, install, withEnv = env) {
  const bin = which(cmd);
  if (!bin) {
    if (!missing.has(cmd)) console.log(`${name}: not installed, not measured (${install})`);
    missing.add(cmd);
    return undefined;
  }
  const t0 = process.hrtime.bigint();
  const r = spawnSync(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024, env: withEnv });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) {
    console.log(`${name}: failed (${r.status ?? r.signal}), not measured: ${String(r.stderr).trim().split('\n').slice(-1)[0]}`);
    return undefined;
  }
  return s;
}

/** The scan in its own process (as `mailwarden logs scan` runs it), reporting its wall time and peak RSS. */
function mailwarden(threads) {
  // LOG_SCAN_BENCH_DIST: another build of the module, to compare before/after.
  const dist = process.env.LOG_SCAN_BENCH_DIST || path.join(root, 'dist/app/host/tools/maillog');
  if (!fs.existsSync(path.join(dist, 'scan.js'))) throw new Error(`${dist}/scan.js is missing: build first (npm run bench builds)`);
  const script = `
    const { scanFiles } = require(${JSON.stringify(path.join(dist, 'scan.js'))});
    const { buildReport } = require(${JSON.stringify(path.join(dist, 'scan-report.js'))});
    const t0 = process.hrtime.bigint();
    scanFiles([${JSON.stringify(file)}], { threads: ${threads} }).then((s) => {
      const r = buildReport(s, 20);
      const sec = Number(process.hrtime.bigint() - t0) / 1e9;
      const hwm = /VmHWM:\\s+(\\d+) kB/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'));
      const cpu = process.cpuUsage();
      process.stdout.write(JSON.stringify({ sec, cpu: (cpu.user + cpu.system) / 1e6, lines: r.lines, failures: r.authFailures.total, suspects: r.suspects.length, maxRssKb: hwm ? Number(hwm[1]) : process.resourceUsage().maxRSS }));
    });`;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`scan failed: ${r.stderr}`);
  // The process's whole life (start-up included), as the other tools are timed.
  return { ...JSON.parse(r.stdout), wall: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/**
 * The command an admin runs, `mailwarden logs scan FILE --json`, with the plugins
 * this checkout enables by default and their report sections (reputation-watch's
 * reads every delivery line): CLI start-up, sections and the JSON report included.
 */
function command(threads) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [path.join(root, 'bin/mailwarden.js'), 'logs', 'scan', file, '--json', '--threads', String(threads)], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  // 4: there are suspects (the generated log has some).
  if (r.status !== 0 && r.status !== 4) throw new Error(`mailwarden logs scan failed (${r.status}): ${r.stderr}`);
  return { wall, sections: Object.keys(JSON.parse(r.stdout).sections ?? {}) };
}

function ratio(a, b, target) {
  if (a === undefined || b === undefined) return 'not measured';
  const x = a / b;
  return `${x.toFixed(1)}x (target >= ${target}x: ${x >= target ? 'met' : 'NOT met'})`;
}

try {
  process.stdout.write(`generating ${LINES} lines… `);
  // In a process of its own, and the slice read from the file's head only: this process stays small.
  const gen = spawnSync(process.execPath, [path.join(__dirname, 'gen-maillog.js'), file, String(LINES)], { encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`generator failed: ${gen.stderr}`);
  const lines = Number(/^(\d+) lines/.exec(gen.stdout)[1]);
  const head = Buffer.alloc(64 * 1024 * 1024);
  const fd = fs.openSync(file, 'r');
  const got = fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  let cut = 0;
  let sliceLines = 0;
  for (; sliceLines < SLICE; sliceLines++) {
    const nl = head.indexOf(10, cut);
    if (nl < 0 || nl >= got) break;
    cut = nl + 1;
  }
  fs.writeFileSync(slice, head.subarray(0, cut));
  console.log(`${lines} lines, ${(fs.statSync(file).size / 1e6).toFixed(0)} MB in ${file}`);
  const one = path.join(dir, 'one-line.log');
  fs.writeFileSync(one, head.subarray(0, head.indexOf(10) + 1));
  const cores = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  const threads = [1, Math.min(2, cores)].filter((t, i, a) => a.indexOf(t) === i);
  // name -> runs; a run is seconds, or (the scan) its whole result.
  const runs = new Map();
  const add = (name, run) => runs.set(name, [...(runs.get(name) || []), run]);
  for (let round = 1; round <= ROUNDS; round++) {
    process.stdout.write(`round ${round}/${ROUNDS}… `);
    add('wc', timed('wc -l', 'wc', ['-l', file], 'coreutils'));
    for (const t of threads) add(`scan${t}`, mailwarden(t));
    for (const t of threads) add(`cli${t}`, command(t));
    add('pflogsumm', timed('pflogsumm', 'pflogsumm', [file], 'apt-get install pflogsumm'));
    add('f2b', timed('fail2ban-regex', 'fail2ban-regex', [slice, 'postfix[mode=auth]'], 'apt-get install fail2ban'));
    add('f2bStart', timed('fail2ban-regex', 'fail2ban-regex', [one, 'postfix[mode=auth]'], 'apt-get install fail2ban'));
    if (extraCa !== undefined) {
      add('nodeStart', timed('node -e 0', process.execPath, ['-e', '0'], ''));
      add('nodeStartCa', timed('node -e 0 (NODE_EXTRA_CA_CERTS)', process.execPath, ['-e', '0'], '', process.env));
    }
  }
  console.log('');
  const best = (name) => {
    const r = (runs.get(name) || []).filter((x) => x !== undefined);
    return r.length ? Math.min(...r.map((x) => (typeof x === 'number' ? x : x.wall))) : undefined;
  };
  const all = (name) => (runs.get(name) || []).map((x) => (x === undefined ? '-' : (typeof x === 'number' ? x : x.wall).toFixed(2))).join(' / ');
  const rows = [];
  rows.push(['wc -l (reading the file at all)', best('wc'), `runs ${all('wc')}`]);
  for (const t of threads) {
    const r = runs.get(`scan${t}`).reduce((a, b) => (b.wall < a.wall ? b : a));
    rows.push([`mailwarden logs scan, ${t} thread(s)`, r.wall, `runs ${all(`scan${t}`)}; best: CPU ${r.cpu.toFixed(2)} s (all threads; ${((r.cpu / r.lines) * 1e6).toFixed(2)} µs a line), peak RSS ${(r.maxRssKb / 1024).toFixed(0)} MB, ${r.failures} failed logins, ${r.suspects} suspects`]);
  }
  for (const t of threads) {
    const r = runs.get(`cli${t}`).reduce((a, b) => (b.wall < a.wall ? b : a));
    rows.push([`  the command, ${t} thread(s), with plugin sections`, r.wall, `runs ${all(`cli${t}`)}; sections: ${r.sections.join(', ') || 'none'}`]);
  }
  const pfl = best('pflogsumm');
  rows.push(['pflogsumm', pfl, `runs ${all('pflogsumm')}`]);
  const f2bSlice = best('f2b');
  const f2b = f2bSlice === undefined ? undefined : (f2bSlice * lines) / sliceLines;
  rows.push([`fail2ban-regex postfix[mode=auth] (${Math.round(sliceLines / 1000)}k lines, scaled)`, f2b, f2bSlice === undefined ? '' : `slice runs ${all('f2b')} s`]);
  const start = best('f2bStart');
  // Its start-up (a 1-line file) counted once, the rest scaled: what it would take on the whole file in one run.
  const f2bOnce = f2bSlice === undefined || start === undefined ? undefined : start + ((f2bSlice - start) * lines) / sliceLines;
  rows.push(['  the same, its start-up counted once', f2bOnce, start === undefined ? '' : `start-up (1-line file) runs ${all('f2bStart')} s`]);
  console.log('');
  for (const [name, s, extra] of rows) console.log(`${name.padEnd(52)} ${s === undefined ? '          -' : `${s.toFixed(2).padStart(8)} s`}  ${s ? `${(lines / s / 1e6).toFixed(2)} M lines/s` : ''}  ${extra || ''}`);
  const scans = threads.map((t) => runs.get(`scan${t}`)).flat();
  const fastest = Math.min(...scans.map((r) => r.wall));
  const peak = Math.max(...scans.map((r) => r.maxRssKb / 1024));
  const wc = best('wc');
  console.log('');
  console.log(`best of ${ROUNDS} rounds for each tool:`);
  console.log(`logs scan (best run, ${fastest.toFixed(2)} s) vs pflogsumm: ${ratio(pfl, fastest, 10)}`);
  console.log(`logs scan vs fail2ban-regex postfix[mode=auth]: ${ratio(f2b, fastest, 30)}; with its start-up counted once: ${f2bOnce === undefined ? 'not measured' : `${(f2bOnce / fastest).toFixed(1)}x`}`);
  console.log(`logs scan vs wc -l: ${wc ? `${(fastest / wc).toFixed(1)}x the I/O bound's time` : 'not measured'}`);
  const cli = Math.min(...threads.map((t) => best(`cli${t}`)));
  console.log(`the command with its plugins' report sections (best run, ${cli.toFixed(2)} s): ${pfl ? `${(pfl / cli).toFixed(1)}x faster than pflogsumm` : ''}${f2b ? `, ${(f2b / cli).toFixed(1)}x fail2ban-regex (scaled)` : ''}`);
  if (extraCa !== undefined) {
    const d = best('nodeStartCa') - best('nodeStart');
    console.log(`NODE_EXTRA_CA_CERTS is set here (${extraCa}); mailwarden ran without it. With it, each node start takes ${(d * 1000).toFixed(0)} ms more (node -e 0, best: ${best('nodeStartCa').toFixed(3)} s against ${best('nodeStart').toFixed(3)} s; runs ${all('nodeStartCa')} / ${all('nodeStart')}): logs scan would be ${(fastest + d).toFixed(2)} s, ${pfl ? `${(pfl / (fastest + d)).toFixed(1)}x pflogsumm, ` : ''}${f2b ? `${(f2b / (fastest + d)).toFixed(1)}x fail2ban-regex` : ''}`);
  }
  console.log(`peak RSS ${peak.toFixed(0)} MB, the largest of all runs (target < 150 MB: ${peak < 150 ? 'met' : 'NOT met'})`);
  console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cores} cores (other processes share these cores; compare ratios)`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
