/*
 * A private redis-server for tests: loopback only, ephemeral port, no
 * persistence, owned (started, stopped, paused) by the test that made it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeWith, hasSystemBinary } from '../helpers/system';

const BINARY = '/usr/bin/redis-server';

/**
 * `describe` for suites that need redis-server: they run when it is
 * installed, fail under CI=true when it is not, and are skipped with a
 * visible message otherwise.
 */
export function describeWithRedis(name: string, fn: () => void): void {
  describeWith(BINARY, 'redis-server')(name, fn);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect({ host: '127.0.0.1', port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

export class RedisServer {
  private proc: ChildProcess | undefined;
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-redis-'));
  private output = '';

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts a server on a free loopback port (another port is tried if a neighbour takes it first). */
  static async start(): Promise<RedisServer> {
    let last: Error | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      const s = new RedisServer(await freePort());
      try {
        await s.start();
        return s;
      } catch (e) {
        last = e as Error;
        await s.destroy();
      }
    }
    throw last;
  }

  /** (Re)starts the server on its port; resolves when it accepts connections. */
  async start(): Promise<void> {
    if (this.proc) return;
    this.output = '';
    const proc = spawn(BINARY, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', this.dir, '--protected-mode', 'yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    const exited = new Promise<never>((_, reject) => proc.once('exit', (code) => reject(new Error(`redis-server on port ${this.port} exited (${code}): ${this.output.slice(-500)}`))));
    exited.catch(() => undefined);
    proc.once('exit', () => {
      if (this.proc === proc) this.proc = undefined;
    });
    const deadline = Date.now() + 10_000;
    while (!this.output.includes('Ready to accept connections') || !(await canConnect(this.port))) {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not start: ${this.output.slice(-500)}`);
      await Promise.race([new Promise((r) => setTimeout(r, 20)), exited]);
    }
  }

  /** Stops the server (its data goes with it: no persistence). */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.proc = undefined;
    if (proc.exitCode === null && proc.signalCode === null) {
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await gone;
    }
  }

  /** Freezes the server (connections stay open, nothing answers): a hung Redis. */
  pause(): void {
    this.proc?.kill('SIGSTOP');
  }
  resume(): void {
    this.proc?.kill('SIGCONT');
  }

  /** Runs redis-cli against this server (test assertions on raw keys). */
  cli(...args: string[]): string {
    return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(this.port), ...args], { encoding: 'utf8' });
  }

  async destroy(): Promise<void> {
    this.resume();
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const SENTINEL_BINARY = '/usr/bin/redis-sentinel';
const CLI_BINARY = '/usr/bin/redis-cli';

/** `describe` for suites that need a Redis Cluster (redis-server and redis-cli). */
export function describeWithRedisCluster(name: string, fn: () => void): void {
  const ok = hasSystemBinary(BINARY, 'redis-server') && hasSystemBinary(CLI_BINARY, 'redis-tools');
  (ok ? describe : describe.skip)(name, fn);
}

/** `describe` for suites that need Redis Sentinel. */
export function describeWithRedisSentinel(name: string, fn: () => void): void {
  const ok = hasSystemBinary(BINARY, 'redis-server') && hasSystemBinary(SENTINEL_BINARY, 'redis-sentinel') && hasSystemBinary(CLI_BINARY, 'redis-tools');
  (ok ? describe : describe.skip)(name, fn);
}

/** One server process of a topology (cluster node, master, replica or sentinel). */
class Proc {
  private proc: ChildProcess | undefined;
  output = '';
  constructor(readonly port: number, private readonly argv: string[], private readonly binary = BINARY) {}

  get running(): boolean {
    return this.proc !== undefined;
  }

  async start(ready: string): Promise<void> {
    this.output = '';
    const proc = spawn(this.binary, this.argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.once('exit', () => {
      if (this.proc === proc) this.proc = undefined;
    });
    const deadline = Date.now() + 10_000;
    while (!this.output.includes(ready) || !(await canConnect(this.port))) {
      if (!this.proc) throw new Error(`${this.binary} on port ${this.port} exited: ${this.output.slice(-500)}`);
      if (Date.now() > deadline) throw new Error(`${this.binary} on port ${this.port} did not start: ${this.output.slice(-500)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** kill -9: no shutdown, nothing flushed, connections reset. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.proc = undefined;
    if (proc.exitCode === null && proc.signalCode === null) {
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await gone;
    }
  }

  cli(...args: string[]): string {
    return execFileSync(CLI_BINARY, ['-h', '127.0.0.1', '-p', String(this.port), ...args], { encoding: 'utf8' });
  }
}

/** `count` distinct free loopback ports (the OS hands out each once while the listeners are open). */
async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const s = net.createServer();
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve());
      });
      servers.push(s);
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

const COMMON = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--protected-mode', 'yes'];

/**
 * A Redis Cluster on loopback: `masters` masters with `replicas` replicas
 * each, created with `redis-cli --cluster create`. Bus ports are chosen too
 * (cluster-port), so nothing assumes port + 10000 is free.
 */
export class RedisCluster {
  private constructor(readonly nodes: Proc[], private readonly dir: string) {}

  get url(): string {
    return `redis-cluster://${this.nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`;
  }

  static async start(masters = 3, replicas = 1): Promise<RedisCluster> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-redis-cluster-'));
    const n = masters * (1 + replicas);
    const ports = await freePorts(2 * n);
    const nodes = Array.from({ length: n }, (_, i) => new Proc(ports[i], [
      '--port', String(ports[i]), '--cluster-port', String(ports[n + i]), ...COMMON, '--dir', dir,
      '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${ports[i]}.conf`, '--cluster-node-timeout', '2000',
    ]));
    const cluster = new RedisCluster(nodes, dir);
    try {
      await Promise.all(nodes.map((p) => p.start('Ready to accept connections')));
      execFileSync(CLI_BINARY, ['--cluster', 'create', ...nodes.map((p) => `127.0.0.1:${p.port}`), '--cluster-replicas', String(replicas), '--cluster-yes'], { encoding: 'utf8', timeout: 60_000 });
      const deadline = Date.now() + 30_000;
      while (!nodes.every((p) => p.cli('cluster', 'info').includes('cluster_state:ok'))) {
        if (Date.now() > deadline) throw new Error('the cluster did not reach cluster_state:ok');
        await new Promise((r) => setTimeout(r, 100));
      }
      // cluster_state:ok says nothing of replication: a WAIT before a replica's first sync answers 0.
      const isReplica = (p: Proc) => p.cli('info', 'replication').includes('role:slave');
      while (!nodes.filter(isReplica).every((p) => p.cli('info', 'replication').includes('master_link_status:up')) || nodes.filter(isReplica).length < masters * replicas) {
        if (Date.now() > deadline) throw new Error('the cluster replicas did not sync with their masters');
        await new Promise((r) => setTimeout(r, 100));
      }
      return cluster;
    } catch (e) {
      await cluster.destroy();
      throw e;
    }
  }

  /** Port of the master that serves each key's slot (one redis-cli call for them all). */
  mastersOf(keys: string[]): number[] {
    const slots = execFileSync(CLI_BINARY, ['-h', '127.0.0.1', '-p', String(this.nodes[0].port)], { input: keys.map((k) => `CLUSTER KEYSLOT ${k}\n`).join(''), encoding: 'utf8' })
      .trim().split('\n').map(Number);
    const ranges: Array<[number, number, number]> = [];
    for (const l of this.nodes[0].cli('cluster', 'nodes').trim().split('\n')) {
      const f = l.split(' ');
      if (!f[2].includes('master')) continue;
      const port = Number(/:(\d+)@/.exec(f[1])![1]);
      for (const range of f.slice(8)) {
        const [a, b] = range.split('-').map(Number);
        ranges.push([a, b ?? a, port]);
      }
    }
    return slots.map((slot) => {
      const r = ranges.find(([a, b]) => slot >= a && slot <= b);
      if (!r) throw new Error(`no master for slot ${slot}`);
      return r[2];
    });
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((p) => p.kill()));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A master, its replicas and three sentinels (quorum 2) on loopback. The
 * sentinels declare the master down after `downAfterMs` without answers.
 */
export class RedisSentinelSet {
  readonly name = 'mw';
  private constructor(readonly servers: Proc[], readonly sentinels: Proc[], private readonly dir: string) {}

  get url(): string {
    return `redis-sentinel://${this.sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${this.name}`;
  }

  static async start(replicas = 2, downAfterMs = 1000): Promise<RedisSentinelSet> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-redis-sentinel-'));
    fs.chmodSync(dir, 0o755);
    const ports = await freePorts(1 + replicas + 3);
    const master = ports[0];
    const servers = ports.slice(0, 1 + replicas).map((port, i) => new Proc(port, [
      '--port', String(port), ...COMMON, '--dir', dir, '--dbfilename', `dump-${port}.rdb`,
      ...(i > 0 ? ['--replicaof', '127.0.0.1', String(master)] : []),
    ]));
    const sentinels = ports.slice(1 + replicas).map((port) => {
      const conf = path.join(dir, `sentinel-${port}.conf`);
      fs.writeFileSync(conf, [
        `port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, 'protected-mode no',
        `sentinel monitor mw 127.0.0.1 ${master} 2`,
        `sentinel down-after-milliseconds mw ${downAfterMs}`,
        'sentinel failover-timeout mw 5000',
        'sentinel parallel-syncs mw 2',
        '',
      ].join('\n'));
      return new Proc(port, [conf], SENTINEL_BINARY);
    });
    const set = new RedisSentinelSet(servers, sentinels, dir);
    try {
      await servers[0].start('Ready to accept connections');
      await Promise.all(servers.slice(1).map((p) => p.start('Ready to accept connections')));
      const deadline = Date.now() + 20_000;
      while (!servers.slice(1).every((p) => p.cli('info', 'replication').includes('master_link_status:up'))) {
        if (Date.now() > deadline) throw new Error('replicas did not sync with the master');
        await new Promise((r) => setTimeout(r, 50));
      }
      await Promise.all(sentinels.map((s) => s.start('+monitor master')));
      // Sentinels learn replicas and each other from the master and its hello channel.
      while (!sentinels.every((s) => Number(/num-other-sentinels\n(\d+)/.exec(s.cli('sentinel', 'master', 'mw'))?.[1] ?? 0) === 2 && Number(/num-slaves\n(\d+)/.exec(s.cli('sentinel', 'master', 'mw'))?.[1] ?? 0) === replicas)) {
        if (Date.now() > deadline) throw new Error('sentinels did not discover each other and the replicas');
        await new Promise((r) => setTimeout(r, 100));
      }
      return set;
    } catch (e) {
      await set.destroy();
      throw e;
    }
  }

  /** Port of the master as the sentinels see it now. */
  masterPort(): number {
    const out = this.sentinels.find((s) => s.running)!.cli('sentinel', 'get-master-addr-by-name', this.name).trim().split('\n');
    return Number(out[1]);
  }

  server(port: number): Proc {
    return this.servers.find((s) => s.port === port)!;
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.sentinels, ...this.servers].map((p) => p.kill()));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
