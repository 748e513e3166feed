'use strict';
// One mailwarden node of the fleet simulation: an App with the bundled
// plugins on the shared Redis Cluster, driven in-process (no gateway) by its
// share of the traffic: a botnet's guesses and legitimate logins.
require('reflect-metadata');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const dist = path.join(__dirname, '..', '..', 'dist');
const { App } = require(path.join(dist, 'app/host/core/app'));
const { loadHostConfig } = require(path.join(dist, 'app/host/core/config/host-config'));
const { createLogger } = require(path.join(dist, 'app/host/core/services/logger'));
const { RedisStore } = require(path.join(dist, 'app/host/core/state/redis-store'));
const { GLOBAL } = require(path.join(dist, 'app/host/core/domains/domain-settings'));

const o = JSON.parse(process.env.FLEET_NODE);
// One accelerated clock for the whole fleet: every process derives it from the same origin.
const now = () => o.origin + (Date.now() - o.origin) * o.speed;

const userIp = (u) => `127.1.${u % 250}.${1 + Math.floor(u / 250)}`;
const botIp = (b) => `127.${2 + (b % 8)}.${(b >> 3) & 255}.${1 + ((b >> 11) % 250)}`;
const login = (u) => `u${u}@example.com`;

(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `mw-fleet-node${o.index}-`));
  const config = { ...loadHostConfig({ dataDir, pluginDir: path.join(dist, 'plugins'), env: {} }), hookTimeoutMs: 2000 };
  const store = new RedisStore({ url: o.url, keyPrefix: o.prefix, now, commandTimeoutMs: 2000, maxStalenessMs: o.maxStalenessMs });
  await store.ready();
  for (let i = 0; i < 300 && !store.replicaStatus().serving; i++) await new Promise((r) => setTimeout(r, 10));
  const app = await App.open({ config, store, clock: { now }, logger: createLogger('silent') });
  await app.loadPlugins();
  const bf = app.registry.active.find((p) => p.manifest.id === 'password-bruteforce');
  if (!bf) throw new Error('password-bruteforce is not loaded (build dist first)');
  // Loopback is trusted by default; here it stands for the Internet.
  if (o.index === 0) await app.settings.setConfig(GLOBAL, bf, { trustedNetworks: [] }, 'fleet-bench');
  const p = app.pipeline;
  const attempt = (l, ip, pwhash) => p.attempt({ login: l, remoteIp: ip, protocol: 'imap', ...(pwhash ? { pwhash } : {}) });

  // Each user has logged in from home before (known network); this node warms up its share.
  for (let u = o.index; u < o.users; u += o.nodes) await p.afterAuth(attempt(login(u), userIp(u)), { success: true, policyReject: false });
  process.send({ ready: true });
  await new Promise((r) => process.once('message', r));

  const lat = new Float64Array(o.maxDecisions);
  const gotThrough = new Map();
  const r = { index: o.index, decisions: 0, legit: 0, legitRefused: 0, guesses: 0, guessesThrough: 0, guessesDenied: 0 };
  const sent0 = store.commandsSent;
  const t0 = Date.now();
  const sim0 = now();
  const end = t0 + o.seconds * 1000;
  const one = async () => {
    const legit = Math.random() < o.legitShare;
    // The botnet concentrates on a few accounts (those it found addresses for); users log in to all.
    const u = Math.floor(Math.random() * (legit ? o.users : o.targets));
    const a = legit ? attempt(login(u), userIp(u)) : attempt(login(u), botIp(Math.floor(Math.random() * o.bots)), crypto.randomBytes(3).toString('hex'));
    const s = process.hrtime.bigint();
    const v = await p.beforeAuth(a);
    lat[r.decisions++] = Number(process.hrtime.bigint() - s) / 1e6;
    if (legit) {
      r.legit++;
      if (v.action !== 'allow') r.legitRefused++;
      else await p.afterAuth(a, { success: true, policyReject: false });
      return;
    }
    r.guesses++;
    if (v.action !== 'allow') {
      r.guessesDenied++;
      return;
    }
    // The guess reached the password check (and was wrong).
    r.guessesThrough++;
    gotThrough.set(u, (gotThrough.get(u) ?? 0) + 1);
    await p.afterAuth(a, { success: false, policyReject: false });
  };
  await Promise.all(Array.from({ length: o.concurrency }, async () => {
    while (Date.now() < end && r.decisions < o.maxDecisions) await one();
  }));
  const secs = (Date.now() - t0) / 1000;
  const sorted = lat.subarray(0, r.decisions).sort();
  Object.assign(r, {
    secs,
    simSecs: (now() - sim0) / 1000,
    rate: r.decisions / secs,
    p50: sorted[Math.floor(sorted.length * 0.5)] ?? 0,
    p99: sorted[Math.floor(sorted.length * 0.99)] ?? 0,
    commands: store.commandsSent - sent0,
    gotThrough: [...gotThrough],
    replica: store.replicaStatus(),
  });
  process.send({ result: r });
  await app.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
