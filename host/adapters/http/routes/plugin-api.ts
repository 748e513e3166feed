import type { AdminPort } from '../../../core/ports';
import type { RouteModule, RouteSpec } from '../router';

/** Routes of every loaded plugin, under /api/plugins/<id>; rebuilt whenever the plugin set is swapped (SIGHUP). */
export const pluginApiRoutes: RouteModule = (r, { app }) => {
  const mount = () => {
    const rejected = r.replaceGroup('plugins', pluginSpecs(app));
    for (const x of rejected) app.logger.error({ route: x.route, reason: x.reason }, 'plugin admin route refused');
  };
  mount();
  app.registry.onSwap(mount);
};

function pluginSpecs(app: AdminPort): RouteSpec[] {
  const specs: RouteSpec[] = [];
  for (const p of app.registry.active) {
    const configs = app.serviceContext(p).configs;
    for (const route of p.adminRoutes ?? []) {
      specs.push({
        method: route.method,
        path: `/api/plugins/${p.manifest.id}${route.path}`,
        tag: `plugin:${p.manifest.id}`,
        summary: route.summary,
        ...(route.query ? { query: { ...route.query } } : {}),
        ...(route.body ? { body: { ...route.body } } : {}),
        ...(route.response ? { response: { ...route.response } } : {}),
        handle: (ctx) => route.handle({ params: ctx.params, query: ctx.query, body: ctx.body, actor: ctx.actor, lang: ctx.lang, configs }),
      });
    }
  }
  return specs;
}
