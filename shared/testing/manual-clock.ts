import type { Clock } from '../services';

/** A clock a test moves by hand: no sleeps, exact window boundaries. Starts at 2026-01-01T00:00:00Z unless told. */
export class ManualClock implements Clock {
  constructor(private t = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.t;
  }
  /** Moves time forward by `ms`; timers that fall due run in time order (see setTimer). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.advance: ${ms} is not a duration (ms >= 0)`);
    this.set(this.t + ms);
  }
  set(t: number): void {
    this.t = t;
    for (;;) {
      let next: Timer | undefined;
      for (const w of this.timers) if (w.at <= t && (!next || w.at < next.at)) next = w;
      if (!next) return;
      this.timers.delete(next);
      next.fn();
    }
  }
  /**
   * Calls `fn` once the clock has been moved `ms` past now; returns a cancel
   * function. What shared/schedule.ts uses when the injected clock has it, so a
   * test drives a plugin's periodic loop by advancing the clock.
   */
  setTimer(fn: () => void, ms: number): () => void {
    const timer: Timer = { at: this.t + Math.max(0, ms), fn };
    this.timers.add(timer);
    return () => void this.timers.delete(timer);
  }
  /** Timers not yet due: how a test sees that a loop is waiting. */
  get pending(): number {
    return this.timers.size;
  }
  private readonly timers = new Set<Timer>();
}

interface Timer {
  readonly at: number;
  readonly fn: () => void;
}
