/*
 * The prefix of a mail log line, found by a hand-written scanner (one pass,
 * no regex: attackers write parts of these lines). Formats seen in the wild:
 *   BSD syslog       `Jun  1 08:34:30 host tag[pid]: msg`   (space-padded day, no year)
 *   maillog_file     `Jun 01 08:34:30 host postfix/smtpd[1]: msg` (zero-padded day)
 *   RFC 3339         `2021-03-13T12:04:09.755361+01:00 host tag[pid]: msg`
 *   journald         `2021-03-13T12:04:09+0100 host tag[pid]: msg` (short-iso)
 *   Dovecot log_path `Jun 21 08:34:30 imap-login: Info: msg` (no host, no pid)
 */

export interface LinePrefix {
  /** Epoch ms, when the timestamp could be read. */
  readonly time?: number;
  readonly host?: string;
  /** `postfix/smtpd`, `dovecot`, `imap-login`… */
  readonly tag: string;
  readonly pid?: number;
  /** The rest of the line after `tag[pid]: `. */
  readonly message: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v;
}

/** `Mmm dd HH:MM:SS` at the start; the year is the one that puts the time nearest before `now`. */
function bsdTime(line: string, now: number): { time: number; end: number } | undefined {
  if (line.length < 16 || line[3] !== ' ' || line[6] !== ' ' || line[9] !== ':' || line[12] !== ':') return undefined;
  const month = MONTHS.indexOf(line.slice(0, 3));
  const day = line[4] === ' ' ? digits(line, 5, 1) : digits(line, 4, 2);
  const h = digits(line, 7, 2);
  const m = digits(line, 10, 2);
  const sec = digits(line, 13, 2);
  if (month < 0 || !(day >= 1 && day <= 31) || !(h < 24) || !(m < 60) || !(sec < 61)) return undefined;
  const year = new Date(now).getUTCFullYear();
  let t = Date.UTC(year, month, day, h, m, sec);
  // A line from late December read in early January belongs to last year.
  if (t > now + 86_400_000) t = Date.UTC(year - 1, month, day, h, m, sec);
  return { time: t, end: 15 };
}

/** `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM|±HHMM)` at the start. */
function isoTime(line: string): { time: number; end: number } | undefined {
  if (line.length < 20 || line[4] !== '-' || line[7] !== '-' || line[10] !== 'T' || line[13] !== ':' || line[16] !== ':') return undefined;
  let i = 19;
  let ms = 0;
  if (line[i] === '.') {
    let scale = 100;
    i++;
    while (i < line.length && line.charCodeAt(i) >= 48 && line.charCodeAt(i) <= 57 && i < 40) {
      ms += (line.charCodeAt(i) - 48) * scale;
      scale /= 10;
      i++;
    }
  }
  let offsetMin = 0;
  if (line[i] === 'Z') i++;
  else if (line[i] === '+' || line[i] === '-') {
    const sign = line[i] === '+' ? 1 : -1;
    const oh = digits(line, i + 1, 2);
    const colon = line[i + 3] === ':';
    const om = digits(line, i + (colon ? 4 : 3), 2);
    if (Number.isNaN(oh) || Number.isNaN(om)) return undefined;
    offsetMin = sign * (oh * 60 + om);
    i += colon ? 6 : 5;
  } else return undefined;
  const t = Date.UTC(digits(line, 0, 4), digits(line, 5, 2) - 1, digits(line, 8, 2), digits(line, 11, 2), digits(line, 14, 2), digits(line, 17, 2));
  if (Number.isNaN(t)) return undefined;
  return { time: t + Math.floor(ms) - offsetMin * 60_000, end: i };
}

/** Splits `tag[pid]:` / `tag:`; returns undefined when the token is not one. */
function tagOf(token: string): { tag: string; pid?: number } | undefined {
  if (!token.endsWith(':') || token.length < 2) return undefined;
  const t = token.slice(0, -1);
  const open = t.indexOf('[');
  if (open < 0) return { tag: t };
  if (!t.endsWith(']') || open === 0) return undefined;
  const pid = Number(t.slice(open + 1, -1));
  return Number.isInteger(pid) ? { tag: t.slice(0, open), pid } : undefined;
}

function nextToken(line: string, from: number): { token: string; end: number } | undefined {
  let i = from;
  while (i < line.length && line[i] === ' ') i++;
  if (i >= line.length) return undefined;
  const sp = line.indexOf(' ', i);
  const end = sp < 0 ? line.length : sp;
  return { token: line.slice(i, end), end };
}

/** Reads the prefix of one log line, or undefined when it has none we know. */
export function parseLinePrefix(line: string, now: number): LinePrefix | undefined {
  const ts = bsdTime(line, now) ?? isoTime(line);
  if (!ts) return undefined;
  const first = nextToken(line, ts.end);
  if (!first) return undefined;
  // Dovecot's own log file: the token after the time is already the tag.
  let tag = tagOf(first.token);
  let host: string | undefined;
  let end = first.end;
  if (!tag) {
    host = first.token;
    const second = nextToken(line, first.end);
    if (!second) return undefined;
    tag = tagOf(second.token);
    if (!tag) return undefined;
    end = second.end;
  }
  const message = line.slice(line[end] === ' ' ? end + 1 : end);
  return { time: ts.time, ...(host !== undefined ? { host } : {}), tag: tag.tag, ...(tag.pid !== undefined ? { pid: tag.pid } : {}), message };
}
