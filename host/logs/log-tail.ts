import * as fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export interface LogTailOptions {
  /** Read the file from its start rather than from its end (replaying history). */
  readonly fromStart?: boolean;
  /** Lines longer than this are cut (attackers write parts of log lines). */
  readonly maxLineBytes?: number;
  /** How much to read per poll at most, so one huge append cannot stall the process. */
  readonly maxReadBytes?: number;
}

/**
 * Follows a growing log file across rotation, fail2ban-style, by polling:
 * - rename + create (logrotate's default): the old file is read to its end,
 *   then the new one from its start;
 * - copytruncate: the file shrinks under us, and reading restarts at 0.
 * A missing file is waited for. Each poll hands complete lines to `onLine`.
 */
export class LogTail {
  private fd: number | undefined;
  private ino = -1;
  private pos = 0;
  private partial = '';
  private readonly maxLine: number;
  private readonly maxRead: number;
  private readonly buf: Buffer;
  private first = true;
  /** Keeps a UTF-8 character cut by a read boundary for the next read. */
  private decoder = new StringDecoder('utf8');

  constructor(readonly file: string, private readonly onLine: (line: string) => void, private readonly o: LogTailOptions = {}) {
    this.maxLine = o.maxLineBytes ?? 16_384;
    this.maxRead = o.maxReadBytes ?? 4 * 1024 * 1024;
    this.buf = Buffer.allocUnsafe(64 * 1024);
  }

  /** Reads whatever arrived since the last poll; returns how many lines it delivered. */
  poll(): number {
    let lines = 0;
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(this.file);
    } catch {
      st = undefined;
    }
    if (this.fd !== undefined && (!st || st.ino !== this.ino)) {
      // Rotated away (or deleted): finish the old file, then move to the new one.
      lines += this.drain();
      this.closeFd();
    }
    if (this.fd === undefined) {
      if (!st) return lines;
      this.fd = fs.openSync(this.file, 'r');
      this.ino = st.ino;
      this.pos = this.first && !this.o.fromStart ? st.size : 0;
      this.first = false;
      this.partial = '';
      this.decoder = new StringDecoder('utf8');
    } else if (st && st.size < this.pos) {
      // copytruncate: the same file, emptied.
      this.pos = 0;
      this.partial = '';
      this.decoder = new StringDecoder('utf8');
    }
    return lines + this.drain();
  }

  private drain(): number {
    if (this.fd === undefined) return 0;
    let lines = 0;
    let budget = this.maxRead;
    while (budget > 0) {
      const n = fs.readSync(this.fd, this.buf, 0, Math.min(this.buf.length, budget), this.pos);
      if (n <= 0) break;
      this.pos += n;
      budget -= n;
      lines += this.split(this.decoder.write(this.buf.subarray(0, n)));
    }
    return lines;
  }

  private split(text: string): number {
    let lines = 0;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const line = this.partial + text.slice(start, nl);
      this.partial = '';
      start = nl + 1;
      this.onLine(line.length > this.maxLine ? line.slice(0, this.maxLine) : line);
      lines++;
    }
    const rest = text.slice(start);
    // Keep at most one line's worth of an unfinished line.
    if (this.partial.length < this.maxLine) this.partial = (this.partial + rest).slice(0, this.maxLine);
    return lines;
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
