import { UsageError } from '../../../shared';

/** Far above any policy's maxLength (4096 code points); more is not a password. */
export const MAX_SECRET_BYTES = 1 << 20;

interface TtyIn extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/**
 * Reads a password from standard input, never from argv (which any local
 * user can read in `ps`). From a pipe or file: everything up to EOF, minus one
 * final newline. From a terminal: one line, typed without echo.
 */
export async function readSecret(stdin: NodeJS.ReadableStream, prompt: NodeJS.WritableStream, what = 'password'): Promise<string> {
  const tty = stdin as TtyIn;
  if (tty.isTTY && typeof tty.setRawMode === 'function') return readFromTerminal(tty, prompt, what);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += b.length;
    if (size > MAX_SECRET_BYTES) throw new UsageError(`the ${what} on standard input is longer than ${MAX_SECRET_BYTES} bytes`);
    chunks.push(b);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new UsageError(`the ${what} on standard input is not valid UTF-8`);
  }
  if (text.endsWith('\n')) text = text.slice(0, text.endsWith('\r\n') ? -2 : -1);
  return text;
}

function readFromTerminal(tty: TtyIn, prompt: NodeJS.WritableStream, what: string): Promise<string> {
  prompt.write(`${what[0].toUpperCase()}${what.slice(1)}: `);
  tty.setRawMode!(true);
  tty.setEncoding?.('utf8');
  tty.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (err?: Error) => {
      tty.setRawMode!(false);
      tty.pause();
      tty.removeListener('data', onData);
      prompt.write('\n');
      err ? reject(err) : resolve(typed);
    };
    const onData = (s: string) => {
      for (const ch of s) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new UsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else typed += ch;
        if (typed.length > MAX_SECRET_BYTES) return done(new UsageError(`the ${what} is too long`));
      }
    };
    tty.on('data', onData);
  });
}
