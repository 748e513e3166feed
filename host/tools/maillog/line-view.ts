import { bytesOf } from './bytes';
import { lineTime } from './line-time';
import { type LineParts, MAX_LINE, newLineParts, scanLine } from './tokenizer';

/** One line as an object: the tokenizer's offsets turned into strings, for small jobs and tests. */
export interface LineView {
  /** Epoch ms (zone-less timestamps read as UTC; see line-time.ts). */
  readonly time: number;
  readonly host?: string;
  /** `postfix/smtpd`, `postfix-out/smtpd`, `dovecot`, `imap-login`… */
  readonly tag: string;
  /** The tag's last `/` component: `smtpd`. */
  readonly program: string;
  readonly pid?: number;
  /** The Postfix queue ID the message starts with (`NOQUEUE` included). */
  readonly queueId?: string;
  readonly message: string;
}

/** The object view of the tokenizer's result for `s`. */
export function viewOf(s: string, p: LineParts, now: number): LineView {
  return {
    time: lineTime(bytesOf(s), p, now),
    ...(p.hostStart >= 0 ? { host: s.slice(p.hostStart, p.hostEnd) } : {}),
    tag: s.slice(p.tagStart, p.tagEnd),
    program: s.slice(p.progStart, p.tagEnd),
    ...(p.pidStart >= 0 ? { pid: Number(s.slice(p.pidStart, p.pidEnd)) } : {}),
    ...(p.qidStart >= 0 ? { queueId: s.slice(p.qidStart, p.qidEnd) } : {}),
    message: s.slice(p.msgStart, p.end),
  };
}

/** Parses one line, or undefined when its prefix is none of the known forms (or it is longer than MAX_LINE). */
export function parseLine(raw: string, now = Date.now()): LineView | undefined {
  const p = newLineParts();
  const end = raw.length > 0 && raw.charCodeAt(raw.length - 1) === 13 ? raw.length - 1 : raw.length;
  return scanLine(raw, 0, end, p) ? viewOf(raw, p, now) : undefined;
}

export { MAX_LINE };
