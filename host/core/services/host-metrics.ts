import { QUEUE_NAMES, type AccountActions, type Clock, type Logger, type MailQueue, type QueueCount, type QueueName } from '../../../shared';
import type { HostStore } from '../state/host-store';
import { ADMIN_BLOCK_SOURCE } from './block-admin';
import type { PromMetrics } from './metrics';

export interface HostMetricSources {
  readonly queue: MailQueue;
  readonly store: HostStore;
  readonly accounts: AccountActions;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The configured domains, which alone may appear in a `domain` label (domain settings). */
  readonly domains?: {
    listDomains(): Promise<ReadonlyArray<{ readonly name: string }>>;
    onInvalidate(listener: () => void): void;
  };
}

/**
 * mailwarden's own metrics, declared up front so a scrape lists every one
 * from the start, and the gauges read at scrape time (the Postfix queue under
 * the names Telegraf users know, active blocks, locked accounts).
 */
export function registerHostMetrics(m: PromMetrics, s: HostMetricSources): void {
  const domains = s.domains;
  // Settings invalidate on every domain change, here or in another process sharing the store.
  if (domains) void m.useDomains(async () => (await domains.listDomains()).map((d) => d.name), (l) => domains.onInvalidate(l));
  m.declareCounter('auth_decisions', 'Pipeline decisions by hook, verdict and deciding plugin', ['hook', 'verdict', 'plugin']);
  m.declareCounter('plugin_faults', 'Plugin hook calls that threw (kind=error) or timed out (kind=timeout)', ['plugin', 'hook', 'kind']);
  m.declareCounter('mails_held', 'Mails put on hold by a relay verdict, by plugin', ['plugin']);
  m.declareCounter('mails_deferred', 'Mails deferred (tempfail/delay) by a relay verdict, by plugin', ['plugin']);
  m.declareCounter('account_locks', 'Accounts locked, by who locked them (plugin, cli, api)', ['by']);
  m.declareCounter('notifications', 'Notifications raised, by severity', ['severity']);
  m.declareCounter('notification_failures', 'Notification transport failures', ['transport']);
  m.declareCounter('notification_mail_sent', 'Notification mails handed to the MTA', ['source']);
  m.declareCounter('notification_mail_failures', 'Failed attempts to hand a notification mail to the MTA', ['source']);
  m.declareCounter('notification_mail_dropped', 'Notification mails given up after the last attempt', ['source']);
  m.declareCounter('queue_read_errors', 'Scrapes that could not read the Postfix queue', []);
  m.declareHistogram('gateway_request_duration_seconds', 'Time to answer a gateway request (Dovecot policy, Postfix policy, admin API)', ['gateway']);
  // Zero buckets for each gateway, so the histogram is in the first scrape.
  const histogram = m.registry.getSingleMetric('mailwarden_gateway_request_duration_seconds') as { zero?(labels: Record<string, string>): void } | undefined;
  for (const gateway of ['admin', 'dovecot', 'postfix']) histogram?.zero?.({ gateway });

  m.collectGauge('blocks', 'Active blocks by the plugin (or admin) that set them', ['source'], async (g) => {
    g.reset();
    const by = new Map<string, number>();
    // Bans by hand are always a series (0 when none), so the metric is in every scrape.
    by.set(ADMIN_BLOCK_SOURCE, 0);
    for (const b of await s.store.listBlocks({}, s.clock.now())) by.set(b.source, (by.get(b.source) ?? 0) + 1);
    for (const [source, n] of by) g.set({ source }, n);
  });
  m.collectGauge('locked_accounts', 'Accounts locked now', [], async (g) => {
    g.set((await s.accounts.listLocks()).length);
  });

  // One walk of the queue serves the three gauges of a scrape.
  let shared: Promise<Record<QueueName, QueueCount> | undefined> | undefined;
  let failing = false;
  const counts = () => {
    shared ??= s.queue.counts().then(
      (c) => {
        failing = false;
        return c;
      },
      (e) => {
        m.increment('queue_read_errors');
        // Once per streak: Prometheus scrapes every few seconds.
        if (!failing) s.logger.warn({ err: (e as Error).message }, 'cannot read the Postfix queue for /metrics');
        failing = true;
        return undefined;
      },
    );
    // Released once every gauge of this scrape has read it.
    void shared.finally(() => setImmediate(() => (shared = undefined)));
    return shared;
  };
  const queueGauge = (name: string, help: string, pick: (c: QueueCount) => number) =>
    m.collectGauge(name, help, ['queue'], async (g) => {
      g.reset();
      const c = await counts();
      if (c) for (const q of QUEUE_NAMES) g.set({ queue: q }, pick(c[q]));
    });
  m.collectGauge('queue_readable', 'Whether this scrape could read the Postfix queue (1) or not (0)', [], async (g) => {
    g.set((await counts()) ? 1 : 0);
  });
  queueGauge('postfix_queue_length', 'Messages in each Postfix queue', (c) => c.length);
  // Telegraf's postfix input names them postfix_queue_{length,size,age} with a `queue` tag; so do we, for its dashboards.
  queueGauge('postfix_queue_size', 'Bytes of queue files in each Postfix queue', (c) => c.bytes);
  queueGauge('postfix_queue_age', 'Age in seconds of the oldest message in each Postfix queue', (c) => c.oldestAgeSeconds);

  // Counters with labels have no series until counted: seed the ones whose label values are known now.
  for (const severity of ['info', 'warning', 'critical']) m.increment('notifications', { severity }, 0);
  for (const by of ['cli', 'api', 'console']) m.increment('account_locks', { by }, 0);
  for (const hook of ['beforeAuth', 'afterSuccess', 'checkRelay']) m.increment('auth_decisions', { hook, verdict: 'allow', plugin: 'host' }, 0);
  m.increment('notification_failures', { transport: 'mail' }, 0);
  for (const name of ['notification_mail_sent', 'notification_mail_failures', 'notification_mail_dropped']) m.increment(name, { source: 'host' }, 0);
}

/**
 * Node's process metrics under the names every Node exporter uses
 * (process_cpu_user_seconds_total, process_resident_memory_bytes,
 * nodejs_eventloop_lag_seconds, nodejs_heap_size_used_bytes…), so that
 * existing Node dashboards and alerts work as they are. For `serve` only.
 */
export function registerProcessMetrics(m: PromMetrics): void {
  const { collectDefaultMetrics } = require('prom-client') as typeof import('prom-client');
  collectDefaultMetrics({ register: m.registry });
}

/**
 * Zero series for the counters that name a plugin, once the plugins are
 * loaded (and again after a reload), so that each documented counter is in
 * the first scrape rather than after its first event.
 */
export function seedPluginCounters(m: PromMetrics, plugins: ReadonlyArray<{ readonly id: string; readonly hooks: readonly string[] }>): void {
  for (const p of plugins) {
    for (const hook of p.hooks) for (const kind of ['error', 'timeout']) m.increment('plugin_faults', { plugin: p.id, hook, kind }, 0);
    if (p.hooks.includes('checkRelay')) {
      m.increment('mails_held', { plugin: p.id }, 0);
      m.increment('mails_deferred', { plugin: p.id }, 0);
    }
    m.increment('account_locks', { by: p.id }, 0);
    m.increment('notification_mail_sent', { source: p.id }, 0);
  }
}
