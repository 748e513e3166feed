import type { StoredAlert } from '../../../core/services/notifier';
import { SeriesHistory } from '../../../core/services/series-history';
import { hostSeriesSources } from '../../../core/services/series-sources';
import type { RouteModule } from '../router';

/** One point every 5 minutes: 288 a day, a few KB in the store. */
const SERIES_EVERY_MS = 5 * 60_000;

const SUSPECT_WINDOW_MS = 24 * 3_600_000;

export interface Suspect {
  readonly kind: 'account' | 'network';
  /** The login, or the client network/address. */
  readonly who: string;
  readonly source: string;
  readonly subject: string;
  readonly severity: StoredAlert['severity'];
  readonly at: number;
}

/**
 * Accounts and trusted clients that went over a limit recently, read from the
 * alerts plugins raised (their `data` names the login or the network): the
 * dashboard needs no knowledge of any plugin's counters. Latest alert per subject.
 */
export function suspectsFrom(alerts: readonly StoredAlert[], now: number): Suspect[] {
  const out = new Map<string, Suspect>();
  for (const a of alerts) {
    if (a.severity === 'info' || now - a.at > SUSPECT_WINDOW_MS) continue;
    const d = (a.data ?? {}) as Record<string, unknown>;
    const login = typeof d.login === 'string' ? d.login : undefined;
    const network = typeof d.network === 'string' ? d.network : typeof d.client === 'string' ? d.client : undefined;
    const kind = login ? 'account' : network ? 'network' : undefined;
    if (!kind) continue;
    const who = (login ?? network)!;
    const key = `${kind}|${who}`;
    if (!out.has(key)) out.set(key, { kind, who, source: a.source ?? 'host', subject: a.subject, severity: a.severity, at: a.at });
  }
  return [...out.values()];
}

/** One call for the incident screen: what is blocked, who is locked, what was said. */
export const dashboardRoutes: RouteModule = (r, { app, onStop }) => {
  const history = new SeriesHistory(hostSeriesSources(app), app.store, app.clock, app.logger, SERIES_EVERY_MS);
  history.start((e) => app.logger.warn({ err: e.message }, 'series sample failed'));
  onStop(() => history.stop());

  r.add({
    method: 'GET',
    path: '/api/dashboard',
    tag: 'dashboard',
    summary: 'Active blocks, locked accounts, recent alerts, suspects (accounts and clients that plugins reported over a limit in the last 24 h) and plugin health in one answer',
    async handle({ app }) {
      const now = app.clock.now();
      const blocks = await app.store.listBlocks({}, now);
      const locks = await app.accounts.listLocks();
      const recent = await app.notifier.recent(200);
      return {
        at: now,
        blocks: { count: blocks.length, latest: blocks.sort((a, b) => b.createdAt - a.createdAt).slice(0, 20) },
        locks: { count: locks.length, latest: locks.sort((a, b) => b.at - a.at).slice(0, 20) },
        alerts: recent.slice(0, 10),
        suspects: suspectsFrom(recent, now),
        plugins: { active: app.registry.active.map((p) => p.manifest.id), failed: app.registry.failures.map((f) => ({ id: f.id, reason: f.reason })) },
        domains: (await app.settings.listDomains()).length,
      };
    },
  });

  r.add<never, { hours: number }>({
    method: 'GET',
    path: '/api/dashboard/series',
    tag: 'dashboard',
    summary: 'Failed logins (per sample), active blocks, locked accounts, held mail and queued mail, one sample every 5 minutes over the last `hours` hours (kept for 24 h, across restarts); `now` is the live point, counted since the last sample',
    query: { properties: { hours: { type: 'integer', minimum: 1, maximum: 24, default: 24, description: 'How many hours back, 1 to 24.' } } },
    async handle({ query }) {
      return { intervalMs: history.intervalMs, hours: query.hours, points: await history.recent(query.hours), now: await history.current() };
    },
  });
};
