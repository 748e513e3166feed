import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

/**
 * MAILWARDEN_TEST_BIN: the bin/mailwarden.js of a private build (a folder with package.json,
 * shared/plugin-manifest.schema.json, node_modules and `MAILWARDEN_DIST=<it>/dist node build.mjs`),
 * to test against while others rebuild this checkout's dist/.
 */
export const BIN = process.env.MAILWARDEN_TEST_BIN ? path.resolve(process.env.MAILWARDEN_TEST_BIN) : path.join(__dirname, '..', '..', 'bin', 'mailwarden.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI (the built one: `npm test` builds first) in its own process. */
export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, MAILWARDEN_CONFIG: '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mailwarden ${args.join(' ')} did not finish within ${options.timeoutMs ?? 20000} ms\n${stderr}`));
    }, options.timeoutMs ?? 20000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

export interface ServeProcess {
  readonly child: ChildProcess;
  /** Every JSON log line so far. */
  readonly logs: Array<Record<string, any>>;
  /** listener name → port actually bound. */
  readonly ports: Record<string, number>;
  /** Resolves with the first log line matching, or rejects after timeoutMs. */
  waitFor(pred: (line: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `mailwarden serve` with ephemeral loopback ports unless told
 * otherwise, and resolves once it logs "ready".
 */
export async function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const defaults = ['--listen-admin', '127.0.0.1:0', '--listen-dovecot', '127.0.0.1:0', '--listen-postfix', '127.0.0.1:0'];
  const given = new Set(args.filter((a) => a.startsWith('--listen-')));
  const listen: string[] = [];
  for (let i = 0; i < defaults.length; i += 2) if (!given.has(defaults[i])) listen.push(defaults[i], defaults[i + 1]);
  const child = spawn(process.execPath, [BIN, 'serve', ...listen, ...args], { env: { ...process.env, MAILWARDEN_CONFIG: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Array<Record<string, any>> = [];
  const ports: Record<string, number> = {};
  const waiters: Array<{ pred: (l: Record<string, any>) => boolean; resolve: (l: Record<string, any>) => void }> = [];
  let buf = '';
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.on('data', (d) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let obj: Record<string, any>;
      try {
        obj = JSON.parse(line);
      } catch {
        continue;
      }
      logs.push(obj);
      if (obj.msg === 'listening') ports[obj.listener] = obj.port;
      for (const w of [...waiters]) if (w.pred(obj)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(obj);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = (pred: (l: Record<string, any>) => boolean, timeoutMs = 15000) => {
    const hit = logs.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise<Record<string, any>>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`serve did not log the expected line within ${timeoutMs} ms; stderr: ${stderr}; logs: ${JSON.stringify(logs.slice(-5))}`)), timeoutMs);
      waiters.push({ pred, resolve: (l) => { clearTimeout(t); resolve(l); } });
      void exited.then((code) => { clearTimeout(t); reject(new Error(`serve exited (${code}) before the expected line; stderr: ${stderr}; logs: ${JSON.stringify(logs.slice(-5))}`)); });
    });
  };
  await waitFor((l) => l.msg === 'ready');
  return {
    child, logs, ports, waitFor,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
