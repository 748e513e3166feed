import type { Clock } from '../../../shared';

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
}

/** A clock tests move by hand: no sleeps, exact boundaries. */
export class ManualClock implements Clock {
  constructor(private t = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(t: number): void {
    this.t = t;
  }
}
