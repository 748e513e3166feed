import os from 'node:os';
import { inject, injectable } from 'inversify';
import {
  Clock,
  Logger,
  MailQueue,
  Metrics,
  Notifier,
  PeriodicTask,
  StateStore,
  type ServiceContext,
  type ServiceContribution,
} from '../../shared';
import { alertMail, recoveryMail } from './alert-text';
import { rankQueue } from './breakdown';
import { resolveSettings, type MonitorSettings } from './config';
import { breaches, growthOf, recovered, total, type AlertHistory, type Counts, type Incident, type Sample } from './incident';

export type TickResult = 'idle' | 'ok' | 'unreadable' | 'opened' | 'cooldown' | 'alerted' | 'send-failed' | 'open' | 'recovered';

const INCIDENT = 'incident';
const HISTORY = 'history';
const SAMPLES = 'samples';
/** Samples kept for the growth window (one per tick); enough for a 1-second interval over 80 minutes. */
const MAX_SAMPLES = 5000;

/**
 * Counts the Postfix queue every intervalSeconds and raises one alert per
 * incident, then one recovery notice. Every decision reads time from the
 * injected Clock and keeps its state in the store, so tests drive tick() on a
 * ManualClock and a restart or reload never repeats an alert. The real timer
 * only calls tick().
 */
@injectable()
export class QueueMonitor implements ServiceContribution {
  private ctx: ServiceContext | undefined;
  private intervalMs = 60_000;
  private readonly loop: PeriodicTask<TickResult>;
  private unreadable = false;

  constructor(
    @inject(Clock) private readonly clock: Clock,
    @inject(StateStore) private readonly store: StateStore,
    @inject(Notifier) private readonly notifier: Notifier,
    @inject(Logger) private readonly logger: Logger,
    @inject(Metrics) private readonly metrics: Metrics,
    @inject(MailQueue) private readonly queue: MailQueue,
  ) {
    this.loop = new PeriodicTask({ clock, run: () => this.check(), intervalMs: () => this.intervalMs, onError: (e) => this.logger.error({ err: (e as Error).message }, 'queue check failed') });
    // In the first scrape at 0, not only after the first incident: dashboards and alert rules see them from the start.
    for (const kind of ['alert', 'recovery']) {
      metrics.increment('queue_monitor_notices', { kind }, 0);
      metrics.increment('queue_monitor_send_failures', { kind }, 0);
    }
    metrics.increment('queue_monitor_read_errors', {}, 0);
    metrics.setGauge('queue_monitor_incident_open', 0);
  }

  async start(ctx: ServiceContext): Promise<void> {
    this.ctx = ctx;
    const s = resolveSettings(await ctx.configs());
    if (s) this.intervalMs = s.config.intervalSeconds * 1000;
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** One check of the queue. Overlapping calls share the check in progress. */
  tick(): Promise<TickResult> {
    return this.loop.tick();
  }

  private async check(): Promise<TickResult> {
    if (!this.ctx) throw new Error('queue-monitor: tick() before start()');
    const settings = resolveSettings(await this.ctx.configs());
    if (!settings) return 'idle';
    this.intervalMs = settings.config.intervalSeconds * 1000;
    let counts: Counts;
    try {
      counts = await this.queue.counts();
    } catch (e) {
      this.metrics.increment('queue_monitor_read_errors');
      // Once per streak: a misconfigured queue path must not flood the log every minute.
      if (!this.unreadable) this.logger.error({ err: (e as Error).message }, 'cannot read the Postfix queue');
      this.unreadable = true;
      return 'unreadable';
    }
    this.unreadable = false;
    const now = this.clock.now();
    const t = total(counts);
    const growth = await this.recordSample(now, t, settings.config.growth.minutes * 60_000);
    const cfg = settings.config;
    const reasons = breaches(counts, growth, cfg);
    let incident = await this.store.get<Incident>(INCIDENT, now);
    let result: TickResult = 'open';
    if (!incident) {
      if (reasons.length === 0) return this.open(false, 'ok');
      incident = { openedAt: now, reasons, peak: t };
      this.logger.warn({ total: t, reasons }, 'queue incident opened');
      result = 'opened';
    } else if (recovered(counts, growth, cfg)) {
      return this.recover(incident, counts, settings, now);
    } else {
      incident = { ...incident, peak: Math.max(incident.peak, t), ...(incident.alertedAt === undefined && reasons.length ? { reasons } : {}) };
    }
    if (incident.alertedAt === undefined && reasons.length > 0) result = await this.alert(incident, counts, settings, now);
    else await this.store.set(INCIDENT, incident);
    return this.open(true, result);
  }

  private open(isOpen: boolean, r: TickResult): TickResult {
    this.metrics.setGauge('queue_monitor_incident_open', isOpen ? 1 : 0);
    return r;
  }

  /** Keeps the totals of the growth window and returns the growth over it. */
  private async recordSample(now: number, t: number, windowMs: number): Promise<number> {
    const kept = ((await this.store.get<Sample[]>(SAMPLES, now)) ?? []).filter((s) => s.at > now - windowMs && s.at <= now);
    const growth = growthOf(kept, now, t, windowMs);
    kept.push({ at: now, total: t });
    await this.store.set(SAMPLES, kept.slice(-MAX_SAMPLES), now + windowMs);
    return growth;
  }

  private async alert(incident: Incident, counts: Counts, s: MonitorSettings, now: number): Promise<TickResult> {
    const history = (await this.store.get<AlertHistory>(HISTORY, now)) ?? {};
    const cooldownMs = s.config.cooldownMinutes * 60_000;
    if (history.lastAlertAt !== undefined && now - history.lastAlertAt < cooldownMs) {
      await this.store.set(INCIDENT, incident);
      this.logger.info({ reasons: incident.reasons, cooldownEndsAt: new Date(history.lastAlertAt + cooldownMs).toISOString() }, 'queue alert held back by the cooldown');
      return 'cooldown';
    }
    const breakdown = await rankQueue(this.queue, s.config.top);
    const mail = alertMail({ host: os.hostname(), counts, incident, threshold: s.config.threshold, breakdown });
    try {
      await this.notifier.notify({
        ...mail,
        severity: 'critical',
        kind: 'queue-growth',
        ...this.recipients(s),
        data: { counts, reasons: incident.reasons, senders: breakdown.senders, saslUsernames: breakdown.saslUsernames },
      });
    } catch (e) {
      // Kept unalerted: the next tick tries again.
      await this.store.set(INCIDENT, incident);
      this.metrics.increment('queue_monitor_send_failures', { kind: 'alert' });
      this.logger.error({ err: (e as Error).message }, 'queue alert could not be sent; retrying at the next check');
      return 'send-failed';
    }
    await this.store.set(INCIDENT, { ...incident, alertedAt: now });
    await this.store.set(HISTORY, { lastAlertAt: now } satisfies AlertHistory);
    this.metrics.increment('queue_monitor_notices', { kind: 'alert' });
    return 'alerted';
  }

  private async recover(incident: Incident, counts: Counts, s: MonitorSettings, now: number): Promise<TickResult> {
    if (incident.alertedAt !== undefined) {
      try {
        await this.notifier.notify({ ...recoveryMail(os.hostname(), counts, incident, now), severity: 'info', kind: 'recovery', ...this.recipients(s), data: { counts, peak: incident.peak } });
      } catch (e) {
        this.metrics.increment('queue_monitor_send_failures', { kind: 'recovery' });
        this.logger.error({ err: (e as Error).message }, 'queue recovery notice could not be sent; retrying at the next check');
        return this.open(true, 'send-failed');
      }
      this.metrics.increment('queue_monitor_notices', { kind: 'recovery' });
    }
    await this.store.delete(INCIDENT);
    this.logger.info({ total: total(counts), peak: incident.peak, alerted: incident.alertedAt !== undefined }, 'queue incident closed');
    return this.open(false, 'recovered');
  }

  private recipients(s: MonitorSettings): { recipients?: string[]; copyAdmin?: boolean } {
    return s.recipients.length ? { recipients: [...s.recipients], copyAdmin: s.copyAdmin } : {};
  }
}
