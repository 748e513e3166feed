import { byteIn, bytesAt, bytesOf } from './bytes';

/*
 * The one mail-log line tokenizer: offsets of a line's timestamp, host, tag,
 * pid, queue ID and message inside a buffer of log bytes, found by a hand-written
 * scanner. Every step is bounded by the line's end (attackers write parts of
 * these lines): a 10k-character line or binary junk costs its length, no more.
 * Offsets only, no strings: this runs on every line of a multi-gigabyte log;
 * line-view.ts builds the object form on demand.
 *
 * Timestamps understood (all documented defaults of the tools that write mail logs):
 *   Jun 21 08:34:30 / Jun  1 08:34:30 / Jun 1 08:34:30   BSD syslog (RFC 3164), any day padding
 *   Jun 21 08:34:30.755361                               journalctl -o short-precise
 *   Jun 21 08:34:30 2026 / 2026 Jun 21 08:34:30          BSD with a year (syslog-ng, ctime-style templates)
 *   2021-03-13T12:04:09.755361+01:00                     RFC 3339 (rsyslog's high-precision format, Debian 12)
 *   2021-03-13T12:04:09+0100 / …09.755361+0100           journalctl -o short-iso / short-iso-precise
 *   2021-03-13 12:04:09                                  Dovecot log_path with a custom log_timestamp
 * Then `host tag[pid]: msg`, `host tag: msg`, or no host at all (Dovecot's
 * own log file: `Jun 21 08:34:30 imap-login: Info: msg`, and 2.4's
 * `Jun 21 08:34:30 auth(user,ip)<session>: Info: msg`, whose message starts at `(`).
 */

/** Offsets of the parts of one line; -1 where absent. Reused between lines. */
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
  /** End of the line (exclusive). */
  end: number;
}

export function newLineParts(): LineParts {
  return { timeStart: -1, timeEnd: -1, hostStart: -1, hostEnd: -1, tagStart: -1, tagEnd: -1, progStart: -1, pidStart: -1, pidEnd: -1, qidStart: -1, qidEnd: -1, msgStart: -1, end: -1 };
}

/** Lines longer than this are counted as unparsed without being looked at. */
export const MAX_LINE = 16384;

const SP = 32;
const COLON = 58;
const LBRACK = 91;
const RBRACK = 93;
const SLASH = 47;
const DOT = 46;
const LPAREN = 40;

/** Month names as 24-bit keys, in calendar order. */
const MONTH_KEYS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map((m) => (m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2));

/** Month + 1 by a hash of the three letters (collision-free for the twelve names; the key is checked). */
const MONTH_SLOTS = new Int8Array(32);
const monthSlot = (k: number) => (k ^ (k >>> 1) ^ (k >>> 6)) & 31;
MONTH_KEYS.forEach((k, m) => {
  if (MONTH_SLOTS[monthSlot(k)] !== 0) throw new Error('month hash collision');
  MONTH_SLOTS[monthSlot(k)] = m + 1;
});

/** 0-11 for the English month abbreviation at `i`, or -1. */
export function monthAt(s: Uint8Array, i: number): number {
  const k = (s[i] << 16) | (s[i + 1] << 8) | s[i + 2];
  const m = MONTH_SLOTS[monthSlot(k)] - 1;
  return m >= 0 && MONTH_KEYS[m] === k ? m : -1;
}

function digit(s: Uint8Array, i: number): number {
  const c = s[i] - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

/** The two-digit number at `i`, or -1. */
function two(s: Uint8Array, i: number): number {
  const a = digit(s, i);
  const b = digit(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

function four(s: Uint8Array, i: number): number {
  const a = two(s, i);
  const b = two(s, i + 2);
  return a < 0 || b < 0 ? -1 : a * 100 + b;
}

/** `HH:MM:SS` at `i` with each field in range. */
function clockAt(s: Uint8Array, i: number): boolean {
  const h = two(s, i);
  const m = two(s, i + 3);
  const sec = two(s, i + 6);
  return s[i + 2] === COLON && s[i + 5] === COLON && h >= 0 && h < 24 && m >= 0 && m < 60 && sec >= 0 && sec <= 60;
}

/** Skips `.digits` (at most nine) at `i`. */
function fraction(s: Uint8Array, i: number, end: number): number {
  if (s[i] !== DOT) return i;
  let j = i + 1;
  while (j < end && j - i <= 9 && digit(s, j) >= 0) j++;
  return j > i + 1 ? j : -1;
}

/** End of a BSD timestamp `Mmm d HH:MM:SS[.frac][ YYYY]` at `i` (the space after it), or -1. */
function bsdEnd(s: Uint8Array, i: number, end: number): number {
  if (monthAt(s, i) < 0 || s[i + 3] !== SP) return -1;
  let j = i + 4;
  if (s[j] === SP) j++; // "Jun  1": the day padded with a space
  const d1 = digit(s, j);
  const d2 = digit(s, j + 1);
  const day = d2 >= 0 ? d1 * 10 + d2 : d1;
  if (d1 < 0 || day < 1 || day > 31) return -1;
  j += d2 >= 0 ? 2 : 1;
  if (s[j] !== SP) return -1;
  // A year between the day and the time (`Jun 21 2026 08:34:30`).
  if (four(s, j + 1) >= 0 && s[j + 5] === SP) j += 5;
  if (!clockAt(s, j + 1)) return -1;
  j = fraction(s, j + 9, end);
  if (j < 0) return -1;
  // A year after the time (`Jun 21 08:34:30 2026 host …`).
  if (s[j] === SP && four(s, j + 1) >= 0 && s[j + 5] === SP) j += 5;
  return s[j] === SP ? j : -1;
}

/** End of `YYYY-MM-DD(T| )HH:MM:SS[.frac][Z|±HH:MM|±HHMM]` at `i`, or -1. */
function isoEnd(s: Uint8Array, i: number, end: number): number {
  if (four(s, i) < 0 || s[i + 4] !== 45 || s[i + 7] !== 45) return -1;
  const mo = two(s, i + 5);
  const d = two(s, i + 8);
  const t = s[i + 10];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || (t !== 84 && t !== SP) || !clockAt(s, i + 11)) return -1;
  let j = fraction(s, i + 19, end);
  if (j < 0) return -1;
  const z = s[j];
  if (z === 90) j++;
  else if (z === 43 || z === 45) {
    if (two(s, j + 1) < 0) return -1;
    j += s[j + 3] === COLON ? 4 : 3;
    if (two(s, j) < 0) return -1;
    j += 2;
  }
  return s[j] === SP ? j : -1;
}

/*
 * Character classes of queue IDs, one table lookup per character: HEX for
 * short IDs (upper-case hex), LONG for long ones. A long ID (Postfix's
 * mail_queue.h) is the time in seconds (base 52, six or more characters) and
 * microseconds (base 52, four), a `z`, and the inode number (base 51, which
 * has no `z`). The base-52 alphabet is digits and consonants, `z` included,
 * so the time part may hold a `z` too: the separator is the last one, at
 * least ten characters in.
 */
const HEX = 1;
const LONG = 2;
const QID_CLASS = new Uint8Array(256);
for (let c = 48; c <= 57; c++) QID_CLASS[c] = HEX | LONG;
for (let c = 65; c <= 70; c++) QID_CLASS[c] = HEX;
for (let c = 65; c <= 90; c++) if (!'AEIOU'.includes(String.fromCharCode(c))) QID_CLASS[c] |= LONG;
for (let c = 97; c <= 122; c++) if (!'aeiou'.includes(String.fromCharCode(c))) QID_CLASS[c] = LONG;
const Z = 122;
const LONG_TIME_PAD = 10;

/** Length of the queue ID at `i` (followed by `: `), or 0. */
function queueIdLength(s: Uint8Array, i: number, end: number): number {
  if (s[i] === 78 && bytesAt(s, 'NOQUEUE: ', i, end)) return 7;
  let j = i;
  let classes = HEX | LONG;
  let lastZ = -1;
  const limit = Math.min(end, i + 33);
  for (; j < limit; j++) {
    const c = s[j];
    if (c === COLON) break;
    if (c === Z) lastZ = j - i;
    classes &= QID_CLASS[c];
    if (classes === 0) return 0;
  }
  const n = j - i;
  if (j + 1 >= end || s[j] !== COLON || s[j + 1] !== SP) return 0;
  if (classes & HEX && n >= 5 && n <= 16) return n;
  if (classes & LONG && lastZ >= LONG_TIME_PAD && lastZ < n - 1) return n;
  return 0;
}

/** Whether `t` is a queue ID (short, long or NOQUEUE) by the same rules as the tokenizer. */
export function isQueueId(t: string): boolean {
  return t.length <= 32 && queueIdLength(Buffer.from(`${t}: `, 'latin1'), 0, t.length + 2) === t.length;
}

/**
 * The last timestamp found valid, with the space after it: a log has many
 * lines per second, and comparing 16 bytes is cheaper than checking them.
 */
const lastTime = new Uint8Array(64);
let lastTimeLength = 0;

function sameTime(s: Uint8Array, start: number): boolean {
  const n = lastTimeLength;
  if (n === 0) return false;
  // From the end: lines of one second differ from the last line first in their seconds.
  for (let k = n - 1; k >= 0; k--) if (s[start + k] !== lastTime[k]) return false;
  return true;
}

/**
 * Dovecot 2.4's own log file: `auth(user,ip,…)<session>: …`, the service
 * then its request, whose text (`sasl:plain`, the user's) ended the tag
 * early: the tag is the service, and the message starts at its `(`. 2.3's
 * `auth-worker(PID): …` is a tag as it stands. Tried only on a host-less
 * line no other way fits (this runs on no other line).
 */
function requestTag(s: Uint8Array, start: number, stop: number, p: LineParts): boolean {
  const open = byteIn(s, LPAREN, start, stop);
  if (open <= start || pidParen(s, open, p.end)) return false;
  for (let k = start; k < open; k++) if (s[k] === SLASH || s[k] === LBRACK) return false;
  p.tagEnd = open;
  p.progStart = start;
  p.qidStart = -1;
  p.qidEnd = -1;
  p.msgStart = open;
  return true;
}

/** Whether `(digits):` is at `open`: Dovecot 2.3's process id after the service, not 2.4's request. */
export function pidParen(s: Uint8Array, open: number, end: number): boolean {
  let j = open + 1;
  while (j < end && j - open <= 10 && s[j] >= 48 && s[j] <= 57) j++;
  return j > open + 1 && j + 1 < end && s[j] === 41 && s[j + 1] === COLON;
}

/**
 * Finds the parts of the line s[start, end) (log bytes; text, as a follower
 * or a test holds a line, is read as its latin1 bytes). Returns false (and
 * leaves `p` unspecified) when the line has no prefix this tokenizer knows.
 */
export function scanLine(s: Uint8Array | string, start: number, end: number, p: LineParts): boolean {
  return scanBytes(typeof s === 'string' ? bytesOf(s) : s, start, end, p);
}

function scanBytes(s: Uint8Array, start: number, end: number, p: LineParts): boolean {
  if (end - start > MAX_LINE || end - start < 16) return false;
  let i: number;
  if (end - start > lastTimeLength && sameTime(s, start)) i = start + lastTimeLength - 1;
  else {
    if (digit(s, start) >= 0) {
      i = s[start + 4] === SP ? bsdEnd(s, start + 5, end) : isoEnd(s, start, end);
    } else i = bsdEnd(s, start, end);
    if (i < 0) return false;
    lastTimeLength = i + 1 - start <= lastTime.length ? i + 1 - start : 0;
    for (let k = 0; k < lastTimeLength; k++) lastTime[k] = s[start + k];
  }
  p.timeStart = start;
  p.timeEnd = i;
  p.end = end;
  // The host, unless the first token is already the tag (it ends with `:`, a host never does).
  const h = i + 1;
  const sp = byteIn(s, SP, h, Math.min(end, h + 256));
  if (sp <= h) return false;
  if (s[sp - 1] === COLON) {
    p.hostStart = -1;
    p.hostEnd = -1;
    p.tagStart = h;
  } else {
    p.hostStart = h;
    p.hostEnd = sp;
    p.tagStart = sp + 1;
  }
  p.progStart = p.tagStart;
  p.pidStart = -1;
  p.pidEnd = -1;
  const tagLimit = Math.min(end, p.tagStart + 128);
  let j = p.tagStart;
  for (; j < tagLimit; j++) {
    const c = s[j];
    if (c === LBRACK || c === COLON) break;
    if (c === SLASH) p.progStart = j + 1;
    else if (c === SP) return p.hostStart < 0 && requestTag(s, p.tagStart, j, p);
  }
  if (j >= tagLimit || j === p.tagStart || p.progStart === j) return p.hostStart < 0 && requestTag(s, p.tagStart, j, p);
  p.tagEnd = j;
  if (s[j] === LBRACK) {
    p.pidStart = j + 1;
    const close = byteIn(s, RBRACK, j + 1, Math.min(end, j + 12));
    if (close <= j + 1) return false;
    for (let k = j + 1; k < close; k++) if (digit(s, k) < 0) return false;
    p.pidEnd = close;
    j = close + 1;
  }
  if (j + 1 >= end || s[j] !== COLON || s[j + 1] !== SP) return p.hostStart < 0 && requestTag(s, p.tagStart, j, p);
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
