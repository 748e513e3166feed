import type { Clock, Logger, Notification, Notifier, Metrics } from '../../shared';
import type { HostStore } from '../state/host-store';

/** Where notifications go besides the log and the alert feed (mail, webhook…). */
export interface NotificationTransport {
  readonly name: string;
  send(n: StoredAlert): Promise<void>;
}

export interface StoredAlert extends Notification {
  readonly id: string;
  readonly at: number;
  /** Same-key notifications suppressed within the dedupe window before this one. */
  readonly suppressed?: number;
}

const FEED_DAYS = 30;

/**
 * Every notification is logged and kept in the alert feed (the console shows
 * it); then each transport gets it. Notifications with a dedupe key are sent
 * once per window and the rest only counted, so an attack cannot turn into a
 * mail storm. A transport's failure is logged and counted, never thrown.
 */
export class HostNotifier implements Notifier {
  private readonly transports: NotificationTransport[] = [];
  private seq = 0;

  constructor(
    private readonly store: HostStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly dedupeMs: number,
  ) {}

  addTransport(t: NotificationTransport): void {
    this.transports.push(t);
  }

  async notify(n: Notification): Promise<void> {
    const now = this.clock.now();
    let suppressed = 0;
    if (n.dedupeKey && this.dedupeMs > 0) {
      const key = `h:notify:${n.dedupeKey}`;
      const prev = await this.store.get<{ at: number; suppressed: number }>(key, now);
      if (prev) {
        await this.store.set(key, { at: prev.at, suppressed: prev.suppressed + 1 }, prev.at + this.dedupeMs);
        this.metrics.increment('notifications_suppressed', { source: n.source ?? 'host' });
        return;
      }
      await this.store.set(key, { at: now, suppressed: 0 }, now + this.dedupeMs);
    }
    const id = `${now.toString().padStart(15, '0')}-${(this.seq++).toString(36)}`;
    const alert: StoredAlert = { ...n, id, at: now, ...(suppressed ? { suppressed } : {}) };
    await this.store.set(`h:alert:${id}`, alert, now + FEED_DAYS * 86_400_000);
    this.logger.warn({ alert: { subject: n.subject, severity: n.severity, source: n.source, domain: n.domain } }, 'notification');
    this.metrics.increment('notifications', { severity: n.severity });
    for (const t of this.transports) {
      try {
        await t.send(alert);
      } catch (e) {
        this.metrics.increment('notification_failures', { transport: t.name });
        this.logger.error({ transport: t.name, err: (e as Error).message }, 'notification transport failed');
      }
    }
  }

  /** The alert feed, newest first. */
  async recent(limit = 50): Promise<StoredAlert[]> {
    const rows = await this.store.list<StoredAlert>('h:alert:', this.clock.now());
    return rows.map((r) => r.value).reverse().slice(0, limit);
  }
}

/** What a plugin's Notifier is: the host's, with the plugin named as the source. */
export class SourcedNotifier implements Notifier {
  constructor(private readonly inner: Notifier, private readonly source: string) {}
  notify(n: Notification): Promise<void> {
    return this.inner.notify({ ...n, source: this.source });
  }
}
