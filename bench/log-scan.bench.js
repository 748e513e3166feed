'use strict';
// `mailwarden logs scan` throughput on a generated realistic mail log of 2.2M
// lines, against `wc -l`, fail2ban-regex (postfix[mode=auth]) and pflogsumm on
// the same file in the same run. Figures are lines/s and ratios; peak memory
// is the scanning process's max RSS. Targets: >= 2M lines/s, >= 20x
// fail2ban-regex, >= 5x pflogsumm, < 200 MB.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { generate } = require('./gen-maillog');

const LINES = Number(process.env.LOG_SCAN_BENCH_LINES || 2_200_000);
const root = path.join(__dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-logscan-bench-'));
const file = path.join(dir, 'mail.log');

function which(cmd) {
  for (const d of (process.env.PATH || '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin', '/bin'])) {
    const f = path.join(d, cmd);
    if (fs.existsSync(f)) return f;
  }
  return undefined;
}

/** Runs a command; returns seconds of wall time, or undefined when it is not installed or failed. */
function timed(name, cmd, args) {
  const bin = which(cmd);
  if (!bin) {
    console.log(`${name.padEnd(34)} not installed, skipped`);
    return undefined;
  }
  const t0 = process.hrtime.bigint();
  const r = spawnSync(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) {
    console.log(`${name.padEnd(34)} failed (${r.status ?? r.signal}): ${String(r.stderr).trim().split('\n').slice(-1)[0]}`);
    return undefined;
  }
  return s;
}

/** The scan in its own process (as `mailwarden logs scan` runs), reporting its time and peak RSS. */
function mailwarden(threads) {
  const script = `
    const { scanFiles } = require(${JSON.stringify(path.join(root, 'dist/app/host/postfix/log/log-scan.js'))});
    const { buildReport } = require(${JSON.stringify(path.join(root, 'dist/app/host/postfix/log/scan-report.js'))});
    const t0 = process.hrtime.bigint();
    scanFiles([${JSON.stringify(file)}], { threads: ${threads} }).then((s) => {
      const r = buildReport(s, 20);
      const sec = Number(process.hrtime.bigint() - t0) / 1e9;
      process.stdout.write(JSON.stringify({ sec, lines: r.lines, suspects: r.suspects.length, maxRssKb: process.resourceUsage().maxRSS }));
    });`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scan failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

try {
  process.stdout.write(`generating ${LINES} lines… `);
  const lines = generate(file, LINES);
  const mb = fs.statSync(file).size / 1e6;
  console.log(`${lines} lines, ${mb.toFixed(0)} MB in ${file}`);
  const rate = (s) => (s ? lines / s : undefined);
  const fmt = (r) => (r === undefined ? '-' : `${(r / 1e6).toFixed(2)} M lines/s`);
  const rows = [];
  const wc = timed('wc -l', 'wc', ['-l', file]);
  rows.push(['wc -l (reading the file at all)', rate(wc)]);
  const cores = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  const runs = [1, Math.min(4, cores)].filter((t, i, a) => a.indexOf(t) === i);
  const mw = {};
  for (const t of runs) {
    const r = mailwarden(t);
    mw[t] = r;
    rows.push([`mailwarden logs scan, ${t} thread(s)`, rate(r.sec), `peak RSS ${(r.maxRssKb / 1024).toFixed(0)} MB, ${r.suspects} suspects`]);
  }
  const f2b = timed('fail2ban-regex', 'fail2ban-regex', [file, 'postfix[mode=auth]']);
  rows.push(['fail2ban-regex postfix[mode=auth]', rate(f2b)]);
  const pfl = timed('pflogsumm', 'pflogsumm', [file]);
  rows.push(['pflogsumm', rate(pfl)]);
  console.log('');
  for (const [name, r, extra] of rows) console.log(`${name.padEnd(40)} ${fmt(r).padStart(18)}  ${extra || ''}`);
  const best = Math.max(...Object.values(mw).map((r) => lines / r.sec));
  const peak = Math.max(...Object.values(mw).map((r) => r.maxRssKb / 1024));
  console.log('');
  console.log(`ratios (best mailwarden run): ${wc ? `${(best / rate(wc)).toFixed(3)}x wc -l, ` : ''}${f2b ? `${(best / rate(f2b)).toFixed(1)}x fail2ban-regex (target >= 20x), ` : 'fail2ban-regex not measured, '}${pfl ? `${(best / rate(pfl)).toFixed(1)}x pflogsumm (target >= 5x)` : 'pflogsumm not measured'}`);
  console.log(`absolute: ${(best / 1e6).toFixed(2)} M lines/s (target >= 2M on an idle 2-core machine), peak RSS ${peak.toFixed(0)} MB (target < 200 MB)`);
  console.log(`load average during the run: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cores} cores (other processes share these cores; compare ratios)`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
