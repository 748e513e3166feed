import { type ChildProcess, execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const BIN = path.join(__dirname, '..', '..', 'bin', 'mailwarden.js');

export interface Served {
  readonly proc: ChildProcess;
  readonly ports: Record<string, number>;
  readonly logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/**
 * Runs the real `mailwarden serve` (the built CLI) and waits for its
 * `listening` log lines; port 0 lets the system pick free ports.
 */
export async function serve(args: readonly string[], listeners: readonly string[] = ['admin'], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  if (!fs.existsSync(path.join(__dirname, '..', '..', 'dist', 'app', 'host', 'adapters', 'cli', 'main.js'))) throw new Error('not built: run node build.mjs');
  const proc = spawn(process.execPath, [BIN, 'serve', ...args], { env: { ...process.env, MAILWARDEN_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Array<Record<string, unknown>> = [];
  const ports: Record<string, number> = {};
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start in 20 s: ${stderr}`)), 20_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${stderr}`));
    });
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const j = JSON.parse(line) as Record<string, unknown>;
          logs.push(j);
          if (j.msg === 'listening') ports[String(j.listener)] = Number(j.port);
          if (listeners.every((l) => l in ports)) {
            clearTimeout(timer);
            resolve();
          }
        } catch {
          /* not a log line */
        }
      }
    });
  });
  return {
    proc,
    ports,
    logs,
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs one CLI command and returns its exit code and output. */
export function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}
