import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';
import { LineReader } from './line-reader';
import { DEFAULT_LIMITS, LogStats, type StatsState } from './log-stats';

export interface ScanProgress {
  /** Bytes read of the input (compressed bytes for .gz). */
  readonly bytes: number;
  /** Total bytes, when known (not for stdin). */
  readonly total?: number;
}

export interface ScanOptions {
  /** Called now and then while reading. */
  readonly onProgress?: (p: ScanProgress) => void;
  /** Worker threads for a large plain file; default: one per core, at most 2 (memory). 1 = none. */
  readonly threads?: number;
  /** Plain files at least this large are split between threads (tests lower it). */
  readonly parallelMinBytes?: number;
}

/** Files smaller than this are not worth a worker thread. */
const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;
/** Read size: small enough that few buffers are in flight (memory), large enough for few syscalls. */
const CHUNK = 256 * 1024;
/** Read size of the synchronous plain-file path. */
const SYNC_CHUNK = 1024 * 1024;

export class ScanInputError extends Error {
  override readonly name = 'ScanInputError';
}

function isGzip(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(2);
    return fs.readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
}

function reader(stats: LogStats): LineReader {
  return new LineReader((s, a, b) => stats.line(s, a, b), () => {
    stats.lines++;
    stats.unparsed++;
  });
}

/** Reads a stream into `stats`, reporting progress by the bytes the stream delivered. */
export async function scanStream(input: NodeJS.ReadableStream, stats: LogStats, progress?: (bytes: number) => void): Promise<void> {
  const r = reader(stats);
  for await (const chunk of input) {
    r.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : (chunk as Buffer));
    progress?.(r.bytes);
  }
  r.end();
}

/**
 * Reads [start, end) of a plain file into `stats` with synchronous reads into
 * one reused buffer: no stream machinery, no per-chunk Buffer allocation and
 * no idle turns of the event loop between reads.
 */
export function scanRangeSync(file: string, start: number, end: number, stats: LogStats, progress?: (bytes: number) => void): void {
  const r = reader(stats);
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(SYNC_CHUNK);
    let pos = start;
    while (pos < end) {
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

/** Offsets that split a file into `parts` ranges, each starting at the beginning of a line. */
export function lineAlignedSplits(file: string, size: number, parts: number): number[] {
  const cuts = [0];
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(65536);
    for (let k = 1; k < parts; k++) {
      let pos = Math.max(cuts[cuts.length - 1], Math.floor((size * k) / parts));
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, pos);
        if (n <= 0) {
          pos = size;
          break;
        }
        const nl = buf.subarray(0, n).indexOf(10);
        if (nl >= 0) {
          pos += nl + 1;
          break;
        }
        pos += n;
      }
      if (pos < size && pos > cuts[cuts.length - 1]) cuts.push(pos);
    }
  } finally {
    fs.closeSync(fd);
  }
  cuts.push(size);
  return cuts;
}

function workerFile(): string | undefined {
  const f = path.join(__dirname, 'scan-worker.js');
  return fs.existsSync(f) ? f : undefined;
}

/** Scans [start, end) of a file in a worker thread. */
function scanRangeInWorker(file: string, start: number, end: number, onBytes: (n: number) => void): Promise<StatsState> {
  return new Promise((resolve, reject) => {
    // A young generation of a few MB: the scan's garbage is 64 KB strings that die at once.
    const w = new Worker(workerFile()!, { workerData: { file, start, end }, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    w.on('message', (m: { bytes?: number; state?: StatsState }) => {
      if (m.state) resolve(m.state);
      else if (m.bytes !== undefined) onBytes(m.bytes);
    });
    w.on('error', reject);
    w.on('exit', (code) => {
      if (code !== 0) reject(new Error(`log scan worker for ${file} exited with ${code}`));
    });
  });
}

async function scanPlainFile(file: string, size: number, stats: LogStats, threads: number, minBytes: number, progress: (bytes: number) => void): Promise<void> {
  if (threads > 1 && size >= minBytes && workerFile()) {
    const cuts = lineAlignedSplits(file, size, threads);
    const done = new Array<number>(cuts.length - 1).fill(0);
    const report = (k: number, n: number) => {
      done[k] = n;
      progress(done.reduce((a, b) => a + b, 0));
    };
    // Workers take the ranges after the first; this thread scans the first
    // itself meanwhile: one worker fewer to start, and one state fewer to
    // copy across and merge (the main thread's stats are the first range's).
    const workers = Promise.all(cuts.slice(1, -1).map((start, k) => scanRangeInWorker(file, start, cuts[k + 2], (n) => report(k + 1, n))));
    workers.catch(() => undefined); // awaited below; not unhandled while this thread scans
    scanRangeSync(file, cuts[0], cuts[1], stats, (n) => report(0, n));
    // Ranges are merged in file order, so a message whose lines straddle a cut is linked up.
    for (const st of await workers) stats.absorb(st);
    return;
  }
  // To the end of the file as it is now, as a stream would (a live log may have grown since stat).
  scanRangeSync(file, 0, Infinity, stats, progress);
}

/**
 * Scans log files (plain or gzip, by content) and `-` for stdin, in order,
 * into one set of statistics. Memory stays bounded whatever the input.
 */
export async function scanFiles(files: readonly string[], o: ScanOptions = {}, stdin: NodeJS.ReadableStream = process.stdin): Promise<LogStats> {
  const stats = new LogStats(DEFAULT_LIMITS, false);
  const sizes = new Map<string, number>();
  for (const f of files) {
    if (f === '-') continue;
    let st: fs.Stats;
    try {
      st = fs.statSync(f);
    } catch (e) {
      throw new ScanInputError(`${f}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    if (!st.isFile()) throw new ScanInputError(`${f}: not a regular file`);
    sizes.set(f, st.size);
  }
  const total = files.includes('-') ? undefined : [...sizes.values()].reduce((a, b) => a + b, 0);
  let before = 0;
  const threads = Math.max(1, o.threads ?? Math.min(2, os.availableParallelism?.() ?? os.cpus().length));
  for (const f of files) {
    const report = (bytes: number) => o.onProgress?.({ bytes: before + bytes, total });
    if (f === '-') await scanStream(stdin, stats, report);
    else if (isGzip(f)) await scanStream(fs.createReadStream(f, { highWaterMark: CHUNK }).pipe(createGunzip({ chunkSize: CHUNK })), stats, () => report(0));
    else await scanPlainFile(f, sizes.get(f)!, stats, threads, o.parallelMinBytes ?? PARALLEL_MIN_BYTES, report);
    before += sizes.get(f) ?? 0;
    o.onProgress?.({ bytes: before, total });
  }
  return stats;
}
