/**
 * The one duration grammar of mailwarden's command line and API, as in
 * systemd and Go: whole numbers with a unit, largest unit first, each unit at
 * most once: `90s`, `45m`, `1h30m`, `2d`, `1w2d`. Units: s, m, h, d, w.
 */

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['w', 604_800_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];
const UNIT_INDEX: Readonly<Record<string, number>> = { w: 0, d: 1, h: 2, m: 3, s: 4 };

/** Longest text looked at: anything longer is refused before it is read. */
const MAX_LENGTH = 32;
/** Ten years: longer is a mistake, and stays far from the float limits of Date. */
export const MAX_DURATION_MS = 10 * 365 * 86_400_000;

export const DURATION_EXAMPLES = '90s, 45m, 1h30m, 2d';

export class DurationError extends Error {
  override readonly name = 'DurationError';
}

/**
 * Milliseconds of `text`; `what` names the option or field in the error
 * (`--older-than`). One pass over at most MAX_LENGTH characters.
 */
export function parseDuration(text: string, what: string): number {
  const bad = (why: string): never => {
    throw new DurationError(`${what} "${text.length > MAX_LENGTH ? text.slice(0, MAX_LENGTH) + '…' : text}" is not a duration: ${why} (e.g. ${DURATION_EXAMPLES})`);
  };
  if (text.length === 0) bad('it is empty');
  if (text.length > MAX_LENGTH) bad(`longer than ${MAX_LENGTH} characters`);
  let total = 0;
  let n = -1;
  let last = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      n = (n < 0 ? 0 : n) * 10 + (c - 48);
      continue;
    }
    const u = UNIT_INDEX[text[i]];
    if (u === undefined) bad(`"${text[i]}" at position ${i + 1} is not a digit or a unit (s, m, h, d, w)`);
    if (n < 0) bad(`the unit "${text[i]}" at position ${i + 1} has no number before it`);
    if (u <= last) bad(`units go from the largest to the smallest, each once ("${text[i]}" at position ${i + 1})`);
    total += n * UNITS[u][1];
    last = u;
    n = -1;
  }
  if (n >= 0) bad(last < 0 ? 'a number needs a unit (s, m, h, d, w)' : 'the last number has no unit');
  if (total === 0) bad('it is zero');
  if (total > MAX_DURATION_MS) bad('it is longer than ten years');
  return total;
}

/** `5400000` → `1h30m`: the same grammar back, for messages. */
export function formatDuration(ms: number): string {
  let rest = Math.round(ms / 1000) * 1000;
  let out = '';
  for (const [u, size] of UNITS) {
    const k = Math.floor(rest / size);
    if (k > 0) out += `${k}${u}`;
    rest -= k * size;
  }
  return out || '0s';
}
