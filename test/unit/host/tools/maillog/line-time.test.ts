import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../../../../host/core/paths';
import { lineTime, parseRelativeWhen, parseWhen, whenHasZone } from '../../../../../host/tools/maillog/line-time';
import { newLineParts, scanLine } from '../../../../../host/tools/maillog/tokenizer';

/*
 * --since/--until relative to now: on this host's wall clock, in the frame
 * zone-less log lines are read in (their written time as UTC). The zone is
 * the process's, read by node at start: the built module is run in a
 * process of its own with TZ set, so that the frame and the true time differ.
 */
describe('--since/--until: today, yesterday, a time ago', () => {
  // 2026-11-30 00:30 in Paris (UTC+1): still the 29th in UTC.
  const NOW = Date.UTC(2026, 10, 29, 23, 30);

  /** Each call's result, in a process whose zone is `tz`. */
  const inZone = (tz: string, calls: Array<[string, number]>): Array<number | null> => {
    const built = process.env.MAILWARDEN_DIST ? path.resolve(process.env.MAILWARDEN_DIST) : path.join(packageRoot(), 'dist');
    const mod = path.join(built, 'app/host/tools/maillog/line-time.js');
    if (!fs.existsSync(mod)) throw new Error('dist is not built: run node build.mjs (npm test does)');
    const script = `const t = require(${JSON.stringify(mod)}); process.stdout.write(JSON.stringify(${JSON.stringify(calls)}.map(([w, now]) => w === 'wall' ? t.wallClock(now) : t.parseRelativeWhen(w, now, '--since') ?? null)))`;
    return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, TZ: tz } }));
  };

  test('the wall clock is the local time read as UTC (what syslog writes, what --since 2026-11-30T00:30 means); today, yesterday, 2h, 1d12h from it', () => {
    const summer = Date.UTC(2026, 6, 1, 12, 0);
    expect(inZone('Europe/Paris', [['wall', NOW], ['wall', summer], ['today', NOW], ['yesterday', NOW], ['2h', NOW], ['1d12h', NOW]])).toEqual([
      parseWhen('2026-11-30T00:30'),
      // Summer time: UTC+2.
      parseWhen('2026-07-01T14:00'),
      parseWhen('2026-11-30'),
      parseWhen('2026-11-29'),
      parseWhen('2026-11-29T22:30'),
      parseWhen('2026-11-28T12:30'),
    ]);
    // West of UTC: still the 29th locally at 23:30 UTC.
    expect(inZone('America/New_York', [['today', NOW], ['2h', NOW]])).toEqual([parseWhen('2026-11-29'), parseWhen('2026-11-29T16:30')]);
  });

  test('a date is not relative; a mistyped duration says what is wrong, naming the option', () => {
    for (const t of ['2026-11-30', '08:00', 'tomorrow', 'Today', '', 'h2']) expect(parseRelativeWhen(t, NOW, '--since')).toBeUndefined();
    expect(() => parseRelativeWhen('2x', NOW, 'logs scan: --since')).toThrow('logs scan: --since "2x" is not a duration: "x" at position 2 is not a digit or a unit');
    expect(() => parseRelativeWhen('90', NOW, '--until')).toThrow('--until "90" is not a duration: a number needs a unit');
  });
});

describe('a line\'s time: true, or as written', () => {
  const time = (line: string, written: boolean) => {
    const b = Buffer.from(line, 'latin1');
    const p = newLineParts();
    expect(scanLine(b, 0, b.length, p)).toBe(true);
    return lineTime(b, p, Date.UTC(2026, 11, 1), written);
  };

  test('an offset is applied for the true time and left out for the written one; zone-less lines are the same either way', () => {
    expect(time('2026-08-05T08:00:00.250+02:00 mx postfix/smtpd[1]: x', false)).toBe(Date.UTC(2026, 7, 5, 6, 0, 0, 250));
    expect(time('2026-08-05T08:00:00.250+02:00 mx postfix/smtpd[1]: x', true)).toBe(Date.UTC(2026, 7, 5, 8, 0, 0, 250));
    expect(time('2026-08-05T08:00:00-0430 mx postfix/smtpd[1]: x', true)).toBe(Date.UTC(2026, 7, 5, 8));
    expect(time('Aug  5 08:00:00 mx postfix/smtpd[1]: x', false)).toBe(time('Aug  5 08:00:00 mx postfix/smtpd[1]: x', true));
  });

  test('whenHasZone: Z or an offset makes a --since a moment', () => {
    expect(['2026-08-05T06:00Z', '2026-08-05T08:00+02:00', '2026-08-05T08:00:00-0430', '2026-08-05Z'].map(whenHasZone)).toEqual([true, true, true, true]);
    expect(['2026-08-05', '2026-08-05T08:00', '2h', 'today', 'nonsense'].map(whenHasZone)).toEqual([false, false, false, false, false]);
  });
});
