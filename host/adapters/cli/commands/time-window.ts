import { UsageError } from '../../../../shared';
import { parseRelativeWhen, parseWhen, whenHasZone } from '../../../tools/maillog/line-time';
import { type Parsed, str } from '../cli-context';

/** The options both log readers take (`logs scan`, `relay audit`): one window, the same counts. */
export const WINDOW_OPTION = { since: { type: 'string' }, until: { type: 'string' } } as const;

export const WINDOW_USAGE = `  --since T, --until T  only lines in [T, T'): 2026-06-21 or 2026-06-21T08:00[:00][Z|+01:00];
                     without a zone, in the log's own clock (the time its lines write); or today,
                     yesterday (midnight) or a time ago (2h, 1d12h), on this host's clock; with a
                     zone, a moment (lines with an offset are compared by their true time)`;

/** What scanFiles takes (StatsOptions since, until, windowZoned). */
export interface TimeWindow {
  readonly since?: number;
  readonly until?: number;
  readonly windowZoned: boolean;
}

/** A --since/--until bound, and whether it names its zone. */
function bound(text: string | undefined, flag: string, now: number, command: string): { t: number; zoned: boolean } | undefined {
  if (text === undefined) return undefined;
  const t = parseWhen(text) ?? parseRelativeWhen(text, now, `${command}: --${flag}`);
  if (t === undefined) throw new UsageError(`${command}: --${flag} must be a date or time like 2026-06-21 or 2026-06-21T08:00 (optionally with Z or +01:00), today, yesterday or a time ago like 2h, not "${text}"`);
  return { t, zoned: whenHasZone(text) };
}

/** The window of --since/--until, relative forms read against `now` (the command's one reading of the clock). */
export function timeWindowOf(p: Parsed, command: string, now: number): TimeWindow {
  const from = bound(str(p, 'since'), 'since', now, command);
  const to = bound(str(p, 'until'), 'until', now, command);
  // One frame for the window: a moment (with a zone) or the log's own clock (without).
  if (from && to && from.zoned !== to.zoned) throw new UsageError(`${command}: --since and --until must both name a zone (Z, +01:00) or neither: with one a time is a moment, without one it is the log's own clock`);
  if (from && to && to.t <= from.t) throw new UsageError(`${command}: --until must be after --since`);
  return { since: from?.t, until: to?.t, windowZoned: (from ?? to)?.zoned ?? false };
}
