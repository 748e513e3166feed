import { QUEUE_NAMES, type QueueCount, type QueueName } from '../../shared';
import type { QueueMonitorConfig } from './config';

export type Counts = Readonly<Record<QueueName, QueueCount>>;

/** A queue total seen at a time, kept to measure growth. */
export interface Sample {
  readonly at: number;
  readonly total: number;
}

/** The incident as kept in the state store: survives a restart or a reload. */
export interface Incident {
  readonly openedAt: number;
  /** When its alert was sent; absent while it waits (cooldown, failed send). */
  readonly alertedAt?: number;
  readonly reasons: readonly string[];
  readonly peak: number;
}

/** Alert history that outlives incidents: the cooldown counts from the last alert. */
export interface AlertHistory {
  readonly lastAlertAt?: number;
}

export const total = (c: Counts) => QUEUE_NAMES.reduce((n, q) => n + c[q].length, 0);

/** Growth of the total over the window: now minus the lowest total seen within it. */
export function growthOf(samples: readonly Sample[], now: number, current: number, windowMs: number): number {
  let low = current;
  for (const s of samples) if (s.at > now - windowMs && s.total < low) low = s.total;
  return current - low;
}

/**
 * Why the queue is in alert, one line per measure over its threshold (the
 * total, each queue with its own threshold, the growth); empty when none is.
 */
export function breaches(c: Counts, growth: number, cfg: QueueMonitorConfig): string[] {
  const out: string[] = [];
  const t = total(c);
  if (t >= cfg.threshold) out.push(`total ${t} >= ${cfg.threshold}`);
  for (const q of QUEUE_NAMES) {
    const limit = cfg.queueThresholds[q];
    if (limit !== undefined && c[q].length >= limit) out.push(`${q} ${c[q].length} >= ${limit}`);
  }
  if (cfg.growth.messages > 0 && growth >= cfg.growth.messages) out.push(`grew by ${growth} within ${cfg.growth.minutes} min (>= ${cfg.growth.messages})`);
  return out;
}

/**
 * Recovered when every measure is below recoveryPercent of its threshold:
 * the gap between alert and recovery keeps a queue hovering at the
 * threshold from alerting and recovering over and over.
 */
export function recovered(c: Counts, growth: number, cfg: QueueMonitorConfig): boolean {
  const below = (value: number, limit: number) => value * 100 < limit * cfg.recoveryPercent;
  if (!below(total(c), cfg.threshold)) return false;
  for (const q of QUEUE_NAMES) {
    const limit = cfg.queueThresholds[q];
    if (limit !== undefined && !below(c[q].length, limit)) return false;
  }
  return cfg.growth.messages === 0 || below(growth, cfg.growth.messages);
}
