import { PassThrough, Readable, Writable } from 'node:stream';
import { main } from '../../host/adapters/cli/main';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

class Sink extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

/** Runs `mailwarden ARGS` in-process with captured output; `stdin` is what the user would type or pipe. */
export async function runCli(args: readonly string[], o: { stdin?: string; env?: NodeJS.ProcessEnv; tty?: boolean; stderrTty?: boolean } = {}): Promise<CliRun> {
  const stdout = new Sink();
  const stderr = new Sink();
  const stdin: NodeJS.ReadableStream & { isTTY?: boolean } = o.stdin === undefined ? new PassThrough().end() : Readable.from([o.stdin]);
  if (o.tty) stdin.isTTY = true;
  if (o.stderrTty) stderr.isTTY = true;
  const code = await main(args, { stdout, stderr, stdin, env: { MAILWARDEN_LOG_LEVEL: 'error', ...(o.env ?? {}) } });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
