import type { Clock } from './services';

/** A clock that can also wake a caller (the test kit's ManualClock does, when advanced). */
export interface WakingClock extends Clock {
  /** Calls `fn` once `ms` have passed on this clock; returns a cancel function. */
  setTimer(fn: () => void, ms: number): () => void;
}

export interface PeriodicTaskOptions<T> {
  readonly clock: Clock;
  /** One round of the work. */
  readonly run: () => Promise<T>;
  /** The wait before the next round, read after each round (a reload may change it). */
  readonly intervalMs: () => number;
  /** Told of a round that failed; the loop goes on. */
  readonly onError: (e: unknown) => void;
}

/**
 * A plugin service's periodic loop: a round every interval, never two at
 * once, the next one scheduled when the last has finished (a slow round
 * delays, never piles up). It waits on the injected clock when the clock can
 * wake it (tests advance a ManualClock), else on an unref'd real timer, which
 * never holds the process open.
 */
export class PeriodicTask<T> {
  private cancel: (() => void) | undefined;
  private running: Promise<T> | undefined;
  private stopped = true;

  constructor(private readonly o: PeriodicTaskOptions<T>) {}

  /** Schedules the first round one interval from now. */
  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** No more rounds; resolves when the one in progress (if any) has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    this.cancel = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One round now. Overlapping calls share the round in progress. */
  tick(): Promise<T> {
    this.running ??= this.o.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.cancel = wait(this.o.clock, this.o.intervalMs(), () => {
      this.cancel = undefined;
      this.tick()
        .catch((e: unknown) => this.o.onError(e))
        .finally(() => this.schedule());
    });
  }
}

function wait(clock: Clock, ms: number, fn: () => void): () => void {
  const waking = clock as Partial<WakingClock>;
  if (typeof waking.setTimer === 'function') return waking.setTimer.call(clock, fn, ms);
  const t = setTimeout(fn, ms);
  (t as { unref?(): void }).unref?.();
  return () => clearTimeout(t);
}
