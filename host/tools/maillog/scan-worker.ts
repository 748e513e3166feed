import { parentPort, workerData } from 'node:worker_threads';
import { readRangeSync } from './byte-source';
import { LogStats } from './log-stats';
import type { WorkerStatsOptions } from './scan';
import { W_ASSIGNED, W_READY, W_STARTING } from './scan-handshake';

/*
 * A worker thread of a log scan (scan.ts scanInThreads): once loaded, it
 * says so in shared memory and waits to be given a byte range of the file
 * (starting and ending at line boundaries), or to be told there is none.
 */
const { file, options, shared } = workerData as { file: string; options: WorkerStatsOptions; shared: SharedArrayBuffer };
const flag = new Int32Array(shared, 0, 1);
const range = new Float64Array(shared, 8, 2);
if (Atomics.compareExchange(flag, 0, W_STARTING, W_READY) === W_STARTING) Atomics.wait(flag, 0, W_READY);
if (Atomics.load(flag, 0) !== W_ASSIGNED) parentPort!.postMessage({ cancelled: true });
else {
  const [start, end] = range;
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
}
