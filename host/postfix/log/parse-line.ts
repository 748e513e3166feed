/*
 * One mail-log line → its prefix fields and the message, by a hand-written
 * scanner (attackers control parts of these lines: no backtracking regex).
 * Prefixes understood:
 *   BSD syslog        `Jun 21 08:34:30 host tag[pid]: …`  (day space- or zero-padded, no year)
 *   RFC 3339          `2021-03-13T12:04:09.755361+01:00 host tag[pid]: …`
 *   journald short-iso `2021-03-13T12:04:09+0100 host tag[pid]: …`
 * Postfix's own maillog_file uses the BSD form with a zero-padded day.
 */

export interface LogLine {
  /** Epoch ms. A BSD stamp has no year: the year is taken so the time is not in the future of `now`. */
  readonly time: number;
  readonly host: string;
  /** `postfix/smtpd`, `postfix/submission/smtpd`, `dovecot`… */
  readonly tag: string;
  readonly pid?: number;
  /** The Postfix queue id the message starts with (`NOQUEUE` included), when it does. */
  readonly queueId?: string;
  /** The text after `tag[pid]: ` (and after `QUEUEID: ` when there is one). */
  readonly message: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Longest line looked at; the rest of a longer line is ignored (fail2ban's CPU-hours lesson). */
export const MAX_LOG_LINE = 16_384;

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(at + i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** `HH:MM:SS` at `at` → seconds of the day, or -1. */
function clock(s: string, at: number): number {
  const h = digits(s, at, 2);
  const m = digits(s, at + 3, 2);
  const sec = digits(s, at + 6, 2);
  if (h < 0 || m < 0 || sec < 0 || s[at + 2] !== ':' || s[at + 5] !== ':' || h > 23 || m > 59 || sec > 60) return -1;
  return h * 3600 + m * 60 + sec;
}

/** BSD stamp: returns [time, index after the stamp] or undefined. */
function bsdStamp(s: string, now: number): [number, number] | undefined {
  const mon = MONTHS.indexOf(s.slice(0, 3));
  if (mon < 0 || s[3] !== ' ') return undefined;
  let i = 4;
  if (s[i] === ' ') i++;
  let day = digits(s, i, 2);
  if (day < 0) {
    day = digits(s, i, 1);
    i += 1;
  } else i += 2;
  if (day < 1 || day > 31 || s[i] !== ' ') return undefined;
  const secs = clock(s, i + 1);
  if (secs < 0 || s[i + 9] !== ' ') return undefined;
  const year = new Date(now).getUTCFullYear();
  let t = Date.UTC(year, mon, day) + secs * 1000;
  // A December line read in January belongs to last year.
  if (t > now + 86_400_000) t = Date.UTC(year - 1, mon, day) + secs * 1000;
  return [t, i + 10];
}

/** RFC 3339 / short-iso stamp. */
function isoStamp(s: string): [number, number] | undefined {
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || s[4] !== '-' || s[7] !== '-' || s[10] !== 'T') return undefined;
  const secs = clock(s, 11);
  if (secs < 0) return undefined;
  let i = 19;
  let frac = 0;
  if (s[i] === '.') {
    i++;
    let scale = 100;
    while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) {
      frac += (s.charCodeAt(i) - 48) * scale;
      scale /= 10;
      i++;
    }
  }
  let offset = 0;
  if (s[i] === 'Z') i++;
  else if (s[i] === '+' || s[i] === '-') {
    const sign = s[i] === '+' ? 1 : -1;
    const oh = digits(s, i + 1, 2);
    const colon = s[i + 3] === ':' ? 1 : 0;
    const om = digits(s, i + 3 + colon, 2);
    if (oh < 0 || om < 0) return undefined;
    offset = sign * (oh * 60 + om) * 60_000;
    i += 5 + colon;
  } else return undefined;
  if (s[i] !== ' ') return undefined;
  return [Date.UTC(y, mo - 1, d) + secs * 1000 + Math.floor(frac) - offset, i + 1];
}

const LONG_ID_CHARS = new Set('0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz');

/** Short ids are upper-case hex; long ids use a 52-character alphabet without vowels. */
export function isQueueId(t: string): boolean {
  if (t === 'NOQUEUE') return true;
  if (t.length < 5 || t.length > 32) return false;
  let hex = true;
  let long = t.length >= 10;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 70))) hex = false;
    if (!LONG_ID_CHARS.has(t[i])) long = false;
    if (!hex && !long) return false;
  }
  return true;
}

/** Parses one line, or returns undefined when its prefix is none of the known forms. */
export function parseLine(raw: string, now = Date.now()): LogLine | undefined {
  const line = raw.length > MAX_LOG_LINE ? raw.slice(0, MAX_LOG_LINE) : raw;
  const stamp = line.charCodeAt(0) >= 48 && line.charCodeAt(0) <= 57 ? isoStamp(line) : bsdStamp(line, now);
  if (!stamp) return undefined;
  const [time, afterStamp] = stamp;
  const hostEnd = line.indexOf(' ', afterStamp);
  if (hostEnd <= afterStamp) return undefined;
  const host = line.slice(afterStamp, hostEnd);
  const colon = line.indexOf(': ', hostEnd + 1);
  const tagEnd = colon < 0 ? (line.endsWith(':') ? line.length - 1 : -1) : colon;
  if (tagEnd <= hostEnd + 1) return undefined;
  let tag = line.slice(hostEnd + 1, tagEnd);
  let pid: number | undefined;
  const br = tag.indexOf('[');
  if (br > 0 && tag.endsWith(']')) {
    const p = Number(tag.slice(br + 1, -1));
    if (Number.isInteger(p) && p >= 0) pid = p;
    tag = tag.slice(0, br);
  }
  if (tag.includes(' ')) return undefined;
  let message = colon < 0 ? '' : line.slice(colon + 2);
  let queueId: string | undefined;
  const qc = message.indexOf(': ');
  if (qc > 0 && qc <= 32 && isQueueId(message.slice(0, qc))) {
    queueId = message.slice(0, qc);
    message = message.slice(qc + 2);
  }
  return { time, host, tag, message, ...(pid !== undefined ? { pid } : {}), ...(queueId ? { queueId } : {}) };
}
