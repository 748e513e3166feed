/*
 * One mail-log line split into its syslog prefix and message, by a
 * hand-written scanner: every step is bounded by the line's end, so a line of
 * 10k characters or binary junk costs its length and no more.
 *
 * Prefixes understood:
 *   Jun 21 08:34:30 host tag[pid]: msg                  BSD syslog (day space-padded)
 *   Nov 08 20:43:03 host postfix/smtpd[19810]: msg      Postfix maillog_file (day zero-padded)
 *   2021-03-13T12:04:09.755361+01:00 host tag[pid]: msg RFC 3339 (rsyslog, Debian 12)
 *   2021-03-13T12:04:09+0100 host tag[pid]: msg         journalctl -o short-iso
 * Offsets only, no strings: this runs on every line of a multi-gigabyte log.
 * (host/postfix/log/parse-line.ts is the per-line object form for small jobs.)
 * The tag may lack [pid]. Queue IDs: short (upper-case hex) or long
 * (base-52 time, a `z`, base-51 inode: see queueIdLength), or NOQUEUE.
 */

/** Offsets of the parts of one line inside a larger string; -1 where absent. Reused between lines. */
export interface LineParts {
  timeStart: number;
  timeEnd: number;
  hostStart: number;
  hostEnd: number;
  tagStart: number;
  tagEnd: number;
  /** Start of the program name: the tag's last `/` component (`smtpd` of `postfix-in/smtpd`). */
  progStart: number;
  pidStart: number;
  pidEnd: number;
  qidStart: number;
  qidEnd: number;
  /** The message (after `tag[pid]: `); with a queue ID, after `QID: `. */
  msgStart: number;
}

export function newLineParts(): LineParts {
  return { timeStart: -1, timeEnd: -1, hostStart: -1, hostEnd: -1, tagStart: -1, tagEnd: -1, progStart: -1, pidStart: -1, pidEnd: -1, qidStart: -1, qidEnd: -1, msgStart: -1 };
}

const SP = 32;
const COLON = 58;
const LBRACK = 91;
const RBRACK = 93;
const SLASH = 47;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Lines longer than this are counted as unparsed without being looked at. */
export const MAX_LINE = 16384;

function scanTo(s: string, from: number, end: number, ch: number): number {
  for (let i = from; i < end; i++) if (s.charCodeAt(i) === ch) return i;
  return -1;
}

/*
 * Character classes of queue IDs, one table lookup per character (this runs
 * on every line): HEX for short IDs (upper-case hex), LONG for long ones.
 * A long ID (Postfix's mail_queue.h) is the time in seconds (base 52, six
 * or more characters) and microseconds (base 52, four), a `z`, and the
 * inode number (base 51, which has no `z`). The base-52 alphabet is digits
 * and consonants, `z` included, so the time part may hold a `z` too: the
 * separator is the last one, at least ten characters in.
 */
const HEX = 1;
const LONG = 2;
const QID_CLASS = new Uint8Array(256);
for (let c = 48; c <= 57; c++) QID_CLASS[c] = HEX | LONG;
for (let c = 65; c <= 70; c++) QID_CLASS[c] = HEX;
for (let c = 65; c <= 90; c++) if (!'AEIOU'.includes(String.fromCharCode(c))) QID_CLASS[c] |= LONG;
for (let c = 97; c <= 122; c++) if (!'aeiou'.includes(String.fromCharCode(c))) QID_CLASS[c] = LONG;
const Z = 122;
/** Time part of a long ID: six characters of seconds, four of microseconds. */
const LONG_TIME_PAD = 10;

/** Length of the queue ID at `i` (followed by `: `), or 0. */
function queueIdLength(s: string, i: number, end: number): number {
  if (s.charCodeAt(i) === 78 && s.startsWith('NOQUEUE: ', i)) return 7;
  let j = i;
  let classes = HEX | LONG;
  let lastZ = -1;
  const limit = Math.min(end, i + 33);
  for (; j < limit; j++) {
    const c = s.charCodeAt(j);
    if (c === COLON) break;
    if (c === Z) lastZ = j - i;
    classes &= c < 256 ? QID_CLASS[c] : 0;
    if (classes === 0) return 0;
  }
  const n = j - i;
  if (j + 1 >= end || s.charCodeAt(j) !== COLON || s.charCodeAt(j + 1) !== SP) return 0;
  if (classes & HEX && n >= 5 && n <= 16) return n;
  if (classes & LONG && lastZ >= LONG_TIME_PAD && lastZ < n - 1) return n;
  return 0;
}

/** Whether `t` is a queue ID (short, long or NOQUEUE) by the same rules as the scan. */
export function isQueueId(t: string): boolean {
  return t.length <= 32 && queueIdLength(`${t}: `, 0, t.length + 2) === t.length;
}

/**
 * Finds the parts of the line s[start, end). Returns false (and leaves `p`
 * unspecified) when the line has no syslog prefix this scanner knows.
 */
export function scanLine(s: string, start: number, end: number, p: LineParts): boolean {
  if (end - start > MAX_LINE || end - start < 20) return false;
  let i: number;
  const c0 = s.charCodeAt(start);
  if (isDigit(c0)) {
    // 2021-03-13T12:04:09[.frac](Z|+01:00|+0100)
    if (s.charCodeAt(start + 4) !== 45 || s.charCodeAt(start + 10) !== 84) return false;
    i = scanTo(s, start + 19, Math.min(end, start + 40), SP);
    if (i < 0) return false;
  } else {
    // "Jun 21 08:34:30" or "Jun  1 08:34:30": always 15 characters.
    i = start + 15;
    if (s.charCodeAt(start + 3) !== SP || s.charCodeAt(i) !== SP || s.charCodeAt(start + 9) !== COLON || s.charCodeAt(start + 12) !== COLON) return false;
  }
  p.timeStart = start;
  p.timeEnd = i;
  p.hostStart = i + 1;
  const hostEnd = scanTo(s, p.hostStart, Math.min(end, p.hostStart + 256), SP);
  if (hostEnd <= p.hostStart) return false;
  p.hostEnd = hostEnd;
  p.tagStart = hostEnd + 1;
  p.progStart = p.tagStart;
  p.pidStart = -1;
  p.pidEnd = -1;
  const tagLimit = Math.min(end, p.tagStart + 128);
  let j = p.tagStart;
  for (; j < tagLimit; j++) {
    const c = s.charCodeAt(j);
    if (c === LBRACK || c === COLON) break;
    if (c === SLASH) p.progStart = j + 1;
    else if (c === SP) return false;
  }
  if (j >= tagLimit || j === p.tagStart) return false;
  p.tagEnd = j;
  if (s.charCodeAt(j) === LBRACK) {
    p.pidStart = j + 1;
    const close = scanTo(s, j + 1, Math.min(end, j + 12), RBRACK);
    if (close < 0) return false;
    p.pidEnd = close;
    j = close + 1;
  }
  if (s.charCodeAt(j) !== COLON || s.charCodeAt(j + 1) !== SP) return false;
  const m = j + 2;
  const q = queueIdLength(s, m, end);
  if (q) {
    p.qidStart = m;
    p.qidEnd = m + q;
    p.msgStart = m + q + 2;
  } else {
    p.qidStart = -1;
    p.qidEnd = -1;
    p.msgStart = m;
  }
  return true;
}
