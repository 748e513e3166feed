import type { MailEvent } from './recognise';
import { type LineParts, MAX_LINE } from './tokenizer';

/*
 * The shared memory between the two stages of a two-thread scan (scan.ts
 * scanInPipeline): a worker thread reads the file, splits, tokenizes and
 * recognises its lines (line-producer.ts); this thread counts them
 * (LogStats.recognised). Both halves of the work take about as long, so two
 * cores take about half the time, and unlike ranges scanned apart and
 * merged, the counting stays in one place, in log order: nothing is
 * packed, copied between heaps or matched up at the end.
 *
 * A ring of slots, each holding a run of whole lines as read (bytes) and,
 * per line, the tokenizer's and recogniser's offsets into those bytes (a
 * record of int32s). A slot is EMPTY (the producer's) or FULL (the
 * consumer's); each side waits on the slot's state with Atomics.
 */

/** The ring's shape. */
export interface RingGeometry {
  readonly slots: number;
  /** Bytes read into a slot at a time. */
  readonly readBytes: number;
  /** Lines per slot; past it, the rest of what was read waits for the next slot. */
  readonly slotLines: number;
}

/** 4 MB of lines of 64 bytes or more (mail-log lines are 100-200) in flight: enough that neither side waits on the other's jitter. */
export const DEFAULT_GEOMETRY: RingGeometry = { slots: 4, readBytes: 1024 * 1024, slotLines: 16 * 1024 };

export const EMPTY = 0;
export const FULL = 1;

/** Control words per slot. */
const C_STATE = 0;
const C_LINES = 1;
/** Input bytes the producer had consumed when it filled the slot (progress). */
const C_INPUT = 2;
/** Whether this is the producer's last slot. */
const C_LAST = 3;
const CONTROL = 4;

/** Record kinds below recognise's K_* (which are >= 0). */
export const R_UNPARSED = -1;
export const R_OVERLONG = -2;

/*
 * A record: the line's start and end in the slot's bytes, its kind, then
 * the parts and the event (for unparsed and overlong lines, only the first
 * three). Written out field by field: a loop over field names would make
 * every store a keyed lookup, on every line of the log.
 */
/** Int32s per record. */
export const RECORD = 30;
export class LineRing {
  readonly slots: number;
  readonly readBytes: number;
  readonly slotLines: number;
  /** A slot's bytes: a read plus what the slot before left over (an unfinished line, or lines past its cap). */
  readonly slotBytes: number;
  readonly buffer: SharedArrayBuffer;
  private readonly control: Int32Array;
  private readonly bytes: Buffer[] = [];
  private readonly records: Int32Array[] = [];

  /** A new ring (`buffer` omitted) or, in the other thread, the same one. */
  constructor(readonly geometry: RingGeometry = DEFAULT_GEOMETRY, buffer?: SharedArrayBuffer) {
    const { slots, readBytes, slotLines } = geometry;
    if (!(slots >= 2 && readBytes >= 1 && slotLines >= 2)) throw new Error(`line ring: bad geometry ${JSON.stringify(geometry)}`);
    this.slots = slots;
    this.readBytes = readBytes;
    this.slotLines = slotLines;
    this.slotBytes = 2 * readBytes + MAX_LINE + 2;
    const size = slots * (CONTROL * 4 + slotLines * RECORD * 4 + this.slotBytes);
    this.buffer = buffer ?? new SharedArrayBuffer(size);
    if (this.buffer.byteLength !== size) throw new Error(`line ring: ${this.buffer.byteLength} bytes, expected ${size}`);
    this.control = new Int32Array(this.buffer, 0, slots * CONTROL);
    let at = slots * CONTROL * 4;
    for (let s = 0; s < slots; s++) {
      this.records.push(new Int32Array(this.buffer, at, slotLines * RECORD));
      at += slotLines * RECORD * 4;
    }
    for (let s = 0; s < slots; s++) {
      this.bytes.push(Buffer.from(this.buffer, at, this.slotBytes));
      at += this.slotBytes;
    }
  }

  bytesOf(slot: number): Buffer {
    return this.bytes[slot];
  }

  recordsOf(slot: number): Int32Array {
    return this.records[slot];
  }

  state(slot: number): number {
    return Atomics.load(this.control, slot * CONTROL + C_STATE);
  }

  /** Blocks (a worker thread) until the slot is the producer's again. */
  waitEmpty(slot: number): void {
    const i = slot * CONTROL + C_STATE;
    while (Atomics.load(this.control, i) !== EMPTY) Atomics.wait(this.control, i, FULL);
  }

  /** Resolves once the slot is the consumer's (without blocking this thread's event loop). */
  async whenFull(slot: number): Promise<void> {
    const i = slot * CONTROL + C_STATE;
    while (Atomics.load(this.control, i) !== FULL) await Atomics.waitAsync(this.control, i, EMPTY).value;
  }

  /** Hands a filled slot to the consumer. */
  publish(slot: number, lines: number, input: number, last: boolean): void {
    const c = slot * CONTROL;
    this.control[c + C_LINES] = lines;
    this.control[c + C_INPUT] = input;
    this.control[c + C_LAST] = last ? 1 : 0;
    Atomics.store(this.control, c + C_STATE, FULL);
    Atomics.notify(this.control, c + C_STATE);
  }

  /** Hands a read slot back to the producer. */
  release(slot: number): void {
    Atomics.store(this.control, slot * CONTROL + C_STATE, EMPTY);
    Atomics.notify(this.control, slot * CONTROL + C_STATE);
  }

  lines(slot: number): number {
    return this.control[slot * CONTROL + C_LINES];
  }

  input(slot: number): number {
    return this.control[slot * CONTROL + C_INPUT];
  }

  last(slot: number): boolean {
    return this.control[slot * CONTROL + C_LAST] === 1;
  }
}

/** Writes the record of line [start, end) of kind `kind` (R_* for lines without parts). */
export function writeRecord(r: Int32Array, at: number, start: number, end: number, kind: number, p: LineParts, e: MailEvent): void {
  r[at] = start;
  r[at + 1] = end;
  r[at + 2] = kind;
  if (kind < 0) return;
  r[at + 3] = p.timeStart;
  r[at + 4] = p.timeEnd;
  r[at + 5] = p.hostStart;
  r[at + 6] = p.hostEnd;
  r[at + 7] = p.tagStart;
  r[at + 8] = p.tagEnd;
  r[at + 9] = p.progStart;
  r[at + 10] = p.pidStart;
  r[at + 11] = p.pidEnd;
  r[at + 12] = p.qidStart;
  r[at + 13] = p.qidEnd;
  r[at + 14] = p.msgStart;
  r[at + 15] = e.program;
  r[at + 16] = e.ipStart;
  r[at + 17] = e.ipEnd;
  r[at + 18] = e.nameStart;
  r[at + 19] = e.nameEnd;
  r[at + 20] = e.loginStart;
  r[at + 21] = e.loginEnd;
  r[at + 22] = e.addrStart;
  r[at + 23] = e.addrEnd;
  r[at + 24] = e.textStart;
  r[at + 25] = e.textEnd;
  r[at + 26] = e.n;
  r[at + 27] = e.size;
  r[at + 28] = e.protocol;
  r[at + 29] = e.flag ? 1 : 0;
}

/** Fills `p` and `e` from the record of a recognised line (kind >= 0). */
export function readRecord(r: Int32Array, at: number, p: LineParts, e: MailEvent): void {
  p.end = r[at + 1];
  e.kind = r[at + 2];
  p.timeStart = r[at + 3];
  p.timeEnd = r[at + 4];
  p.hostStart = r[at + 5];
  p.hostEnd = r[at + 6];
  p.tagStart = r[at + 7];
  p.tagEnd = r[at + 8];
  p.progStart = r[at + 9];
  p.pidStart = r[at + 10];
  p.pidEnd = r[at + 11];
  p.qidStart = r[at + 12];
  p.qidEnd = r[at + 13];
  p.msgStart = r[at + 14];
  e.program = r[at + 15];
  e.ipStart = r[at + 16];
  e.ipEnd = r[at + 17];
  e.nameStart = r[at + 18];
  e.nameEnd = r[at + 19];
  e.loginStart = r[at + 20];
  e.loginEnd = r[at + 21];
  e.addrStart = r[at + 22];
  e.addrEnd = r[at + 23];
  e.textStart = r[at + 24];
  e.textEnd = r[at + 25];
  e.n = r[at + 26];
  e.size = r[at + 27];
  e.protocol = r[at + 28];
  e.flag = r[at + 29] === 1;
}
