import { parseDuration } from '../../../shared/duration';
import { type LineParts, monthAt } from './tokenizer';

/*
 * The epoch of a tokenized line's timestamp, computed only when a consumer
 * asks (per-hour tables, --since/--until, the object view). Timestamps
 * without a zone (BSD syslog, Dovecot's log file) are read as UTC. Hours
 * and windows given without a zone use every line's written time (an
 * offset left out, so read as UTC too): all the lines a host writes are
 * then in one frame, its own clock, whatever their format. A year-less BSD
 * timestamp gets the year that puts it nearest before `now`.
 */

function num(s: Uint8Array, i: number, n: number): number {
  let v = 0;
  for (let k = i; k < i + n; k++) v = v * 10 + (s[k] - 48);
  return v;
}

/** Milliseconds of the `.frac` at `i`, and where it ends. */
function millis(s: Uint8Array, i: number, end: number): [number, number] {
  if (s[i] !== 46) return [0, i];
  let ms = 0;
  let scale = 100;
  let j = i + 1;
  for (; j < end; j++) {
    const c = s[j] - 48;
    if (c < 0 || c > 9) break;
    ms += c * scale;
    scale /= 10;
  }
  return [Math.floor(ms), j];
}

function iso(s: Uint8Array, i: number, end: number, written: boolean): number {
  const t = Date.UTC(num(s, i, 4), num(s, i + 5, 2) - 1, num(s, i + 8, 2), num(s, i + 11, 2), num(s, i + 14, 2), num(s, i + 17, 2));
  const [ms, j] = millis(s, i + 19, end);
  const z = s[j];
  let offsetMin = 0;
  if (!written && (z === 43 || z === 45)) {
    const colon = s[j + 3] === 58;
    offsetMin = (z === 43 ? 1 : -1) * (num(s, j + 1, 2) * 60 + num(s, j + (colon ? 4 : 3), 2));
  }
  return t + ms - offsetMin * 60_000;
}

function bsd(s: Uint8Array, i: number, end: number, year: number | undefined, now: number): number {
  const month = monthAt(s, i);
  let j = i + 4;
  if (s[j] === 32) j++;
  const twoDigits = s[j + 1] !== 32;
  const day = twoDigits ? num(s, j, 2) : num(s, j, 1);
  j += twoDigits ? 3 : 2;
  if (s[j + 2] !== 58) {
    year = num(s, j, 4);
    j += 5;
  }
  const h = num(s, j, 2);
  const m = num(s, j + 3, 2);
  const sec = num(s, j + 6, 2);
  const [ms, k] = millis(s, j + 8, end);
  if (year === undefined && s[k] === 32 && k + 5 <= end && s[k + 5] === 32) {
    const y = num(s, k + 1, 4);
    if (y >= 1970 && y < 10000) year = y;
  }
  if (year !== undefined) return Date.UTC(year, month, day, h, m, sec, ms);
  const y = new Date(now).getUTCFullYear();
  const t = Date.UTC(y, month, day, h, m, sec, ms);
  // A line from late December read in early January belongs to last year.
  return t > now + 86_400_000 ? Date.UTC(y - 1, month, day, h, m, sec, ms) : t;
}

/**
 * Epoch ms of the line's timestamp (the tokenizer has already checked its
 * shape). `written`: the time as the line writes it, its offset left out
 * (read as UTC, as zone-less lines are): the log's own clock, which a
 * --since without a zone is in.
 */
export function lineTime(s: Uint8Array, p: LineParts, now: number, written = false): number {
  const i = p.timeStart;
  const c = s[i];
  if (c >= 48 && c <= 57) return s[i + 4] === 32 ? bsd(s, i + 5, p.timeEnd, num(s, i, 4), now) : iso(s, i, p.timeEnd, written);
  return bsd(s, i, p.timeEnd, undefined, now);
}

const WHEN = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * A --since/--until argument: `2026-06-21`, `2026-06-21T08:00[:00]`, with an
 * optional `Z` or offset. Without one it is in the log's own clock, the time
 * its lines write (see lineTime's `written`), so `--since 2026-06-21T08:00`
 * matches `Jun 21 08:00:00` and `2026-06-21T08:00:00+02:00`. Undefined when
 * it is not such a time.
 */
export function parseWhen(text: string): number | undefined {
  const m = WHEN.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number);
  const t = Date.UTC(y, mo - 1, d, h, mi, sec);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || sec > 59) return undefined;
  const z = m[7];
  if (!z || z === 'Z') return t;
  const digits = z.replace(':', '');
  const off = (z[0] === '+' ? 1 : -1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
  return t - off * 60_000;
}

/** Whether a --since/--until argument parseWhen reads names its zone (`Z`, `+01:00`): then it is a moment, compared with lines' true times. */
export function whenHasZone(text: string): boolean {
  return WHEN.exec(text)?.[7] !== undefined;
}

const DAY = 86_400_000;

/**
 * `now` in the frame of zone-less lines: this host's wall clock read as UTC,
 * which is what its syslog writes (`Jun 21 08:00:00` at 08:00 local time).
 */
export function wallClock(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds());
}

/**
 * A --since/--until argument relative to `now`: `today` and `yesterday`
 * (their midnight), or a duration ago (`2h`, `1d12h`: shared/duration.ts,
 * whose error a mistyped one throws). The same as the local date and time
 * typed without a zone (parseWhen), on this host's clock. Undefined when
 * the text is not of this kind (a date has `-`; a duration starts with a digit).
 */
export function parseRelativeWhen(text: string, now: number, what: string): number | undefined {
  const wall = wallClock(now);
  if (text === 'today') return Math.floor(wall / DAY) * DAY;
  if (text === 'yesterday') return Math.floor(wall / DAY) * DAY - DAY;
  const c = text.charCodeAt(0);
  if (!(c >= 48 && c <= 57) || text.includes('-') || text.includes(':')) return undefined;
  return wall - parseDuration(text, what);
}

/** An hour of the log's own clock (epoch hours of written times) as the reports show it: `2026-08-05T13:00`, no zone (it is the log's). */
export function hourLabel(h: number): string {
  return new Date(h * 3_600_000).toISOString().slice(0, 13) + ':00';
}
