import os from 'node:os';
import type { Clock, Logger, StateStore } from '../../../shared';

/** What an incident looks like over a day: one point per sample. */
export interface SeriesPoint {
  readonly at: number;
  /** Failed logins counted since the previous sample (not a running total). */
  readonly failedLogins: number;
  readonly blocks: number;
  readonly locks: number;
  /** Messages in Postfix's hold queue; null when the queue could not be read. */
  readonly held: number | null;
  /** Messages waiting in the other queues (incoming, active, deferred, maildrop); null when unreadable. */
  readonly queued: number | null;
}

/** Where the values come from; each reads the live state, so a test can hand in plain functions. */
export interface SeriesSources {
  /** The failed-login counter since the process started (a counter: only its growth is charted). */
  failedLoginsTotal(): Promise<number>;
  blocks(): Promise<number>;
  locks(): Promise<number>;
  /** Undefined when the queue cannot be read: the other series are still worth keeping. */
  queue(): Promise<{ held: number; queued: number } | undefined>;
}

export const SERIES_DAY_MS = 24 * 3_600_000;
export const SERIES_KEY_PREFIX = 'h:series:';

/** [at, failedLogins, blocks, locks, held, queued]: a day of samples is a few KB in the store. */
type Row = [number, number, number, number, number | null, number | null];

const toRow = (p: SeriesPoint): Row => [p.at, p.failedLogins, p.blocks, p.locks, p.held, p.queued];
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const fromRow = (r: unknown): SeriesPoint | undefined => {
  // Rows come back from a store another version may have written: anything odd is skipped.
  if (!Array.isArray(r) || r.length !== 6 || !r.slice(0, 4).every(num) || !r.slice(4).every((v) => v === null || num(v))) return undefined;
  const [at, failedLogins, blocks, locks, held, queued] = r as Row;
  return { at, failedLogins, blocks, locks, held, queued };
};

/**
 * The last 24 hours of failed logins, blocks, held mail and queue length,
 * sampled every `intervalMs` into a ring of a day's worth of points. Each
 * sample is also one store record whose key is its slot in the ring (so the
 * store never holds more than a day's records, each expiring after a day):
 * a restart reloads the day instead of starting an empty chart. Records are
 * per node (host name): mail servers sharing a Redis store each have their
 * own queue and their own failed-login counter.
 */
export class SeriesHistory {
  readonly capacity: number;
  private points: SeriesPoint[] = [];
  /** The counter's value at the previous sample; the process starts the counter at 0. */
  private lastFailures = 0;
  private loaded: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly keyPrefix: string;

  constructor(
    private readonly sources: SeriesSources,
    private readonly store: StateStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    readonly intervalMs = 5 * 60_000,
    node = os.hostname(),
  ) {
    if (!Number.isInteger(intervalMs) || intervalMs < 1000 || intervalMs > SERIES_DAY_MS) {
      throw new RangeError(`series interval must be a whole number of ms between 1000 and ${SERIES_DAY_MS}, not ${intervalMs}`);
    }
    this.capacity = Math.ceil(SERIES_DAY_MS / intervalMs);
    // A key part, whatever the host is called.
    this.keyPrefix = `${SERIES_KEY_PREFIX}${node.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64) || 'node'}:`;
  }

  /** Reads the day kept in the store once; later calls share the first read. */
  load(): Promise<void> {
    this.loaded ??= (async () => {
      const now = this.clock.now();
      let rows: Array<{ value: unknown }> = [];
      try {
        rows = await this.store.list(this.keyPrefix, now);
      } catch (e) {
        this.logger.warn({ err: (e as Error).message }, 'cannot read the stored series; the charts start empty');
      }
      const stored = rows.map((r) => fromRow(r.value)).filter((p): p is SeriesPoint => p !== undefined);
      this.points = this.within([...stored, ...this.points], now);
    })();
    return this.loaded;
  }

  /** The point for now, without storing it or moving the failed-login baseline. */
  async current(): Promise<SeriesPoint> {
    return (await this.read()).point;
  }

  private async read(): Promise<{ point: SeriesPoint; failures: number }> {
    const [failures, blocks, locks, queue] = await Promise.all([
      this.sources.failedLoginsTotal(),
      this.sources.blocks(),
      this.sources.locks(),
      this.sources.queue().catch(() => undefined),
    ]);
    // A counter smaller than before was reset: all of it is new.
    const failedLogins = failures >= this.lastFailures ? failures - this.lastFailures : failures;
    return { failures, point: { at: this.clock.now(), failedLogins, blocks, locks, held: queue?.held ?? null, queued: queue?.queued ?? null } };
  }

  /** Takes one sample, keeps it in the ring and writes its record. */
  async sample(): Promise<SeriesPoint> {
    await this.load();
    const { point: p, failures } = await this.read();
    this.lastFailures = failures;
    this.points = this.within([...this.points, p], p.at);
    const slot = Math.floor(p.at / this.intervalMs) % this.capacity;
    try {
      await this.store.set(`${this.keyPrefix}${slot}`, toRow(p), p.at + SERIES_DAY_MS);
    } catch (e) {
      this.logger.warn({ err: (e as Error).message }, 'cannot store a series sample; it is kept in memory only');
    }
    return p;
  }

  /** The samples of the last `hours` hours (1 to 24), oldest first. */
  async recent(hours = 24): Promise<SeriesPoint[]> {
    if (!Number.isInteger(hours) || hours < 1 || hours > 24) throw new RangeError(`hours must be a whole number from 1 to 24, not ${hours}`);
    await this.load();
    const from = this.clock.now() - hours * 3_600_000;
    return this.points.filter((p) => p.at > from);
  }

  /** One point per slot, the newest `capacity` of the last day, oldest first. */
  private within(points: SeriesPoint[], now: number): SeriesPoint[] {
    const bySlot = new Map<number, SeriesPoint>();
    for (const p of points) {
      if (p.at <= now - SERIES_DAY_MS || p.at > now) continue;
      const slot = Math.floor(p.at / this.intervalMs);
      const prev = bySlot.get(slot);
      if (!prev || p.at >= prev.at) bySlot.set(slot, p);
    }
    return [...bySlot.values()].sort((a, b) => a.at - b.at).slice(-this.capacity);
  }

  start(onError: (e: Error) => void): void {
    this.stop();
    this.timer = setInterval(() => void this.sample().catch(onError), this.intervalMs);
    // A chart must not keep the process alive.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
