import { MAX_LINE } from './tokenizer';

/** The end of the line b[start, nl) (nl: its newline, or the end of the input): a CR before the newline is not the line's. */
export function lineEnd(b: Uint8Array, start: number, nl: number): number {
  return nl > start && b[nl - 1] === 13 ? nl - 1 : nl;
}

/**
 * Feeds whole lines of a byte stream to `onLine` as offsets into the chunk
 * they were read into (nothing decoded, nothing allocated per line; the
 * bytes are valid only during the call: a consumer copies what it keeps).
 * A line that straddles two chunks is joined in a buffer of its own. A line
 * longer than MAX_LINE is not handed over: it is reported once as
 * `onOverlong`. The one splitter of the scan and the followers.
 */
export class LineReader {
  /** The unfinished end of the last chunk (at most MAX_LINE bytes). */
  private carry = Buffer.allocUnsafe(1024);
  private carried = 0;
  private skipping = false;
  /** Bytes consumed so far (for progress). */
  bytes = 0;

  constructor(
    private readonly onLine: (b: Buffer, start: number, end: number) => void,
    private readonly onOverlong: () => void,
  ) {}

  /** Feeds the next chunk of the stream. */
  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    let pos = 0;
    if (this.carried || this.skipping) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.keep(chunk, 0);
        return;
      }
      if (this.skipping) this.skipping = false;
      else if (this.carried + nl > MAX_LINE + 1) {
        // +1: a CR before the newline is not part of the line.
        this.carried = 0;
        this.onOverlong();
      } else {
        this.keep(chunk.subarray(0, nl), 0);
        const n = this.carried;
        this.carried = 0;
        // A view of exactly the line: nothing past its end is read as part of it.
        this.emit(this.carry.subarray(0, n), 0, n);
      }
      pos = nl + 1;
    }
    // indexOf is the native search (memchr); each line is searched once, so a chunk costs its length.
    for (let nl = chunk.indexOf(10, pos); nl >= 0; nl = chunk.indexOf(10, pos)) {
      this.emit(chunk, pos, nl);
      pos = nl + 1;
    }
    if (pos < chunk.length) this.keep(chunk, pos);
  }

  private emit(b: Buffer, start: number, nl: number): void {
    const end = lineEnd(b, start, nl);
    if (end - start > MAX_LINE) this.onOverlong();
    else this.onLine(b, start, end);
  }

  /** Keeps the unfinished line chunk[from…] for the next chunk, unless it is already too long. */
  private keep(chunk: Buffer, from: number): void {
    if (this.skipping) return;
    const n = chunk.length - from;
    if (this.carried + n > MAX_LINE + 1) {
      this.carried = 0;
      this.skipping = true;
      this.onOverlong();
      return;
    }
    if (this.carried + n > this.carry.length) {
      const bigger = Buffer.allocUnsafe(Math.min(2 * (MAX_LINE + 1), Math.max(2 * this.carry.length, this.carried + n)));
      this.carry.copy(bigger, 0, 0, this.carried);
      this.carry = bigger;
    }
    chunk.copy(this.carry, this.carried, from);
    this.carried += n;
  }

  /** The last line, when the input does not end with a newline. */
  end(): void {
    const n = this.carried;
    this.carried = 0;
    if (n && !this.skipping) this.emit(this.carry.subarray(0, n), 0, n);
    this.skipping = false;
  }
}
