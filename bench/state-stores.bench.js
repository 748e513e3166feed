'use strict';
// Decisions per second through the auth pipeline with each state store, in
// one run: memory (baseline), SQLite, Redis (a private redis-server on a
// loopback port). A decision is what a brute-force plugin does per login: a
// getBlock before auth and a counter hit on the failure report.
require('reflect-metadata');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { buildSync } = require('esbuild');

const dist = path.join(__dirname, '..', 'dist', 'app');
const { App } = require(path.join(dist, 'host/app'));
const { loadHostConfig } = require(path.join(dist, 'host/config/host-config'));
const { createLogger } = require(path.join(dist, 'host/services/logger'));
const { MemoryStore } = require(path.join(dist, 'host/state/memory-store'));
const { SqliteStore } = require(path.join(dist, 'host/state/sqlite-store'));
const { RedisStore } = require(path.join(dist, 'host/state/redis-store'));
const { GLOBAL } = require(path.join(dist, 'host/domains/domain-settings'));
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

async function measure(name, store, pluginDir, concurrency) {
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
    await pipeline.afterAuth(a, { success: false, policyReject: false });
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
  await run(300); // warm-up
  const t0 = process.hrtime.bigint();
  const done = await run(SECONDS * 1000);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  await app.close();
  return done / secs;
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
    ...(redis ? [['redis', async () => {
      const s = new RedisStore({ url: redis.url, keyPrefix: `bench${Date.now()}:`, commandTimeoutMs: 5000 });
      if (!(await s.ready())) throw new Error('redis not ready');
      return s;
    }]] : []),
  ];
  console.log(`decisions/s (beforeAuth getBlock + afterAuth hit), best of ${ROUNDS} rounds of ${SECONDS}s, order rotated, ${PAIRS} (ip, login) pairs`);
  for (const concurrency of [1, 32]) {
    const best = new Map();
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order so no store always runs first (cold JIT) or last.
      const order = stores.slice(round % stores.length).concat(stores.slice(0, round % stores.length));
      for (const [name, open] of order) {
        const rate = await measure(`${name}-${concurrency}-${round}`, await open(), pluginDir, concurrency);
        best.set(name, Math.max(best.get(name) ?? 0, rate));
      }
    }
    const base = best.get('memory');
    for (const [name] of stores) {
      const rate = best.get(name);
      console.log(`  concurrency ${String(concurrency).padStart(2)}  ${name.padEnd(7)} ${Math.round(rate).toString().padStart(8)} /s   ${(rate / base).toFixed(3)} x memory`);
    }
  }
  redis?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
