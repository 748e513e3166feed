import { parentPort, workerData } from 'node:worker_threads';
import { scanRangeSync } from './log-scan';
import { LogStats } from './log-stats';

/* One byte range of a log file (starting and ending at line boundaries), scanned in a worker thread. */
const { file, start, end } = workerData as { file: string; start: number; end: number };
const stats = new LogStats();
let last = 0;
scanRangeSync(file, start, end, stats, (bytes) => {
  if (bytes - last >= 16 * 1024 * 1024) {
    last = bytes;
    parentPort!.postMessage({ bytes });
  }
});
parentPort!.postMessage({ bytes: end - start });
parentPort!.postMessage({ state: stats.toState() });
