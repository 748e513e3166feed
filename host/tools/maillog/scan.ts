import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { inputSize, isGzip, nextLineStart, readGzip, readRangeSync, readStream } from './byte-source';
import { W_ASSIGNED, W_CANCELLED, W_READY, W_STARTING } from './scan-handshake';
import { FULL, LineRing, type RingGeometry } from './line-ring';
import { RingFeeder } from './ring-feeder';
import { DEFAULT_LIMITS, LogStats, type StatsLimits, type StatsOptions, type StatsState } from './log-stats';

export { InputError } from './byte-source';

export interface ScanProgress {
  /** Bytes read of the input (compressed bytes for .gz). */
  readonly bytes: number;
  /** Total bytes, when known (not for stdin). */
  readonly total?: number;
}

/** What a worker thread needs to count as the main thread does (plain data). */
export type WorkerStatsOptions = Omit<StatsOptions, 'onFailure' | 'onEvent' | 'keepOrphans'>;

export interface ScanOptions extends WorkerStatsOptions {
  /** Called now and then while reading. */
  readonly onProgress?: (p: ScanProgress) => void;
  /** Threads for a large plain file; default: 2 when a core is idle (load average), else 1. Two are two stages (scanInPipeline), more are ranges (scanInThreads). */
  readonly threads?: number;
  /** Plain files at least this large are split between threads (tests lower it). */
  readonly parallelMinBytes?: number;
  /** The two-thread scan's ring (line-ring.ts; tests make it small, to cross its slots often). */
  readonly ring?: RingGeometry;
  /** With ranges: start reading only once every worker thread is ready, so that even a small file is split (tests). */
  readonly awaitWorkers?: boolean;
  /** Called with the bytes of a file scanned on two threads as two stages (the worker tokenized them all). */
  readonly onPipeline?: (file: string, bytes: number) => void;
  /** Called with the byte ranges a file was scanned in on three or more threads, one per thread that had one, in file order. */
  readonly onRanges?: (file: string, ranges: Array<[number, number]>) => void;
  /** Called with each failure counted; forces one thread, so calls come in log order. */
  readonly onFailure?: StatsOptions['onFailure'];
  /** Called with each line counted, in log order (StatsOptions.onEvent): on this thread, so with two threads at most. */
  readonly onEvent?: StatsOptions['onEvent'];
}

/** Files smaller than this are not worth a worker thread. */
const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;

/** A worker thread's code, next to this file once built (not when tests run the sources). */
function workerFile(name: string): string | undefined {
  const f = path.join(__dirname, name);
  return fs.existsSync(f) ? f : undefined;
}

/**
 * Threads when not asked for: two when the machine has a core to spare, else
 * one. A second thread on a busy machine only takes turns with the first (and
 * with whatever keeps it busy): the scan then costs ~15% more CPU time (the
 * worker's start, its compiled code, the hand-over) and a second heap for nothing.
 */
function defaultThreads(): number {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  return cores >= 2 && os.loadavg()[0] < cores - 1 ? 2 : 1;
}

interface Helper {
  /** W_* */
  readonly flag: Int32Array;
  /** [start, end) it is given. */
  readonly range: Float64Array;
  readonly result: Promise<{ start: number; end: number; state?: StatsState }>;
  bytes: number;
}

/** A worker thread that, once its code is loaded, waits to be given a byte range of `file` (see scanPlainFile). */
function startHelper(file: string, options: WorkerStatsOptions, onBytes: () => void): Helper {
  const shared = new SharedArrayBuffer(24);
  const flag = new Int32Array(shared, 0, 1);
  const range = new Float64Array(shared, 8, 2);
  let helper: Helper;
  const result = new Promise<{ start: number; end: number; state?: StatsState }>((resolve, reject) => {
    // A young generation of a few MB: the scan's garbage is short-lived.
    const w = new Worker(workerFile('scan-worker.js')!, { workerData: { file, options, shared }, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    w.on('message', (m: { bytes?: number; state?: StatsState; cancelled?: boolean }) => {
      if (m.state) resolve({ start: range[0], end: range[1], state: m.state });
      else if (m.cancelled) resolve({ start: -1, end: -1 });
      else if (m.bytes !== undefined) {
        helper.bytes = m.bytes;
        onBytes();
      }
    });
    w.on('error', reject);
    w.on('exit', (code) => {
      if (code !== 0) reject(new Error(`log scan worker for ${file} exited with ${code}`));
    });
  });
  result.catch(() => undefined); // awaited by the caller; not unhandled while this thread scans
  helper = { flag, range, result, bytes: 0 };
  return helper;
}

/**
 * A large plain file on several threads. This thread reads from the start;
 * a worker thread, once it has loaded (tens to hundreds of ms: a new V8
 * isolate), takes a share of what this thread has not read yet, from the
 * end: a fixed split made this thread wait for the late starter. Each
 * worker's share is what is left divided among the threads still without
 * one and this one, cut at a line start. This thread notices a ready
 * worker between two reads (the scan is synchronous: the hand-shake is
 * shared memory, not messages). Ranges are merged in file order, so a
 * message whose lines straddle a cut is linked up.
 */
async function scanInThreads(file: string, size: number, stats: LogStats, o: ScanOptions, workers: number, progress: (bytes: number) => void): Promise<void> {
  // The memory budget is the scan's, not each thread's: a worker's tables get
  // its share of the caps (a worker is a second heap, and its tables are
  // copied to this thread at the end). Merged tables keep the whole cap.
  const limits = o.limits ?? DEFAULT_LIMITS;
  const share: StatsLimits = { ...limits, maxKeys: Math.ceil(limits.maxKeys / (workers + 1)) };
  const options: WorkerStatsOptions = { limits: share, keepUnparsed: o.keepUnparsed, since: o.since, until: o.until, windowZoned: o.windowZoned, now: o.now, localDomains: o.localDomains };
  let mine = 0;
  const report = () => progress(mine + helpers.reduce((a, h) => a + h.bytes, 0));
  const helpers = Array.from({ length: workers }, () => startHelper(file, options, report));
  let mainEnd = size;
  try {
    // Polled, not Atomics.wait: a worker's start-up needs this thread's event loop. A worker that fails to start ends the wait (and the scan).
    while (o.awaitWorkers && helpers.some((h) => Atomics.load(h.flag, 0) === W_STARTING)) await Promise.race([new Promise((r) => setTimeout(r, 5)), ...helpers.map((h) => h.result)]);
    let end = size;
    const limit = (pos: number): number => {
      for (const h of helpers) {
        if (Atomics.load(h.flag, 0) !== W_READY) continue;
        const waiting = helpers.filter((x) => Atomics.load(x.flag, 0) <= W_READY).length;
        const cut = nextLineStart(file, pos + Math.floor(((end - pos) * waiting) / (waiting + 1)), end);
        if (cut >= end) continue; // too little left to share: cancelled below
        h.range[0] = cut;
        h.range[1] = end;
        end = cut;
        Atomics.store(h.flag, 0, W_ASSIGNED);
        Atomics.notify(h.flag, 0);
      }
      return end;
    };
    readRangeSync(file, 0, size, stats, (n) => {
      mine = n;
      report();
    }, limit);
    mainEnd = end;
  } finally {
    // Workers given nothing (still loading, nothing left to share, or this thread failed) stop.
    for (const h of helpers) {
      if (Atomics.compareExchange(h.flag, 0, W_STARTING, W_CANCELLED) === W_STARTING) continue;
      if (Atomics.compareExchange(h.flag, 0, W_READY, W_CANCELLED) === W_READY) Atomics.notify(h.flag, 0);
    }
  }
  const ranges = (await Promise.all(helpers.map((h) => h.result))).filter((r) => r.state).sort((a, b) => a.start - b.start);
  o.onRanges?.(file, [[0, mainEnd], ...ranges.map((r): [number, number] => [r.start, r.end])]);
  for (const r of ranges) stats.absorb(r.state!);
}

/**
 * A large plain file on two threads as two stages (line-ring.ts): a worker
 * thread splits, tokenizes and recognises lines, this thread reads them in
 * and counts them, in order. The worker takes tens to hundreds of ms to
 * load (a new V8 isolate); this thread reads ahead meanwhile and waits.
 * Scanning on its own until then was slower: it compiled the tokenizer and
 * recognisers too, for a few MB, while the worker compiled them again.
 */
async function scanInPipeline(file: string, stats: LogStats, o: ScanOptions, progress: (bytes: number) => void): Promise<void> {
  // Opened first: a worker started for a file that cannot be opened would wait on the ring for ever.
  const fd = fs.openSync(file, 'r');
  const ring = new LineRing(o.ring);
  const w = new Worker(workerFile('producer-worker.js')!, { workerData: { ring: ring.buffer, geometry: ring.geometry } });
  // Its exit code once it has stopped (having filled its last slot), or why it failed.
  const ended = new Promise<number>((resolve, reject) => {
    w.on('error', reject);
    w.on('exit', resolve);
  });
  ended.catch(() => undefined); // raced below; not unhandled while this thread scans
  try {
    const feeder = new RingFeeder(ring, fd, 0, (b, r, n) => stats.records(b, r, n));
    while (!feeder.done) {
      feeder.fill();
      if (feeder.countNext()) {
        progress(feeder.bytes);
        continue;
      }
      const code = await Promise.race([ring.whenFull(feeder.next).then(() => undefined), ended]);
      if (code !== undefined && ring.state(feeder.next) !== FULL) throw new Error(`log scan worker for ${file} stopped (exit code ${code}) before the end of the file`);
    }
    o.onPipeline?.(file, feeder.bytes);
  } finally {
    fs.closeSync(fd);
    // Done: it has stopped; this thread failed: it stops, wherever it waits.
    await w.terminate();
  }
}

async function scanPlainFile(file: string, size: number, stats: LogStats, o: ScanOptions, threads: number, progress: (bytes: number) => void): Promise<void> {
  if (threads === 2 && size >= (o.parallelMinBytes ?? PARALLEL_MIN_BYTES) && workerFile('producer-worker.js')) return scanInPipeline(file, stats, o, progress);
  if (threads > 2 && size >= (o.parallelMinBytes ?? PARALLEL_MIN_BYTES) && workerFile('scan-worker.js')) return scanInThreads(file, size, stats, o, threads - 1, progress);
  // To the end of the file as it is now, as a stream would (a live log may have grown since stat).
  readRangeSync(file, 0, Infinity, stats, progress);
}

/**
 * Scans log files (plain or gzip, by content) and `-` for stdin, in order,
 * into one set of statistics. Memory stays bounded whatever the input.
 */
export async function scanFiles(files: readonly string[], o: ScanOptions = {}, stdin: () => NodeJS.ReadableStream = () => process.stdin): Promise<LogStats> {
  const stats = new LogStats({ ...o, keepOrphans: false });
  const sizes = new Map<string, number>();
  for (const f of files) if (f !== '-') sizes.set(f, inputSize(f));
  const total = files.includes('-') ? undefined : [...sizes.values()].reduce((a, b) => a + b, 0);
  let before = 0;
  // Ranges are counted in other threads: callbacks are called from this one.
  const threads = o.onFailure ? 1 : Math.min(o.onEvent ? 2 : Infinity, Math.max(1, o.threads ?? defaultThreads()));
  for (const f of files) {
    const report = (bytes: number) => o.onProgress?.({ bytes: before + bytes, total });
    // stdin is asked for only when read: node makes process.stdin on first use, and an idle one keeps a process alive.
    if (f === '-') await readStream(stdin(), stats, report);
    else if (isGzip(f)) await readGzip(f, stats, report);
    else await scanPlainFile(f, sizes.get(f)!, stats, o, threads, report);
    before += sizes.get(f) ?? 0;
    o.onProgress?.({ bytes: before, total });
  }
  return stats;
}
