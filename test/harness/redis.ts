/*
 * A private redis-server for tests: loopback only, ephemeral port, no
 * persistence, owned (started, stopped, paused) by the test that made it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeWith } from '../helpers/system';

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
