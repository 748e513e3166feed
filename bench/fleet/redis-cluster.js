'use strict';
// A throwaway Redis Cluster on loopback for the fleet simulation: `masters`
// masters (no replicas: the simulation measures the fleet, not failover),
// bus ports chosen explicitly, no persistence.
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

async function freePorts(n) {
  const servers = [];
  for (let i = 0; i < n; i++) {
    const s = net.createServer();
    await new Promise((resolve, reject) => { s.once('error', reject); s.listen(0, '127.0.0.1', resolve); });
    servers.push(s);
  }
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

const cli = (port, ...args) => execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8' });

async function startCluster(masters = 3) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-fleet-redis-'));
  const ports = await freePorts(2 * masters);
  const procs = [];
  for (let i = 0; i < masters; i++) {
    const port = ports[i];
    const p = spawn('redis-server', ['--port', String(port), '--cluster-port', String(ports[masters + i]), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', dir, '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    procs.push({ port, p, out: () => out });
  }
  const stop = () => {
    for (const { p } of procs) p.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 15_000;
    while (!procs.every((x) => x.out().includes('Ready to accept connections'))) {
      if (Date.now() > deadline) throw new Error('redis-server did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
    execFileSync('redis-cli', ['--cluster', 'create', ...procs.map((x) => `127.0.0.1:${x.port}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'ignore', timeout: 60_000 });
    while (!procs.every((x) => cli(x.port, 'cluster', 'info').includes('cluster_state:ok'))) {
      if (Date.now() > deadline + 15_000) throw new Error('cluster not ok');
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (e) {
    stop();
    throw e;
  }
  const commandsProcessed = () => procs.reduce((n, x) => n + Number(/total_commands_processed:(\d+)/.exec(cli(x.port, 'info', 'stats'))[1]), 0);
  return { url: `redis-cluster://${procs.map((x) => `127.0.0.1:${x.port}`).join(',')}`, stop, commandsProcessed };
}

module.exports = { startCluster };
