import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { LineReader } from './line-reader';
import { LogStats } from './log-stats';

/* One byte range of a log file (starting and ending at line boundaries), scanned in a worker thread. */
const { file, start, end } = workerData as { file: string; start: number; end: number };
const stats = new LogStats();
const r = new LineReader((s, a, b) => stats.line(s, a, b), () => {
  stats.lines++;
  stats.unparsed++;
});
const input = fs.createReadStream(file, { start, end: end - 1, highWaterMark: 256 * 1024 });
let last = 0;
input.on('data', (chunk) => {
  r.push(chunk as Buffer);
  if (r.bytes - last >= 16 * 1024 * 1024) {
    last = r.bytes;
    parentPort!.postMessage({ bytes: r.bytes });
  }
});
input.on('end', () => {
  r.end();
  parentPort!.postMessage({ bytes: r.bytes });
  parentPort!.postMessage({ state: stats.toState() });
});
input.on('error', (e) => {
  throw e;
});
