import type { MailEvent } from './recognise';
import { type LineParts, MAX_LINE } from './tokenizer';

/*
 * The shared memory between the two stages of a two-thread scan (scan.ts
 * scanInPipeline): this thread reads the file into the ring's slots
 * (ring-feeder.ts); a worker thread splits, tokenizes and recognises the
 * lines of each slot (line-producer.ts); this thread then counts them
 * (LogStats.records). The two halves of the work take about as long (the
 * read is this thread's to even them out), so two cores take about half
 * the time, and unlike ranges scanned apart and merged, the counting stays
 * in one place, in log order: nothing is packed, copied between heaps or
 * matched up at the end.
 *
 * A slot holds what one read brought, after a headroom where the worker
 * puts the unfinished line the slot before ended with, and a record per
 * line of the tokenizer's and recogniser's offsets into those bytes. A slot
 * goes EMPTY (this thread reads into it) -> READ (the worker's) -> FULL
 * (this thread counts it) -> EMPTY; a slot with more lines than records
 * goes back from FULL to READ until its lines are all counted. Each side
 * waits on a slot's state with Atomics.
 */

/** The ring's shape. */
export interface RingGeometry {
  readonly slots: number;
  /** Bytes read into a slot at a time. */
  readonly readBytes: number;
  /** Records per slot; a slot with more lines is handed back and forth until they are all counted. */
  readonly slotLines: number;
}

/** 4 MB in flight, and records for lines of 64 bytes or more (mail-log lines are 100-200); 2 to 16 slots of 128 KB to 2 MB measured no faster. */
export const DEFAULT_GEOMETRY: RingGeometry = { slots: 4, readBytes: 1024 * 1024, slotLines: 16 * 1024 };

/** Where a slot's read goes: before it, room for the longest line the slot before may leave unfinished. */
export const HEADROOM = MAX_LINE + 2;

export const EMPTY = 0;
export const READ = 1;
export const FULL = 2;

/** Control words per slot. */
const C_STATE = 0;
/** Bytes read into the slot (0: the end of the input). */
const C_INPUT = 1;
/** Records filled. */
const C_LINES = 2;
const C_FLAGS = 3;
const CONTROL = 4;
/** FULL flags: the producer's last slot; more lines in the slot than records (it comes back). */
export const F_LAST = 1;
export const F_MORE = 2;

/** Record kinds below recognise's K_* (which are >= 0). */
export const R_UNPARSED = -1;
export const R_OVERLONG = -2;

/*
 * A record: the line's start and end in the slot's bytes, its kind, then
 * the parts and the event (for unparsed and overlong lines, only the first
 * three). The event's numbers fit: recognise reads at most nine digits.
 * Written out field by field: a loop over field names would make every
 * store a keyed lookup, on every line of the log.
 */
/** Int32s per record. */
export const RECORD = 30;

export class LineRing {
  readonly slots: number;
  readonly readBytes: number;
  readonly slotLines: number;
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
    const slotBytes = HEADROOM + readBytes;
    const size = slots * (CONTROL * 4 + slotLines * RECORD * 4 + slotBytes);
    this.buffer = buffer ?? new SharedArrayBuffer(size);
    if (this.buffer.byteLength !== size) throw new Error(`line ring: ${this.buffer.byteLength} bytes, expected ${size}`);
    this.control = new Int32Array(this.buffer, 0, slots * CONTROL);
    let at = slots * CONTROL * 4;
    for (let s = 0; s < slots; s++) {
      this.records.push(new Int32Array(this.buffer, at, slotLines * RECORD));
      at += slotLines * RECORD * 4;
    }
    for (let s = 0; s < slots; s++) {
      this.bytes.push(Buffer.from(this.buffer, at, slotBytes));
      at += slotBytes;
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

  private set(slot: number, state: number): void {
    Atomics.store(this.control, slot * CONTROL + C_STATE, state);
    Atomics.notify(this.control, slot * CONTROL + C_STATE);
  }

  /** Blocks (the worker thread) until the slot is READ. */
  waitRead(slot: number): void {
    const i = slot * CONTROL + C_STATE;
    for (let s = Atomics.load(this.control, i); s !== READ; s = Atomics.load(this.control, i)) Atomics.wait(this.control, i, s);
  }

  /** Resolves once the slot is FULL, without blocking this thread's event loop. */
  async whenFull(slot: number): Promise<void> {
    const i = slot * CONTROL + C_STATE;
    for (let s = Atomics.load(this.control, i); s !== FULL; s = Atomics.load(this.control, i)) await Atomics.waitAsync(this.control, i, s).value;
  }

  /** Hands a slot `n` bytes were read into (0: the input ended) to the worker. */
  handRead(slot: number, n: number): void {
    this.control[slot * CONTROL + C_INPUT] = n;
    this.set(slot, READ);
  }

  /** Hands a slot's records back to be counted (F_* flags). */
  publish(slot: number, lines: number, flags: number): void {
    this.control[slot * CONTROL + C_LINES] = lines;
    this.control[slot * CONTROL + C_FLAGS] = flags;
    this.set(slot, FULL);
  }

  /** A slot counted: back to the worker for its remaining lines (F_MORE), else free to read into. */
  counted(slot: number): void {
    this.set(slot, this.flags(slot) & F_MORE ? READ : EMPTY);
  }

  input(slot: number): number {
    return this.control[slot * CONTROL + C_INPUT];
  }

  lines(slot: number): number {
    return this.control[slot * CONTROL + C_LINES];
  }

  flags(slot: number): number {
    return this.control[slot * CONTROL + C_FLAGS];
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
