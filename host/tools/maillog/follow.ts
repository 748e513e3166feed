import fs from 'node:fs';
import { LineReader } from './line-splitter';

export interface FollowOptions {
  /** Read the file from its start rather than from its end (replaying history). */
  readonly fromStart?: boolean;
  /** How much to read per poll at most, so one huge append cannot stall the process. */
  readonly maxReadBytes?: number;
}

/** A line as text: s[start, end), one char per byte (latin1). */
export type OnLine = (s: string, start: number, end: number) => void;

/**
 * The byte source for following a growing log file across rotation,
 * fail2ban-style, by polling:
 * - rename + create (logrotate's default): the old file is read to its end,
 *   then the new one from its start;
 * - copytruncate: the file shrinks under us, and reading restarts at 0.
 * A missing file is waited for. Lines go through the same splitter as a scan
 * (same length cap: an overlong line is reported to `onOverlong` once).
 */
export class LogTail {
  private fd: number | undefined;
  private ino = -1;
  private pos = 0;
  private readonly maxRead: number;
  private readonly buf: Buffer;
  private first = true;
  private lines = 0;
  private reader: LineReader;

  constructor(readonly file: string, private readonly onLine: OnLine, private readonly o: FollowOptions = {}, private readonly onOverlong: () => void = () => undefined) {
    this.maxRead = o.maxReadBytes ?? 4 * 1024 * 1024;
    this.buf = Buffer.allocUnsafe(64 * 1024);
    this.reader = this.newReader();
  }

  private newReader(): LineReader {
    // Followers read a line's fields as text; a live log's lines come a few at a time.
    return new LineReader((b, start, end) => {
      this.lines++;
      this.onLine(b.toString('latin1', start, end), 0, end - start);
    }, this.onOverlong);
  }

  /** Reads whatever arrived since the last poll; returns how many lines it delivered. */
  poll(): number {
    const before = this.lines;
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(this.file);
    } catch {
      st = undefined;
    }
    if (this.fd !== undefined && (!st || st.ino !== this.ino)) {
      // Rotated away (or deleted): finish the old file, then move to the new one.
      this.drain();
      this.reader.end();
      this.closeFd();
    }
    if (this.fd === undefined) {
      if (!st) return this.lines - before;
      this.fd = fs.openSync(this.file, 'r');
      this.ino = st.ino;
      this.pos = this.first && !this.o.fromStart ? st.size : 0;
      this.first = false;
      this.reader = this.newReader();
    } else if (st && st.size < this.pos) {
      // copytruncate: the same file, emptied; a line cut by the truncation is dropped.
      this.pos = 0;
      this.reader = this.newReader();
    }
    this.drain();
    return this.lines - before;
  }

  private drain(): void {
    if (this.fd === undefined) return;
    let budget = this.maxRead;
    while (budget > 0) {
      const n = fs.readSync(this.fd, this.buf, 0, Math.min(this.buf.length, budget), this.pos);
      if (n <= 0) break;
      this.pos += n;
      budget -= n;
      this.reader.push(this.buf.subarray(0, n));
    }
  }

  private closeFd(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    this.ino = -1;
  }

  close(): void {
    this.closeFd();
  }
}
