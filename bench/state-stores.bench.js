'use strict';
// Decisions per second through the auth pipeline with each state store, in
// one run: memory (baseline), SQLite, Redis with its local read path, and
// Redis read remotely (maxStalenessMs 0, every read a round trip). Two paths:
// - allow: beforeAuth for a client with no block (lock check + getBlock), the
//   path nearly every login takes; target 0 Redis commands per decision;
// - failure: beforeAuth plus a failure report (a counter hit in Redis).
// Redis commands per decision are the commands the node sent over the
// measured interval (a script is one), background version polls included.
require('reflect-metadata');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { buildSync } = require('esbuild');

const dist = path.join(__dirname, '..', 'dist', 'app');
const { App } = require(path.join(dist, 'host/core/app'));
const { loadHostConfig } = require(path.join(dist, 'host/core/config/host-config'));
const { createLogger } = require(path.join(dist, 'host/core/services/logger'));
const { MemoryStore } = require(path.join(dist, 'host/core/state/memory-store'));
const { SqliteStore } = require(path.join(dist, 'host/core/state/sqlite-store'));
const { RedisStore } = require(path.join(dist, 'host/core/state/redis-store'));
const { GLOBAL } = require(path.join(dist, 'host/core/domains/domain-settings'));
const { API_VERSION } = require(path.join(dist, 'shared'));
const { failCounterPlugin } = require('../test/fixtures/fail-counter-plugin');

const SECONDS = Number(process.env.BENCH_SECONDS || 2);
const PAIRS = 5000;
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bench-stores-'));

function buildPlugin(dir) {
  const p = failCounterPlugin(API_VERSION);
  const out = path.join(dir, p.manifest.id);
  fs.mkdirSync(out, { recursive: true });
  const src = path.join(out, 'src.ts');
  fs.writeFileSync(src, p.source);
  buildSync({ entryPoints: [src], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: path.join(out, 'index.js'),
    external: ['inversify', 'reflect-metadata', '@mailwarden/shared'], tsconfigRaw: { compilerOptions: { experimentalDecorators: true } }, logLevel: 'silent' });
  fs.rmSync(src);
  fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(p.manifest));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', tmp], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  const deadline = Date.now() + 10_000;
  while (!out.includes('Ready to accept connections')) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start: ${out.slice(-300)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { url: `redis://127.0.0.1:${port}`, stop: () => proc.kill('SIGKILL') };
}

async function measure(name, store, pluginDir, concurrency, mode) {
  const config = { ...loadHostConfig({ dataDir: path.join(tmp, name), pluginDir, env: {} }), hookTimeoutMs: 5000 };
  const app = await App.open({ config, store, logger: createLogger('silent') });
  const failures = await app.loadPlugins();
  if (failures.length) throw new Error(JSON.stringify(failures));
  const plugin = app.registry.active.find((p) => p.manifest.id === 'fail-counter');
  // Never block: every decision then costs exactly one getBlock and one hit.
  await app.settings.setConfig(GLOBAL, plugin, { threshold: 1_000_000_000 }, 'bench');
  const pipeline = app.pipeline;
  let i = 0;
  const one = async () => {
    const k = i++ % PAIRS;
    const a = pipeline.attempt({ login: `user${k}@example.com`, remoteIp: `10.${(k >> 8) & 255}.${k & 255}.1`, protocol: 'imap' });
    const v = await pipeline.beforeAuth(a);
    if (v.action !== 'allow') throw new Error(`unexpected verdict ${JSON.stringify(v)}`);
    if (mode === 'failure') await pipeline.afterAuth(a, { success: false, policyReject: false });
  };
  const run = async (ms) => {
    const end = Date.now() + ms;
    let done = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        await one();
        done++;
      }
    }));
    return done;
  };
  // Warm-up long enough for every login's lock check to be cached and the JIT to settle.
  await run(500);
  const c0 = store.commandsSent ?? 0;
  const t0 = process.hrtime.bigint();
  const done = await run(SECONDS * 1000);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const commands = (store.commandsSent ?? 0) - c0;
  await app.close();
  return { rate: done / secs, perDecision: commands / done };
}

(async () => {
  const pluginDir = path.join(tmp, 'plugins');
  buildPlugin(pluginDir);
  let redis;
  try {
    redis = await startRedis();
  } catch (e) {
    console.log(`redis-server unavailable (${e.message}); Redis figures skipped`);
  }
  const stores = [
    ['memory', () => new MemoryStore()],
    ['sqlite', () => new SqliteStore(path.join(tmp, `state-${Date.now()}.db`))],
    ...(redis ? [['redis', redisStore(redis.url, 1000)], ['redis-remote', redisStore(redis.url, 0)]] : []),
  ];
  function redisStore(url, maxStalenessMs) {
    return async () => {
      const s = new RedisStore({ url, keyPrefix: `bench${Date.now()}:`, commandTimeoutMs: 5000, maxStalenessMs });
      if (!(await s.ready())) throw new Error('redis not ready');
      // The local read path serves once its first snapshot is in.
      for (let i = 0; maxStalenessMs > 0 && !s.replicaStatus().serving && i < 200; i++) await new Promise((r) => setTimeout(r, 10));
      return s;
    };
  }
  console.log(`decisions/s through the pipeline (fail-counter plugin), best of ${ROUNDS} rounds of ${SECONDS}s, order rotated, ${PAIRS} (ip, login) pairs`);
  const MODES = { allow: 'allow path: beforeAuth, no block', failure: 'failure: beforeAuth + afterAuth failure (counter hit)' };
  for (const [mode, title] of Object.entries(MODES)) {
    console.log(`${title}`);
    for (const concurrency of [1, 32]) {
      const best = new Map();
      for (let round = 0; round < ROUNDS; round++) {
        // Rotate the order so no store always runs first (cold JIT) or last.
        const order = stores.slice(round % stores.length).concat(stores.slice(0, round % stores.length));
        for (const [name, open] of order) {
          const r = await measure(`${name}-${mode}-${concurrency}-${round}`, await open(), pluginDir, concurrency, mode);
          const prev = best.get(name);
          if (!prev || r.rate > prev.rate) best.set(name, r);
        }
      }
      const base = best.get('memory').rate;
      for (const [name] of stores) {
        const { rate, perDecision } = best.get(name);
        const cmds = name.startsWith('redis') ? `   ${perDecision.toFixed(4)} Redis commands/decision` : '';
        console.log(`  concurrency ${String(concurrency).padStart(2)}  ${name.padEnd(12)} ${Math.round(rate).toString().padStart(8)} /s   ${(rate / base).toFixed(3)} x memory${cmds}`);
      }
    }
  }
  redis?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
