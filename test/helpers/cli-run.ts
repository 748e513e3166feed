import { Readable, Writable } from 'node:stream';
import { main } from '../../host/adapters/cli/main';

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

/** Runs `mailwarden ARGV` in-process with `stdin` as standard input. */
export async function cli(argv: string[], stdin: string | Buffer = '', env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await main(argv, { stdout, stderr, stdin: Readable.from([typeof stdin === 'string' ? Buffer.from(stdin) : stdin]), env: { USER: 'tester', ...env } });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
