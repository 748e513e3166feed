import type { RouteModule } from '../router';
import { pluginView } from './plugins';
import { pluginParam, scopeParam } from './params';

const CONFIG_BODY = {
  type: 'object',
  description: "Settings of the plugin, checked against its manifest's configSchema (GET …/plugins returns it). null removes a setting.",
};

/** A plugin's config for a domain (CLI: `mailwarden config`). */
export const configRoutes: RouteModule = (r) => {
  r.add({
    method: 'GET',
    path: '/api/domains/{domain}/plugins/{id}/config',
    tag: 'plugins',
    summary: "A plugin's effective config for a domain, its own overrides and the schema",
    params: { domain: 'Domain name, or * for the global settings', id: 'Plugin id' },
    async handle({ app, params }) {
      const scope = await scopeParam(app, params.domain);
      return pluginView(app, scope, pluginParam(app, params.id));
    },
  });
  for (const [method, mode] of [['PATCH', 'merge'], ['PUT', 'replace']] as const) {
    r.add<Record<string, unknown>>({
      method,
      path: '/api/domains/{domain}/plugins/{id}/config',
      tag: 'plugins',
      summary: mode === 'merge'
        ? "Change some of a plugin's settings for a domain (null removes one). Nothing is saved if any value is invalid; problems name each field"
        : "Replace all of a domain's own settings of a plugin (the rest come from the global ones). Nothing is saved if any value is invalid",
      params: { domain: 'Domain name, or * for the global settings', id: 'Plugin id' },
      body: CONFIG_BODY,
      async handle({ app, params, body, actor }) {
        const scope = await scopeParam(app, params.domain);
        const p = pluginParam(app, params.id);
        await app.settings.setConfig(scope, p, body, actor, mode);
        return pluginView(app, scope, p);
      },
    });
  }
};
