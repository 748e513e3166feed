import fs from 'node:fs';
import { EMPTY, F_LAST, F_MORE, FULL, HEADROOM, type LineRing } from './line-ring';

/** Counts a slot's records (LogStats.records). */
export type RecordSink = (b: Buffer, records: Int32Array, n: number) => void;

/**
 * The counting thread's side of the line ring (line-ring.ts): reads the
 * input from `pos` into the slots as they come free, and counts the slots
 * the worker has filled, both in ring order. The read is this side's: the
 * worker's share (split, tokenize, recognise) is the larger one without it.
 */
export class RingFeeder {
  private nextRead = 0;
  private nextCount = 0;
  private ended = false;
  /** The worker's last slot is counted. */
  done = false;
  /** Bytes read so far. */
  bytes = 0;

  constructor(
    private readonly ring: LineRing,
    private readonly fd: number,
    private pos: number,
    private readonly sink: RecordSink,
  ) {}

  /** Reads into every free slot ahead, until a read brings nothing (the end of the input). */
  fill(): void {
    const ring = this.ring;
    while (!this.ended && ring.state(this.nextRead) === EMPTY) {
      const n = fs.readSync(this.fd, ring.bytesOf(this.nextRead), HEADROOM, ring.readBytes, this.pos);
      this.pos += n;
      this.bytes += n;
      this.ended = n === 0;
      ring.handRead(this.nextRead, n);
      this.nextRead = (this.nextRead + 1) % ring.slots;
    }
  }

  /** The slot counted next (the one to wait for when countNext says it is not filled yet). */
  get next(): number {
    return this.nextCount;
  }

  /** Counts the next slot if the worker has filled it; false when it has not (yet). */
  countNext(): boolean {
    const ring = this.ring;
    const s = this.nextCount;
    if (this.done || ring.state(s) !== FULL) return false;
    this.sink(ring.bytesOf(s), ring.recordsOf(s), ring.lines(s));
    const flags = ring.flags(s);
    ring.counted(s);
    if (flags & F_LAST) this.done = true;
    else if (!(flags & F_MORE)) this.nextCount = (s + 1) % ring.slots;
    return true;
  }
}
