import type { RouteModule } from '../router';

/** One call for the incident screen: what is blocked, who is locked, what was said. */
export const dashboardRoutes: RouteModule = (r) => {
  r.add({
    method: 'GET',
    path: '/api/dashboard',
    tag: 'dashboard',
    summary: 'Active blocks, locked accounts, recent alerts and plugin health in one answer',
    async handle({ app }) {
      const now = app.clock.now();
      const blocks = await app.store.listBlocks({}, now);
      const locks = await app.accounts.listLocks();
      return {
        at: now,
        blocks: { count: blocks.length, latest: blocks.sort((a, b) => b.createdAt - a.createdAt).slice(0, 20) },
        locks: { count: locks.length, latest: locks.sort((a, b) => b.at - a.at).slice(0, 20) },
        alerts: await app.notifier.recent(10),
        plugins: { active: app.registry.active.map((p) => p.manifest.id), failed: app.registry.failures.map((f) => ({ id: f.id, reason: f.reason })) },
        domains: (await app.settings.listDomains()).length,
      };
    },
  });
};
