import { parentPort, workerData } from 'node:worker_threads';
import { readRangeSync } from './byte-source';
import { LogStats } from './log-stats';
import type { WorkerStatsOptions } from './scan';

/* One byte range of a log file (starting and ending at line boundaries), scanned in a worker thread. */
const { file, start, end, options } = workerData as { file: string; start: number; end: number; options: WorkerStatsOptions };
const stats = new LogStats({ ...options, keepOrphans: true });
let last = 0;
readRangeSync(file, start, end, stats, (bytes) => {
  if (bytes - last >= 16 * 1024 * 1024) {
    last = bytes;
    parentPort!.postMessage({ bytes });
  }
});
parentPort!.postMessage({ bytes: end - start });
parentPort!.postMessage({ state: stats.toState() });
