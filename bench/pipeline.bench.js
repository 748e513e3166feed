'use strict';
// beforeAuth decisions per second through the pipeline with three enabled
// no-op plugins, against calling the same three hooks directly in the same
// run. The difference per decision is the host's overhead: normalisation,
// the locked-account check, the per-domain plan, isolation, metrics.
require('reflect-metadata');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { buildSync } = require('esbuild');
// MAILWARDEN_DIST measures a build made elsewhere (as build.mjs writes it).
const dist = process.env.MAILWARDEN_DIST ? path.resolve(process.env.MAILWARDEN_DIST) : path.join(__dirname, '..', 'dist');
const { App } = require(path.join(dist, 'app/host/core/app'));
const { loadHostConfig } = require(path.join(dist, 'app/host/core/config/host-config'));
const { MemoryStore } = require(path.join(dist, 'app/host/core/state/memory-store'));
const { SqliteStore } = require(path.join(dist, 'app/host/core/state/sqlite-store'));
const { createLogger } = require(path.join(dist, 'app/host/core/services/logger'));

const N = Number(process.env.BENCH_N || 300_000);
const ROUNDS = 5;

function noopPlugins() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bench-plugins-'));
  for (const id of ['noop-a', 'noop-b', 'noop-c']) {
    const d = path.join(dir, id);
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'src.js'), `
const { ContainerModule } = require('inversify');
const { PluginHooks } = require('@mailwarden/shared');
module.exports.default = new ContainerModule(({ bind }) => bind(PluginHooks).toConstantValue({ beforeAuth(a, ctx) { return undefined; } }));`);
    buildSync({ entryPoints: [path.join(d, 'src.js')], bundle: true, platform: 'node', format: 'cjs', outfile: path.join(d, 'index.js'), external: ['inversify', '@mailwarden/shared'], logLevel: 'silent' });
    fs.writeFileSync(path.join(d, 'manifest.json'), JSON.stringify({ id, name: id, version: '1.0.0', apiVersion: 1, description: 'no-op', entry: 'index.js', hooks: ['beforeAuth'], priority: 10, enabledByDefault: true, configSchema: { type: 'object', properties: {} } }));
  }
  return dir;
}

async function measure(label, fn) {
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    global.gc?.();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) await fn(i);
    const ns = Number(process.hrtime.bigint() - t0);
    best = Math.min(best, ns);
  }
  return { label, perSec: (N / best) * 1e9, nsPerOp: best / N };
}

(async () => {
  const pluginDir = noopPlugins();
  const results = [];
  for (const backend of ['memory', 'sqlite']) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bench-data-'));
    const base = loadHostConfig({ dataDir, pluginDir, env: {} });
    const store = backend === 'memory' ? new MemoryStore() : new SqliteStore(path.join(dataDir, 'state.db'));
    const app = await App.open({ config: base, store, logger: createLogger('silent') });
    const failures = await app.loadPlugins();
    if (failures.length) throw new Error(JSON.stringify(failures));
    const raws = Array.from({ length: 1024 }, (_, i) => ({ login: `user${i}@example.com`, remoteIp: `127.0.${i >> 8}.${i & 255}`, protocol: 'imap' }));
    const hooks = app.registry.active.map((p) => p.hooks);
    const ctx = { domain: 'example.com', config: {}, plugin: 'x' };
    // Baseline: the same three hooks called directly on the same attempts, awaited alike.
    const direct = await measure('direct calls (baseline)', async (i) => {
      const a = raws[i & 1023];
      for (const h of hooks) await h.beforeAuth(a, ctx);
    });
    const piped = await measure(`pipeline, ${backend} store`, (i) => app.pipeline.beforeAuth(app.pipeline.attempt(raws[i & 1023])));
    results.push(direct, piped, { overheadNs: piped.nsPerOp - direct.nsPerOp, backend });
    await app.close();
  }
  for (const r of results) {
    if (r.label) console.log(`${r.label.padEnd(28)} ${Math.round(r.perSec).toLocaleString('en').padStart(12)} decisions/s  ${r.nsPerOp.toFixed(0).padStart(6)} ns/decision`);
    else console.log(`  → host overhead (${r.backend}): ${(r.overheadNs / 1000).toFixed(2)} µs per decision`);
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
