import { PassThrough, Readable, Writable } from 'node:stream';
import { readSecret } from '../../../../../host/adapters/cli/read-secret';

class Sink extends Writable {
  text = '';
  override _write(c: Buffer, _e: string, cb: () => void): void {
    this.text += c.toString();
    cb();
  }
}

/** A stand-in terminal: records raw-mode switches, delivers what the user types. */
function fakeTty() {
  const s = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode(m: boolean): void; modes: boolean[] };
  s.isTTY = true;
  s.modes = [];
  s.setRawMode = (m: boolean) => void s.modes.push(m);
  return s;
}

test('from a pipe: everything up to EOF, minus one final newline', async () => {
  expect(await readSecret(Readable.from([Buffer.from('  a b\n\n')]), new Sink())).toBe('  a b\n');
  expect(await readSecret(Readable.from([Buffer.from('x\r\n')]), new Sink())).toBe('x');
  expect(await readSecret(Readable.from([Buffer.from('no newline')]), new Sink())).toBe('no newline');
});

test('from a terminal: prompts, reads one line without echo, honours backspace, restores the mode', async () => {
  const tty = fakeTty();
  const prompt = new Sink();
  const p = readSecret(tty, prompt);
  tty.write('Ét\u007fté2024!x\rignored');
  expect(await p).toBe('Été2024!x');
  expect(prompt.text).toBe('Password: \n');
  expect(tty.modes).toEqual([true, false]);
});

test('Ctrl-C at the prompt cancels', async () => {
  const tty = fakeTty();
  const p = readSecret(tty, new Sink());
  tty.write('abc\u0003');
  await expect(p).rejects.toThrow('cancelled');
  expect(tty.modes).toEqual([true, false]);
});
