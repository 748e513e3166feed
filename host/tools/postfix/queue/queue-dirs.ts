import fs from 'node:fs';
import path from 'node:path';
import { QUEUE_NAMES, type QueueCount, type QueueName } from '../../../../shared';

/** stat calls in flight at once: enough to keep the disk busy, few enough not to starve other I/O. */
const STAT_BATCH = 64;

/** Every regular file under `dir` (hashed queues nest one or more levels), streamed. */
export async function* queueFiles(dir: string): AsyncGenerator<string> {
  let handle: fs.Dir;
  try {
    handle = await fs.promises.opendir(dir);
  } catch (e) {
    // A sub-directory can vanish while Postfix works; a missing queue is empty.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  for await (const entry of handle) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* queueFiles(p);
    else if (entry.isFile()) yield p;
  }
}

/**
 * Length, bytes and oldest age of one queue, the way Telegraf's postfix input
 * measures them: count the files, sum their sizes, age from the oldest ctime
 * (Postfix moves the mtime of deferred files to the next retry time, so mtime
 * would lie).
 */
export async function countQueueDir(dir: string, nowMs: number): Promise<QueueCount> {
  let length = 0;
  let bytes = 0;
  let oldest = Infinity;
  let batch: string[] = [];
  const flush = async () => {
    const stats = await Promise.all(batch.map((f) => fs.promises.lstat(f).catch(() => undefined)));
    for (const s of stats) {
      // A file gone between readdir and stat was delivered or moved: not counted here.
      if (!s || !s.isFile()) continue;
      length++;
      bytes += s.size;
      if (s.ctimeMs < oldest) oldest = s.ctimeMs;
    }
    batch = [];
  };
  for await (const f of queueFiles(dir)) {
    batch.push(f);
    if (batch.length >= STAT_BATCH) await flush();
  }
  await flush();
  return { length, bytes, oldestAgeSeconds: length === 0 ? 0 : Math.max(0, Math.floor((nowMs - oldest) / 1000)) };
}

/** Counts of every queue under a Postfix queue_directory. */
export async function countQueues(queueDirectory: string, nowMs: number): Promise<Record<QueueName, QueueCount>> {
  try {
    const st = await fs.promises.stat(queueDirectory);
    if (!st.isDirectory()) throw new Error('not a directory');
  } catch (e) {
    throw new Error(`postfix.queueDirectory ${queueDirectory}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const out = {} as Record<QueueName, QueueCount>;
  for (const q of QUEUE_NAMES) out[q] = await countQueueDir(path.join(queueDirectory, q), nowMs);
  return out;
}
