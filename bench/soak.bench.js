'use strict';
// Soak: a real `mailwarden serve` (SQLite store, the built plugins) driven at
// a fixed rate on the Dovecot and the Postfix gateway at once. Memory (RSS
// from /proc, heap from /metrics) and p99 latency are taken in a window at the
// start and one at the end.
//
// Bound checked (exit 1 when broken):
//   RSS at the end  ≤ RSS at the start × 1.5 + 32 MB
//   heap at the end ≤ heap at the start × 1.5 + 32 MB
//   p99 at the end  ≤ max(p99 at the start × 3, p99 at the start + 10 ms), per gateway
//   no request failed.
//
// SOAK_SECONDS (default 60; the release check runs SOAK_SECONDS=300) and
// SOAK_RATE (requests per second per gateway, default 200).
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const SECONDS = Number(process.env.SOAK_SECONDS || 60);
const RATE = Number(process.env.SOAK_RATE || 200);
const WINDOW_MS = Math.min(10_000, (SECONDS * 1000) / 6);
/** Set once serve has started: the header of the secret it generated (no apiHeader in the config, as on a fresh install). */
let API_HEADER = '';
const MB = 1024 * 1024;

function startServe(dataDir) {
  const config = path.join(dataDir, 'config.json');
  fs.writeFileSync(config, JSON.stringify({}));
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'bin', 'mailwarden.js'), 'serve', '--config', config, '--data-dir', dataDir,
    '--listen-admin', '127.0.0.1:0', '--listen-dovecot', '127.0.0.1:0', '--listen-postfix', '127.0.0.1:0'], { env: { ...process.env, MAILWARDEN_CONFIG: '', MAILWARDEN_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const ports = {};
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let o;
        try { o = JSON.parse(line); } catch { continue; }
        if (o.msg === 'listening') ports[o.listener] = o.port;
        if (o.msg === 'ready') resolve({ child, ports });
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

function rssOf(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) * 1024;
}

function heapOf(port, token) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/metrics', headers: { authorization: `Bearer ${token}` } }, (res) => {
      let t = '';
      res.on('data', (d) => (t += d));
      res.on('end', () => {
        const line = t.split('\n').find((l) => l.startsWith('mailwarden_process_nodejs_heap_size_used_bytes'));
        resolve(line ? Number(line.split(' ').pop()) : NaN);
      });
    }).on('error', reject);
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
function dovecot(port, i) {
  const login = `user${i % 5000}@example.com`;
  const remote = `198.51.${100 + (i % 50)}.${i % 250}`;
  const report = i % 3 === 0;
  const body = JSON.stringify({ login, remote, pwhash: `h${i % 7}`, device_id: '', protocol: 'imap', session_id: `s${i}`, tls: true, ...(report ? { success: i % 9 !== 0, policy_reject: false } : {}) });
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, agent, method: 'POST', path: `/?command=${report ? 'report' : 'allow'}`, headers: { authorization: API_HEADER.slice(15), 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`dovecot HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Postfix keeps a few policy connections open and sends one request at a time on each. */
class PolicyConnection {
  constructor(port) {
    this.queue = [];
    this.buf = '';
    this.socket = net.connect({ port, host: '127.0.0.1' });
    this.socket.setEncoding('latin1');
    this.socket.on('data', (d) => {
      this.buf += d;
      let end;
      while ((end = this.buf.indexOf('\n\n')) >= 0) {
        const reply = this.buf.slice(0, end);
        this.buf = this.buf.slice(end + 2);
        const w = this.queue.shift();
        if (w) reply.startsWith('action=') ? w.resolve() : w.reject(new Error(reply));
      }
    });
    this.socket.on('error', (e) => { for (const w of this.queue.splice(0)) w.reject(e); });
  }
  ask(i) {
    const attrs = { request: 'smtpd_access_policy', protocol_state: i % 4 === 3 ? 'END-OF-MESSAGE' : 'RCPT', queue_id: `Q${Math.floor(i / 4)}`, client_address: `203.0.113.${i % 250}`,
      sasl_username: `user${i % 5000}@example.com`, sender: `user${i % 5000}@example.com`, recipient: `r${i}@elsewhere.example`, size: '1200', recipient_count: '1' };
    const text = Object.entries(attrs).map(([k, v]) => `${k}=${v}`).join('\n') + '\n\n';
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.socket.write(text);
    });
  }
}

function p99(xs) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))];
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-soak-'));
  const { child, ports } = await startServe(dataDir);
  const secret = fs.readFileSync(path.join(dataDir, 'dovecot.secret'), 'utf8').trim();
  API_HEADER = 'Authorization: Basic ' + Buffer.from(`dovecot:${secret}`).toString('base64');
  const token = fs.readFileSync(path.join(dataDir, 'admin.token'), 'utf8').trim();
  const conns = Array.from({ length: 8 }, () => new PolicyConnection(ports.postfix));
  const lat = { dovecot: [], postfix: [] };
  let failures = 0;
  let sent = 0;
  const t0 = Date.now();
  const end = t0 + SECONDS * 1000;
  const windows = {};
  const sample = async (name) => ({ name, rss: rssOf(child.pid), heap: await heapOf(ports.admin, token), dovecotP99: p99(lat.dovecot), postfixP99: p99(lat.postfix), requests: lat.dovecot.length + lat.postfix.length });
  // Fixed rate: every 10 ms, send the requests due by now (no coordinated omission: late ones are timed from when they were due).
  const tickMs = 10;
  let due = 0;
  await new Promise((resolve) => {
    const timer = setInterval(async () => {
      const now = Date.now();
      const target = Math.floor(((now - t0) / 1000) * RATE);
      for (; due < target; due++) {
        const i = due;
        const scheduled = t0 + (i / RATE) * 1000;
        dovecot(ports.dovecot, i).then(() => lat.dovecot.push(Date.now() - scheduled), () => failures++);
        conns[i % conns.length].ask(i).then(() => lat.postfix.push(Date.now() - scheduled), () => failures++);
        sent += 2;
      }
      const elapsed = now - t0;
      if (!windows.start && elapsed >= WINDOW_MS * 2) {
        // The first window after a warm-up window (JIT, caches).
        windows.start = 'pending';
        lat.dovecot.splice(0, lat.dovecot.length);
        lat.postfix.splice(0, lat.postfix.length);
        setTimeout(async () => { windows.start = await sample('start'); lat.dovecot.length = 0; lat.postfix.length = 0; }, WINDOW_MS);
      }
      if (!windows.endArmed && now >= end - WINDOW_MS) {
        windows.endArmed = true;
        lat.dovecot.length = 0;
        lat.postfix.length = 0;
      }
      if (now >= end) {
        clearInterval(timer);
        setTimeout(resolve, 500);
      }
    }, tickMs);
  });
  windows.end = await sample('end');
  for (const c of conns) c.socket.destroy();
  agent.destroy();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  fs.rmSync(dataDir, { recursive: true, force: true });

  const s = windows.start;
  const e = windows.end;
  const f = (x) => `${(x / MB).toFixed(1)} MB`;
  console.log(`soak: ${SECONDS} s at ${RATE}/s on each gateway (${sent} requests, ${failures} failed), windows of ${WINDOW_MS / 1000} s`);
  console.log(`  RSS   start ${f(s.rss)}  end ${f(e.rss)}  (ratio ${(e.rss / s.rss).toFixed(2)})`);
  console.log(`  heap  start ${f(s.heap)}  end ${f(e.heap)}  (ratio ${(e.heap / s.heap).toFixed(2)})`);
  console.log(`  p99 dovecot  start ${s.dovecotP99} ms  end ${e.dovecotP99} ms`);
  console.log(`  p99 postfix  start ${s.postfixP99} ms  end ${e.postfixP99} ms`);
  const problems = [];
  if (failures) problems.push(`${failures} requests failed`);
  if (e.rss > s.rss * 1.5 + 32 * MB) problems.push('RSS grew beyond start × 1.5 + 32 MB');
  if (e.heap > s.heap * 1.5 + 32 * MB) problems.push('heap grew beyond start × 1.5 + 32 MB');
  for (const g of ['dovecot', 'postfix']) {
    const a = s[`${g}P99`];
    const b = e[`${g}P99`];
    if (b > Math.max(a * 3, a + 10)) problems.push(`${g} p99 went from ${a} ms to ${b} ms`);
  }
  console.log(problems.length ? `  BOUND BROKEN: ${problems.join('; ')}` : '  within bounds (RSS/heap ≤ start × 1.5 + 32 MB, p99 ≤ max(3 × start, start + 10 ms))');
  process.exit(problems.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
