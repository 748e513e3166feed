import type { AccountActions, Clock, MailQueue, StateStore } from '../../../shared';
import type { PromMetrics } from './metrics';
import type { SeriesSources } from './series-history';

/**
 * The counter the Grafana dashboard's "Failed logins" panel reads: failures
 * the brute-force protection counted (not our own refusals, not trusted
 * clients), so that the console and Grafana show the same numbers.
 */
export const FAILED_LOGINS_METRIC = 'mailwarden_bruteforce_failures_total';

/** Sum of a counter's series; 0 while it does not exist (its plugin not loaded yet). */
async function counterTotal(m: PromMetrics, name: string): Promise<number> {
  const metric = m.registry.getSingleMetric(name);
  if (!metric) return 0;
  // get() runs the counter's collect hook, which adds the increments not yet handed to prom-client.
  const { values } = await metric.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

/** The host's live values for the console's charts: the same sources as /metrics. */
export function hostSeriesSources(s: { metrics: PromMetrics; store: StateStore; accounts: AccountActions; queue: MailQueue; clock: Clock }): SeriesSources {
  return {
    failedLoginsTotal: () => counterTotal(s.metrics, FAILED_LOGINS_METRIC),
    blocks: async () => (await s.store.listBlocks({}, s.clock.now())).length,
    locks: async () => (await s.accounts.listLocks()).length,
    async queue() {
      const c = await s.queue.counts();
      return { held: c.hold.length, queued: c.incoming.length + c.active.length + c.deferred.length + c.maildrop.length };
    },
  };
}
