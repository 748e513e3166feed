'use strict';
// Fleet simulation: N mailwarden node processes share one Redis Cluster
// (3 masters on loopback). A botnet spreads password guesses over every node
// and many networks (127.2-9.x.y) against the same accounts legitimate users
// log in to from their known networks (127.1.x.y). Bounded in time and count.
// Reports decisions/s per node and for the fleet, Redis commands per decision,
// p99 latency, guesses per (simulated) hour that reached the password check
// per account, and legitimate logins refused (must be 0).
// Knobs: FLEET_NODES, FLEET_SECONDS, FLEET_SPEED (simulated seconds per
// second), FLEET_CONCURRENCY (per node), FLEET_USERS, FLEET_TARGETS (accounts
// the botnet attacks), FLEET_BOTS.
const { fork } = require('node:child_process');
const path = require('node:path');
const { startCluster } = require('./redis-cluster');

const env = (k, d) => Number(process.env[k] || d);
const NODES = env('FLEET_NODES', 3);
const opts = {
  seconds: env('FLEET_SECONDS', 8),
  speed: env('FLEET_SPEED', 60),
  concurrency: env('FLEET_CONCURRENCY', 16),
  users: env('FLEET_USERS', 500),
  targets: env('FLEET_TARGETS', 50),
  bots: env('FLEET_BOTS', 400),
  maxDecisions: env('FLEET_MAX_DECISIONS', 400_000),
  legitShare: 0.2,
  maxStalenessMs: 1000,
};

function startNode(o) {
  const child = fork(path.join(__dirname, 'fleet-node.js'), [], { env: { ...process.env, FLEET_NODE: JSON.stringify(o) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = new Promise((resolve, reject) => {
    child.on('message', (m) => m.ready && resolve());
    child.once('exit', (c) => reject(new Error(`node ${o.index} exited (${c}) before it was ready`)));
  });
  const result = new Promise((resolve, reject) => {
    child.on('message', (m) => m.result && resolve(m.result));
    child.once('exit', (c) => c !== 0 && reject(new Error(`node ${o.index} exited (${c})`)));
  });
  result.catch(() => undefined);
  return { child, ready, result };
}

(async () => {
  const redis = await startCluster(3);
  const nodes = [];
  try {
    const base = { ...opts, url: redis.url, prefix: `fleet${Date.now()}:`, nodes: NODES, origin: Date.now() };
    // Node 0 writes the shared settings; the others start once they are there.
    nodes.push(startNode({ ...base, index: 0 }));
    await nodes[0].ready;
    for (let i = 1; i < NODES; i++) nodes.push(startNode({ ...base, index: i }));
    await Promise.all(nodes.map((n) => n.ready));
    const server0 = redis.commandsProcessed();
    for (const n of nodes) n.child.send('go');
    const results = await Promise.all(nodes.map((n) => n.result));
    const serverCommands = redis.commandsProcessed() - server0;

    console.log(`${NODES} nodes, Redis Cluster of 3 masters, ${opts.seconds}s each, clock x${opts.speed}, ${opts.users} accounts (${opts.targets} attacked), ${opts.bots} bot addresses, ${opts.concurrency} in flight per node, ${Math.round(opts.legitShare * 100)}% legitimate logins`);
    let total = 0;
    let secs = 0;
    let commands = 0;
    let simSecs = 0;
    const through = new Map();
    for (const r of results) {
      total += r.decisions;
      secs = Math.max(secs, r.secs);
      simSecs = Math.max(simSecs, r.simSecs);
      commands += r.commands;
      for (const [u, n] of r.gotThrough) through.set(u, (through.get(u) ?? 0) + n);
      console.log(`  node ${r.index}: ${Math.round(r.rate).toString().padStart(7)} decisions/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  ${(r.commands / r.decisions).toFixed(3)} Redis commands/decision  legit ${r.legit} (refused ${r.legitRefused})  guesses ${r.guesses} (reached the password check ${r.guessesThrough})  local read path: ${r.replica.serving ? 'serving' : 'NOT serving'}, ${r.replica.blocks} blocks, ${r.replica.resyncs} snapshot(s)`);
    }
    const hours = simSecs / 3600;
    const perAccount = [...Array(opts.targets).keys()].map((u) => (through.get(u) ?? 0) / hours).sort((a, b) => a - b);
    const refused = results.reduce((n, r) => n + r.legitRefused, 0);
    const legit = results.reduce((n, r) => n + r.legit, 0);
    const guesses = results.reduce((n, r) => n + r.guesses, 0);
    console.log(`  fleet: ${Math.round(total / secs)} decisions/s, ${(commands / total).toFixed(3)} Redis commands/decision sent by nodes (${(serverCommands / total).toFixed(2)} executed by Redis, script internals included)`);
    console.log(`  guesses: ${guesses} over ${(simSecs / 60).toFixed(1)} simulated minutes; per attacked account and simulated hour, reaching the password check: mean ${(perAccount.reduce((a, b) => a + b, 0) / perAccount.length).toFixed(1)}, p99 ${perAccount[Math.floor(perAccount.length * 0.99)].toFixed(1)}, max ${perAccount[perAccount.length - 1].toFixed(1)}`);
    console.log(`  legitimate logins from known networks refused: ${refused} of ${legit}`);
    if (refused > 0) process.exitCode = 1;
  } finally {
    for (const n of nodes) n.child.kill('SIGKILL');
    redis.stop();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
