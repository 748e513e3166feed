import { MAX_LINE } from './tokenizer';

/**
 * Feeds whole lines of a byte stream to `onLine` without allocating per line:
 * each chunk is decoded once as latin1 (one byte, one char: binary junk is
 * just characters) and lines are handed over as offsets into it. A line
 * longer than MAX_LINE is not handed over: it is reported once as
 * `onOverlong`. The one splitter of the scan and the followers.
 */

/**
 * Bytes decoded into one string. Strings above ~128 KB go to V8's large-object
 * space, whose allocation and collection cost 20-50x more per byte.
 */
const PIECE = 64 * 1024;

export class LineReader {
  private carry = '';
  private skipping = false;
  /** Bytes consumed so far (for progress). */
  bytes = 0;

  constructor(
    private readonly onLine: (s: string, start: number, end: number) => void,
    private readonly onOverlong: () => void,
  ) {}

  /** Feeds the next chunk of the stream. */
  push(chunk: Buffer): void {
    for (let off = 0; off < chunk.length; off += PIECE) this.piece(chunk.subarray(off, off + PIECE));
    this.bytes += chunk.length;
  }

  private piece(chunk: Buffer): void {
    const s = chunk.toString('latin1');
    let pos = 0;
    if (this.carry.length || this.skipping) {
      // The line that straddles two chunks is joined on its own: indexOf on a
      // concatenation of carry and chunk would be slow (a cons string).
      const nl = s.indexOf('\n');
      if (nl < 0) {
        this.keep(s, 0);
        return;
      }
      if (this.skipping) this.skipping = false;
      else {
        const line = this.carry + s.slice(0, nl);
        this.carry = '';
        this.emit(line, 0, line.length);
      }
      pos = nl + 1;
    }
    for (;;) {
      const nl = s.indexOf('\n', pos);
      if (nl < 0) break;
      this.emit(s, pos, nl);
      pos = nl + 1;
    }
    if (pos < s.length) this.keep(s, pos);
  }

  private emit(s: string, start: number, nl: number): void {
    const end = nl > start && s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    if (end - start > MAX_LINE) this.onOverlong();
    else this.onLine(s, start, end);
  }

  /** Keeps the unfinished line s[from…] for the next chunk, unless it is already too long. */
  private keep(s: string, from: number): void {
    if (this.skipping) return;
    if (this.carry.length + s.length - from > MAX_LINE) {
      this.carry = '';
      this.skipping = true;
      this.onOverlong();
    } else this.carry += s.slice(from);
  }

  /** The last line, when the input does not end with a newline. */
  end(): void {
    if (this.carry.length && !this.skipping) this.emit(this.carry, 0, this.carry.length);
    this.carry = '';
    this.skipping = false;
  }
}
