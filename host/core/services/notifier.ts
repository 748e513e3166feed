import type { Clock, Logger, Notification, Notifier, Metrics } from '../../../shared';
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
 * Notifications with a dedupe key one source may raise per dedupe window.
 * Keys are per subject (a login, a network), and an attacker makes as many
 * subjects as they like (a botnet blocking 10 000 logins): past this, one
 * notice says so and the rest are only counted, so neither the admins'
 * mailbox nor the alert feed grows with the attack. Other sources, and
 * notifications without a key, are not affected.
 */
export const MAX_KEYED_NOTIFICATIONS_PER_WINDOW = 100;

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
    private dedupeMs: number,
  ) {}

  addTransport(t: NotificationTransport): void {
    this.transports.push(t);
  }

  /** A reload's transport in place of the old one (same position: the order transports are tried stays). */
  replaceTransport(old: NotificationTransport | undefined, next: NotificationTransport | undefined): void {
    const i = old ? this.transports.indexOf(old) : -1;
    if (i >= 0 && next) this.transports[i] = next;
    else if (i >= 0) this.transports.splice(i, 1);
    else if (next) this.transports.push(next);
  }

  /** A reload's dedupe window; windows already open keep the expiry they were stored with. */
  setDedupeMs(ms: number): void {
    this.dedupeMs = ms;
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
      const source = n.source ?? 'host';
      const raised = await this.store.hit(`h:notify-count:${source}`, this.dedupeMs, now);
      if (raised > MAX_KEYED_NOTIFICATIONS_PER_WINDOW) {
        this.metrics.increment('notifications_suppressed', { source });
        if (raised > MAX_KEYED_NOTIFICATIONS_PER_WINDOW + 1) return;
        const minutes = Math.round(this.dedupeMs / 60_000);
        n = {
          subject: `Too many notifications from ${source}: the rest of this ${minutes}-minute window is only counted`,
          text: `${source} raised more than ${MAX_KEYED_NOTIFICATIONS_PER_WINDOW} notifications for different subjects within ${minutes} minutes (an attack on many logins or networks looks like this). Further ones are counted in mailwarden_notifications_suppressed_total{source="${source}"}, not sent; see the log and \`mailwarden blocks list\`.`,
          severity: 'warning',
          source,
        };
      }
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

/**
 * What a plugin's Notifier is: the host's, with the plugin named as the
 * source. A kind the manifest does not declare (`contributes.notificationKinds`)
 * is logged once per kind and the notice still goes out: an admin must not
 * miss an alert over a plugin's bookkeeping.
 */
export class SourcedNotifier implements Notifier {
  private readonly warned = new Set<string>();
  constructor(
    private readonly inner: Notifier,
    private readonly source: string,
    private readonly kinds?: { readonly declared: readonly string[]; readonly logger: Logger; readonly manifestFile: string },
  ) {}

  notify(n: Notification): Promise<void> {
    const k = this.kinds;
    if (k && !(n.kind !== undefined && k.declared.includes(n.kind))) {
      const key = n.kind ?? '';
      if (!this.warned.has(key)) {
        this.warned.add(key);
        k.logger.warn(
          { plugin: this.source, kind: n.kind ?? null, declared: k.declared, manifest: k.manifestFile },
          n.kind === undefined
            ? `plugin ${this.source} sent a notification without a kind; declare its kinds in contributes.notificationKinds of ${k.manifestFile} and set kind on each (sent anyway)`
            : `plugin ${this.source} sent a notification of kind "${n.kind}" that ${k.manifestFile} does not declare in contributes.notificationKinds (sent anyway)`,
        );
      }
    }
    return this.inner.notify({ ...n, source: this.source });
  }
}
