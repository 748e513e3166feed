#!/usr/bin/env node
'use strict';
// Postfix policy requests per second over persistent connections: the
// mailwarden gateway (trusted-ips loaded, a trusted client → action=OK)
// against a bare TCP server that answers `action=DUNNO` to every request,
// both measured in this run with the same load generator (a worker thread,
// so the server and the client each get a core). Targets: >= 20k req/s and
// >= 60% of the bare server.
//
// Headline: as Postfix talks — each smtpd process keeps one connection and
// waits for every answer (one request in flight per connection), 32 of them.
// Also shown: 8 connections with 32 requests pipelined, where the bare
// server only scans for blank lines and the gap is the cost of parsing.
require('reflect-metadata');
const net = require('node:net');
const os = require('node:os');
const fs = require('node:fs');
const path = require('node:path');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');

const MODES = [
  { name: 'Postfix-like: 32 connections, 1 request in flight each', connections: 32, inFlight: 1, headline: true },
  { name: 'pipelined: 8 connections, 32 requests in flight each', connections: 8, inFlight: 32, headline: false },
];
const SECONDS = 2;
const ROUNDS = 5;

const REQUEST = [
  'request=smtpd_access_policy', 'protocol_state=RCPT', 'protocol_name=ESMTP', 'client_address=127.0.0.5', 'client_name=crm.example.com',
  'client_port=41234', 'reverse_client_name=crm.example.com', 'server_address=127.0.0.1', 'server_port=25', 'helo_name=crm.example.com',
  'sender=app@example.com', 'recipient=someone@example.net', 'recipient_count=0', 'queue_id=', 'instance=1a2b.5f3c9d1e.8a2f1.0',
  'size=2048', 'etrn_domain=', 'stress=', 'sasl_method=', 'sasl_username=', 'sasl_sender=', 'ccert_subject=', 'ccert_issuer=',
  'ccert_fingerprint=', 'ccert_pubkey_fingerprint=', 'encryption_protocol=', 'encryption_cipher=', 'encryption_keysize=0',
  'policy_context=relay', 'compatibility_level=3.6', 'mail_version=3.7.11',
].join('\n') + '\n\n';

if (!isMainThread) {
  // Load generator: CONNECTIONS sockets, IN_FLIGHT requests each, for SECONDS.
  const { port, seconds, expect, connections: CONNECTIONS, inFlight: IN_FLIGHT } = workerData;
  let done = 0;
  let wrong = 0;
  let stop = false;
  const conns = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.setNoDelay(true);
    s.setEncoding('latin1');
    let buf = '';
    s.on('connect', () => s.write(REQUEST.repeat(IN_FLIGHT)));
    s.on('data', (d) => {
      buf += d;
      let n = 0;
      let at;
      while ((at = buf.indexOf('\n\n')) >= 0) {
        if (buf.slice(0, at) !== expect) wrong++;
        buf = buf.slice(at + 2);
        n++;
      }
      done += n;
      if (!stop && n) s.write(REQUEST.repeat(n));
    });
    s.on('error', (e) => parentPort.postMessage({ error: e.message }));
    conns.push(s);
  }
  const t0 = process.hrtime.bigint();
  let warm = 0;
  setTimeout(() => {
    warm = done;
  }, 500);
  setTimeout(() => {
    stop = true;
    const secs = Number(process.hrtime.bigint() - t0) / 1e9 - 0.5;
    parentPort.postMessage({ rate: (done - warm) / secs, wrong, total: done });
    for (const s of conns) s.destroy();
  }, (seconds + 0.5) * 1000);
  return;
}

function load(port, expect, mode) {
  return new Promise((resolve, reject) => {
    const w = new Worker(__filename, { workerData: { port, seconds: SECONDS, expect, connections: mode.connections, inFlight: mode.inFlight } });
    w.on('message', (m) => (m.error ? reject(new Error(m.error)) : resolve(m)));
    w.on('error', reject);
  });
}

function bareServer() {
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    s.setEncoding('latin1');
    let buf = '';
    s.on('data', (d) => {
      buf += d;
      let out = '';
      let at;
      while ((at = buf.indexOf('\n\n')) >= 0) {
        buf = buf.slice(at + 2);
        out += 'action=DUNNO\n\n';
      }
      if (out) s.write(out);
    });
    s.on('error', () => {});
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function main() {
  // MAILWARDEN_DIST measures a build made elsewhere (as build.mjs writes it).
  const dist = process.env.MAILWARDEN_DIST ? path.resolve(process.env.MAILWARDEN_DIST) : path.join(__dirname, '..', 'dist');
  const { App } = require(path.join(dist, 'app/host/core/app.js'));
  const { loadHostConfig } = require(path.join(dist, 'app/host/core/config/host-config.js'));
  const { MemoryStore } = require(path.join(dist, 'app/host/core/state/memory-store.js'));
  const { createLogger } = require(path.join(dist, 'app/host/core/services/logger.js'));
  const { PostfixPolicyGateway } = require(path.join(dist, 'app/host/adapters/gateways/postfix/policy-gateway.js'));

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bench-'));
  const base = loadHostConfig({ dataDir, pluginDir: path.join(dist, 'plugins'), env: {} });
  const app = await App.open({ config: { ...base, state: { ...base.state, backend: 'memory' } }, store: new MemoryStore(), logger: createLogger('warn') });
  const failures = await app.loadPlugins();
  if (failures.length) throw new Error(`plugins failed: ${JSON.stringify(failures)}`);
  const trusted = app.registry.active.find((p) => p.manifest.id === 'trusted-ips');
  if (!trusted) throw new Error('trusted-ips is not built into dist/plugins');
  // A realistic list: a few dozen entries and exclusions, the client in one of them.
  const store = trusted.container.get(require(path.join(dist, 'app/shared/index.js')).StateStore);
  for (let i = 0; i < 40; i++) {
    const network = `10.${i}.0.0/24`;
    await store.set(`entry:*|${network}`, { network, exclude: false, scope: '*', label: `net ${i}`, addedBy: 'bench', addedAt: 0 });
  }
  await store.set('entry:*|127.0.0.0/24', { network: '127.0.0.0/24', exclude: false, scope: '*', label: 'apps', addedBy: 'bench', addedAt: 0, allowedSenderDomains: ['example.com'] });
  await store.set('entry:*|!127.0.0.9/32', { network: '127.0.0.9/32', exclude: true, scope: '*', label: 'excluded', addedBy: 'bench', addedAt: 0 });

  const gw = new PostfixPolicyGateway(app, { host: '127.0.0.1', port: 0 });
  const gwPort = (await gw.start()).port;
  const bare = await bareServer();
  const barePort = bare.address().port;

  // Alternate bare and gateway runs (the machine is shared) and keep the best of each.
  const fmt = (x) => `${Math.round(x).toLocaleString('en-US')} req/s`;
  for (const mode of MODES) {
    const results = { bare: [], gateway: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const b = await load(barePort, 'action=DUNNO', mode);
      const g = await load(gwPort, 'action=OK', mode);
      if (g.wrong || b.wrong) throw new Error(`wrong answers: gateway ${g.wrong}, bare ${b.wrong}`);
      results.bare.push(b.rate);
      results.gateway.push(g.rate);
    }
    const bestBare = Math.max(...results.bare);
    const bestGw = Math.max(...results.gateway);
    const ratio = bestGw / bestBare;
    // Each gateway run against the bare run just before it: steadier than best/best when the machine is busy.
    const pairs = results.gateway.map((g, k) => g / results.bare[k]).sort((x, y) => x - y);
    const medianPair = pairs[Math.floor(pairs.length / 2)];
    console.log(`postfix policy, ${mode.name}, ${SECONDS}s per run, best of ${ROUNDS}${mode.headline ? '' : ' (informational)'}`);
    console.log(`  bare TCP server (action=DUNNO):        ${fmt(bestBare)}   runs: ${results.bare.map(fmt).join(', ')}`);
    console.log(`  mailwarden gateway + trusted-ips (OK): ${fmt(bestGw)}   runs: ${results.gateway.map(fmt).join(', ')}`);
    const met = bestGw >= 20000 && ratio >= 0.6;
    console.log(`  ratio gateway / bare: best/best ${(ratio * 100).toFixed(1)}%, median of back-to-back pairs ${(medianPair * 100).toFixed(1)}%${mode.headline ? `   targets (>= 20,000 req/s and >= 60%): ${met ? 'met' : 'NOT met'}` : ''}`);
  }
  console.log(`  load average while measuring: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
  await gw.stop();
  bare.close();
  await app.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
