import type { StateStore } from '../../shared';
import type { SenderRateConfig } from './config';

/**
 * Delivery outcomes of one sender (or one sender domain) in the current fixed
 * window, and its own history as exponentially weighted averages of past
 * windows' rates: a hijacked account or a bad list shows as a jump against
 * what that sender usually gets, not only against a global threshold.
 */
export interface RateState {
  readonly windowStart: number;
  readonly attempts: number;
  readonly bounced: number;
  readonly deferred: number;
  /** EWMA of past windows' bounce / deferral rates (percent); absent until one full window was judged. */
  readonly baselineBounce?: number;
  readonly baselineDefer?: number;
  readonly windows: number;
  /** windowStart of the window already alerted on (one alert per window). */
  readonly alertedWindow?: number;
}

export interface RateBreach {
  readonly subject: string;
  readonly scope: 'sender' | 'domain';
  readonly attempts: number;
  readonly bounced: number;
  readonly deferred: number;
  readonly bouncePercent: number;
  readonly deferPercent: number;
  readonly baselineBounce?: number;
  readonly baselineDefer?: number;
  readonly reasons: readonly string[];
}

/** Weight of the newest window in the baseline: about the last five windows count. */
export const EWMA_ALPHA = 0.3;
const KEEP_MS = 30 * 86_400_000;
export const RATE_STATE_PREFIX = 'rates:';

const pct = (n: number, d: number) => (d === 0 ? 0 : (n * 100) / d);
const round = (x: number) => Math.round(x * 10) / 10;

/** Closes the window when it is over: its rates join the baseline if it had enough attempts to mean anything. */
export function roll(s: RateState | undefined, now: number, c: SenderRateConfig): RateState {
  const windowMs = c.windowMinutes * 60_000;
  if (!s) return { windowStart: now, attempts: 0, bounced: 0, deferred: 0, windows: 0 };
  if (now < s.windowStart + windowMs) return s;
  let { baselineBounce, baselineDefer } = s;
  if (s.attempts >= c.minAttempts) {
    const b = pct(s.bounced, s.attempts);
    const d = pct(s.deferred, s.attempts);
    baselineBounce = baselineBounce === undefined ? b : EWMA_ALPHA * b + (1 - EWMA_ALPHA) * baselineBounce;
    baselineDefer = baselineDefer === undefined ? d : EWMA_ALPHA * d + (1 - EWMA_ALPHA) * baselineDefer;
  }
  return {
    windowStart: now,
    attempts: 0,
    bounced: 0,
    deferred: 0,
    windows: s.windows + 1,
    ...(baselineBounce !== undefined ? { baselineBounce } : {}),
    ...(baselineDefer !== undefined ? { baselineDefer } : {}),
  };
}

/** Why the window is over its limits; empty when it is not (or has too few attempts to judge). */
export function judge(s: RateState, c: SenderRateConfig): string[] {
  if (s.attempts < c.minAttempts) return [];
  const out: string[] = [];
  const b = pct(s.bounced, s.attempts);
  const d = pct(s.deferred, s.attempts);
  if (b >= c.maxBouncePercent) out.push(`bounce rate ${round(b)}% >= ${c.maxBouncePercent}%`);
  else if (s.baselineBounce !== undefined && b >= c.maxBouncePercent / 2 && b >= s.baselineBounce * c.baselineFactor) {
    out.push(`bounce rate ${round(b)}% is ${c.baselineFactor}x or more its usual ${round(s.baselineBounce)}%`);
  }
  if (d >= c.maxDeferPercent) out.push(`deferral rate ${round(d)}% >= ${c.maxDeferPercent}%`);
  else if (s.baselineDefer !== undefined && d >= c.maxDeferPercent / 2 && d >= s.baselineDefer * c.baselineFactor) {
    out.push(`deferral rate ${round(d)}% is ${c.baselineFactor}x or more its usual ${round(s.baselineDefer)}%`);
  }
  return out;
}

/**
 * Counts one delivery outcome for `subject` and returns a breach the first
 * time its window goes over a limit (once per window).
 */
export async function countOutcome(
  store: StateStore,
  scope: 'sender' | 'domain',
  subject: string,
  outcome: 'sent' | 'deferred' | 'bounced',
  now: number,
  c: SenderRateConfig,
): Promise<RateBreach | undefined> {
  const key = `${RATE_STATE_PREFIX}${scope}:${subject}`;
  const s0 = roll(await store.get<RateState>(key, now), now, c);
  const s: RateState = {
    ...s0,
    attempts: s0.attempts + 1,
    bounced: s0.bounced + (outcome === 'bounced' ? 1 : 0),
    deferred: s0.deferred + (outcome === 'deferred' ? 1 : 0),
  };
  const reasons = s.alertedWindow === s.windowStart ? [] : judge(s, c);
  await store.set(key, reasons.length ? { ...s, alertedWindow: s.windowStart } : s, now + KEEP_MS);
  if (!reasons.length) return undefined;
  return {
    subject,
    scope,
    attempts: s.attempts,
    bounced: s.bounced,
    deferred: s.deferred,
    bouncePercent: round(pct(s.bounced, s.attempts)),
    deferPercent: round(pct(s.deferred, s.attempts)),
    ...(s.baselineBounce !== undefined ? { baselineBounce: round(s.baselineBounce) } : {}),
    ...(s.baselineDefer !== undefined ? { baselineDefer: round(s.baselineDefer) } : {}),
    reasons,
  };
}
