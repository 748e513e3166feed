import fs from 'node:fs';
import { createGunzip } from 'node:zlib';
import { LineReader } from './line-splitter';

/*
 * The byte sources of a scan: a plain file (or a byte range of it, read
 * synchronously into one reused buffer), a gzip file (rotated logs,
 * mail.log.2.gz, recognised by content), and stdin. Following a live file
 * is follow.ts. Each feeds one line splitter; progress is in bytes of the
 * input as stored (compressed bytes for gzip, so a bar can move on it).
 */

/** A line consumer: b[start, end) for each line (valid during the call only), `overlong` for a line past the cap. */
export interface LineSink {
  line(b: Buffer, start: number, end: number): void;
  overlong(): void;
}

/** Read size of the gzip and stdin paths: few buffers in flight (memory), few syscalls. */
const CHUNK = 256 * 1024;
/** Read size of the synchronous plain-file path. */
const SYNC_CHUNK = 1024 * 1024;

export class InputError extends Error {
  override readonly name = 'InputError';
}

function splitter(sink: LineSink): LineReader {
  return new LineReader((b, start, end) => sink.line(b, start, end), () => sink.overlong());
}

export function isGzip(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(2);
    return fs.readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
}

/** Size of a file to be read, or an InputError that says why it cannot be. */
export function inputSize(file: string): number {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new InputError(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  if (!st.isFile()) throw new InputError(`${file}: not a regular file`);
  return st.size;
}

/** Reads a stream (stdin) into `sink`, reporting the bytes it delivered. */
export async function readStream(input: NodeJS.ReadableStream, sink: LineSink, progress?: (bytes: number) => void): Promise<void> {
  const r = splitter(sink);
  for await (const chunk of input) {
    r.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : (chunk as Buffer));
    progress?.(r.bytes);
  }
  r.end();
}

/** Reads a gzip file into `sink`, reporting compressed bytes read so far. */
export async function readGzip(file: string, sink: LineSink, progress?: (bytes: number) => void): Promise<void> {
  const raw = fs.createReadStream(file, { highWaterMark: CHUNK });
  const r = splitter(sink);
  const gunzip = raw.pipe(createGunzip({ chunkSize: CHUNK }));
  raw.on('error', (e) => gunzip.destroy(e));
  try {
    for await (const chunk of gunzip) {
      r.push(chunk as Buffer);
      progress?.(raw.bytesRead);
    }
  } catch (e) {
    throw new InputError(`${file}: ${(e as Error).message}`);
  }
  r.end();
}

/**
 * Reads [start, end) of a plain file into `sink` with synchronous reads into
 * one reused buffer: no stream machinery, no per-chunk Buffer allocation and
 * no idle turns of the event loop between reads. `limit`, asked before each
 * read with the position reached, may bring the end closer (to a line start
 * past that position): a worker thread has taken the rest.
 */
export function readRangeSync(file: string, start: number, end: number, sink: LineSink, progress?: (bytes: number) => void, limit?: (pos: number) => number): void {
  const r = splitter(sink);
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(SYNC_CHUNK);
    let pos = start;
    for (;;) {
      if (limit) end = Math.min(end, limit(pos));
      if (pos >= end) break;
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, end - pos), pos);
      if (n <= 0) break;
      r.push(buf.subarray(0, n));
      pos += n;
      progress?.(r.bytes);
    }
  } finally {
    fs.closeSync(fd);
  }
  r.end();
}

/** The first line start after `offset` (the byte after the next newline), or `size` when there is none. */
export function nextLineStart(file: string, offset: number, size: number): number {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(65536);
    for (let pos = offset; pos < size; ) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n <= 0) break;
      const nl = buf.subarray(0, n).indexOf(10);
      if (nl >= 0) return Math.min(size, pos + nl + 1);
      pos += n;
    }
    return size;
  } finally {
    fs.closeSync(fd);
  }
}
