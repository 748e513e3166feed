import { PassThrough } from 'node:stream';

/** stdout/stderr streams whose text a test can read afterwards. */
export function captureIo() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const text = { out: '', err: '' };
  stdout.on('data', (d) => (text.out += d));
  stderr.on('data', (d) => (text.err += d));
  return { stdout, stderr, stdin: new PassThrough(), text };
}
