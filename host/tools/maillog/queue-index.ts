import { bytesOf, latin1 } from './bytes';

/**
 * A queue ID as a key of the index. Short IDs (upper-case hex) of up to 12
 * digits are a number, value and length (`0A1B` and `A1B` are two IDs with
 * one value), at most 2^52: exact, and looking one up makes no string (this
 * runs on most lines of a log). Any other ID is its text.
 */
export type QueueKey = number | string;

const MAX_NUMERIC_DIGITS = 12;

/** The key of the queue ID b[start, end). */
export function queueKeyAt(b: Buffer, start: number, end: number): QueueKey {
  const n = end - start;
  if (n > MAX_NUMERIC_DIGITS) return latin1(b, start, end);
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = b[i];
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) return latin1(b, start, end);
    v = v * 16 + d;
  }
  return v * 16 + n;
}

/** The key of a queue ID held as text (from another thread's state). */
export function queueKeyOf(id: string): QueueKey {
  return queueKeyAt(bytesOf(id), 0, id.length);
}

/** The queue ID a key stands for. */
export function queueIdOf(k: QueueKey): string {
  if (typeof k === 'string') return k;
  const n = k % 16;
  return ((k - n) / 16).toString(16).toUpperCase().padStart(n, '0');
}

/** Never a queue ID: queue IDs are at least five characters. */
const PLACEHOLDER = '';

/**
 * The messages in progress of a log scan by queue ID, oldest first, at most
 * `max` (the oldest is forgotten first). A plain Map, except that it is
 * never empty: a log with one message in flight at a time would empty and
 * refill it on every message, and V8 shrinks an emptied table and grows it
 * again, an allocation per message (5-10% of a whole scan). A resident
 * placeholder entry keeps the table as it is.
 *
 * Past the cap the oldest 1/64th is forgotten at once: a Map keeps the slots
 * of deleted entries until it is rebuilt, and finding the oldest walks over
 * them, so forgetting one at a time made that walk (thousands of steps once
 * the index was full: a queue that does not drain) come with every new
 * message. A Map iterator kept from one eviction to the next would not walk
 * twice, but it keeps every table the Map has outgrown alive.
 */
export class QueueIndex<V> {
  private readonly m = new Map<QueueKey, V | undefined>([[PLACEHOLDER, undefined]]);
  private readonly batch: number;

  constructor(private readonly max: number) {
    this.batch = Math.max(1, max >> 6);
  }

  get size(): number {
    return this.m.size - 1;
  }

  get(qid: QueueKey): V | undefined {
    return this.m.get(qid);
  }

  set(qid: QueueKey, v: V): void {
    if (this.size >= this.max && !this.m.has(qid)) this.forgetOldest(this.batch);
    this.m.set(qid, v);
  }

  private forgetOldest(n: number): void {
    for (const k of this.m.keys()) {
      if (k === PLACEHOLDER) continue;
      this.m.delete(k);
      if (--n === 0) return;
    }
  }

  delete(qid: QueueKey): void {
    if (qid !== PLACEHOLDER) this.m.delete(qid);
  }

  clear(): void {
    this.m.clear();
    this.m.set(PLACEHOLDER, undefined);
  }

  *entries(): IterableIterator<[QueueKey, V]> {
    for (const [k, v] of this.m) if (k !== PLACEHOLDER) yield [k, v as V];
  }
}
