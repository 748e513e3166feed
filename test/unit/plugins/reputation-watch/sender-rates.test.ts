import { DEFAULT_CONFIG } from '../../../../plugins/reputation-watch/config';
import { EWMA_ALPHA, judge, roll, type RateState } from '../../../../plugins/reputation-watch/sender-rates';

const C = { ...DEFAULT_CONFIG.senderRates, windowMinutes: 60, minAttempts: 10, maxBouncePercent: 20, maxDeferPercent: 50, baselineFactor: 3 };
const H = 3_600_000;

test('a window too small to judge neither alerts nor moves the baseline', () => {
  const s: RateState = { windowStart: 0, attempts: 9, bounced: 9, deferred: 0, windows: 0 };
  expect(judge(s, C)).toEqual([]);
  expect(roll(s, H, C)).toEqual({ windowStart: H, attempts: 0, bounced: 0, deferred: 0, windows: 1 });
});

test('the baseline is an EWMA of past windows; a window is judged against the limit and against the baseline', () => {
  let s = roll(undefined, 0, C);
  s = { ...s, attempts: 20, bounced: 2, deferred: 4 }; // 10 % / 20 %
  s = roll(s, H, C);
  expect(s).toMatchObject({ baselineBounce: 10, baselineDefer: 20, windows: 1 });
  s = roll({ ...s, attempts: 10, bounced: 0, deferred: 0 }, 2 * H, C);
  expect(s.baselineBounce).toBeCloseTo((1 - EWMA_ALPHA) * 10);
  // Still inside the window: no roll
  expect(roll(s, 2 * H + H - 1, C)).toBe(s);
  // 20 % bounces: over the limit
  expect(judge({ ...s, attempts: 10, bounced: 2 }, C)).toEqual(['bounce rate 20% >= 20%']);
  // 10 % bounces, usual 7 %: under 3x and under half the limit
  expect(judge({ ...s, attempts: 10, bounced: 1 }, C)).toEqual([]);
  // deferrals at 3x their usual (14 %) and over half the limit
  expect(judge({ ...s, attempts: 20, deferred: 9 }, C)).toEqual(['deferral rate 45% is 3x or more its usual 14%']);
});
