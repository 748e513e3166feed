import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { inputSize, isGzip, lineAlignedSplits, type LineSink, readGzip, readRangeSync, readStream } from './byte-source';
import { DEFAULT_LIMITS, LogStats, type StatsLimits, type StatsOptions, type StatsState } from './log-stats';

export { InputError } from './byte-source';

export interface ScanProgress {
  /** Bytes read of the input (compressed bytes for .gz). */
  readonly bytes: number;
  /** Total bytes, when known (not for stdin). */
  readonly total?: number;
}

/** What a worker thread needs to count as the main thread does (plain data). */
export type WorkerStatsOptions = Omit<StatsOptions, 'onFailure' | 'keepOrphans'>;

export interface ScanOptions extends WorkerStatsOptions {
  /** Called now and then while reading. */
  readonly onProgress?: (p: ScanProgress) => void;
  /** Worker threads for a large plain file; default: 2 when a core is idle (load average), else 1 (none). */
  readonly threads?: number;
  /** Plain files at least this large are split between threads (tests lower it). */
  readonly parallelMinBytes?: number;
  /** Called with each failure counted; forces one thread, so calls come in log order. */
  readonly onFailure?: StatsOptions['onFailure'];
  /** Called with every line after the scan counted it (b[start, end), valid during the call only); forces one thread, in log order. */
  readonly onLine?: (b: Buffer, start: number, end: number) => void;
}

/** Files smaller than this are not worth a worker thread. */
const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;

function workerFile(): string | undefined {
  const f = path.join(__dirname, 'scan-worker.js');
  return fs.existsSync(f) ? f : undefined;
}

/**
 * Threads when not asked for: two when the machine has a core to spare, else
 * one. A second thread on a busy machine only takes turns with the first (and
 * with whatever keeps it busy): the scan then costs ~40% more CPU time and a
 * second heap for nothing.
 */
function defaultThreads(): number {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  return cores >= 2 && os.loadavg()[0] < cores - 1 ? 2 : 1;
}

/** Scans [start, end) of a file in a worker thread. */
function scanRangeInWorker(file: string, start: number, end: number, options: WorkerStatsOptions, onBytes: (n: number) => void): Promise<StatsState> {
  return new Promise((resolve, reject) => {
    // A young generation of a few MB: the scan's garbage is 64 KB strings that die at once.
    const w = new Worker(workerFile()!, { workerData: { file, start, end, options }, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
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

async function scanPlainFile(file: string, size: number, stats: LogStats, o: ScanOptions, threads: number, progress: (bytes: number) => void, sink: LineSink = stats): Promise<void> {
  if (threads > 1 && size >= (o.parallelMinBytes ?? PARALLEL_MIN_BYTES) && workerFile()) {
    const cuts = lineAlignedSplits(file, size, threads);
    const done = new Array<number>(cuts.length - 1).fill(0);
    const report = (k: number, n: number) => {
      done[k] = n;
      progress(done.reduce((a, b) => a + b, 0));
    };
    // The memory budget is the scan's, not each thread's: a worker's tables get
    // its share of the caps (a worker is a second heap, and its tables are
    // copied to this thread at the end). Merged tables keep the whole cap.
    const limits = o.limits ?? DEFAULT_LIMITS;
    const share: StatsLimits = { ...limits, maxKeys: Math.ceil(limits.maxKeys / (cuts.length - 1)) };
    const options: WorkerStatsOptions = { limits: share, keepUnparsed: o.keepUnparsed, since: o.since, until: o.until, now: o.now };
    // Workers take the ranges after the first; this thread scans the first
    // itself meanwhile: one worker fewer to start, and one state fewer to
    // copy across and merge (the main thread's stats are the first range's).
    const workers = Promise.all(cuts.slice(1, -1).map((start, k) => scanRangeInWorker(file, start, cuts[k + 2], options, (n) => report(k + 1, n))));
    workers.catch(() => undefined); // awaited below; not unhandled while this thread scans
    readRangeSync(file, cuts[0], cuts[1], stats, (n) => report(0, n));
    // Ranges are merged in file order, so a message whose lines straddle a cut is linked up.
    for (const st of await workers) stats.absorb(st);
    return;
  }
  // To the end of the file as it is now, as a stream would (a live log may have grown since stat).
  readRangeSync(file, 0, Infinity, sink, progress);
}

/**
 * Scans log files (plain or gzip, by content) and `-` for stdin, in order,
 * into one set of statistics. Memory stays bounded whatever the input.
 */
export async function scanFiles(files: readonly string[], o: ScanOptions = {}, stdin: NodeJS.ReadableStream = process.stdin): Promise<LogStats> {
  const stats = new LogStats({ ...o, keepOrphans: false });
  const sizes = new Map<string, number>();
  for (const f of files) if (f !== '-') sizes.set(f, inputSize(f));
  const total = files.includes('-') ? undefined : [...sizes.values()].reduce((a, b) => a + b, 0);
  let before = 0;
  const threads = o.onFailure || o.onLine ? 1 : Math.max(1, o.threads ?? defaultThreads());
  const onLine = o.onLine;
  const sink: LineSink = onLine
    ? { line: (b, start, end) => (stats.line(b, start, end), onLine(b, start, end)), overlong: () => stats.overlong() }
    : stats;
  for (const f of files) {
    const report = (bytes: number) => o.onProgress?.({ bytes: before + bytes, total });
    if (f === '-') await readStream(stdin, sink, report);
    else if (isGzip(f)) await readGzip(f, sink, report);
    else await scanPlainFile(f, sizes.get(f)!, stats, o, threads, report, sink);
    before += sizes.get(f) ?? 0;
    o.onProgress?.({ bytes: before, total });
  }
  return stats;
}
