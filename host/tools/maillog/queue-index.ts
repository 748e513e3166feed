/** Never a queue ID: queue IDs are at least five characters. */
const PLACEHOLDER = '';

/**
 * The messages in progress of a log scan by queue ID, oldest first, at most
 * `max` (the oldest is forgotten first). A plain Map, except that it is
 * never empty: a log with one message in flight at a time would empty and
 * refill it on every message, and V8 shrinks an emptied table and grows it
 * again, an allocation per message (5-10% of a whole scan). A resident
 * placeholder entry keeps the table as it is.
 */
export class QueueIndex<V> {
  private readonly m = new Map<string, V | undefined>([[PLACEHOLDER, undefined]]);

  constructor(private readonly max: number) {}

  get size(): number {
    return this.m.size - 1;
  }

  get(qid: string): V | undefined {
    return this.m.get(qid);
  }

  set(qid: string, v: V): void {
    if (this.size >= this.max && !this.m.has(qid)) {
      for (const k of this.m.keys()) {
        if (k === PLACEHOLDER) continue;
        this.m.delete(k);
        break;
      }
    }
    this.m.set(qid, v);
  }

  delete(qid: string): void {
    if (qid !== PLACEHOLDER) this.m.delete(qid);
  }

  clear(): void {
    this.m.clear();
    this.m.set(PLACEHOLDER, undefined);
  }

  *entries(): IterableIterator<[string, V]> {
    for (const [k, v] of this.m) if (k !== PLACEHOLDER) yield [k, v as V];
  }
}
