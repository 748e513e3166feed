import type { AdminPort } from '../../../core/ports';
import { GLOBAL } from '../../../core/domains/domain-settings';
import { HttpError } from '../http-error';
import { domainSchemaOf } from '../../../core/plugins/host-level';
import type { LoadedPlugin } from '../../../core/plugins/loaded-plugin';
import type { RouteModule } from '../router';
import { pluginParam, scopeParam } from './params';

/** One plugin as a domain sees it: what the console needs to draw its switch and its form. */
export async function pluginView(app: AdminPort, scope: string, p: LoadedPlugin) {
  const eff = await app.settings.effective(scope, p);
  const own = await app.settings.getSetting(scope, p.manifest.id);
  const m = p.manifest;
  return {
    id: m.id,
    name: m.name,
    version: m.version,
    description: m.description,
    priority: m.priority,
    hooks: m.hooks,
    enabled: eff.enabled,
    enabledFrom: eff.enabledFrom,
    /** The domain's own choice: true/false, or null when it follows the global one. */
    ownEnabled: own.enabled ?? null,
    /** What a domain may set: host-level settings are not in it (the console draws no field for them). */
    configSchema: domainSchemaOf(m.configSchema, p.hostKeys),
    config: eff.config,
    overrides: own.config ?? {},
    /** Host-level values, from the config file only (read-only here). */
    hostSettings: p.hostConfig,
    ...(eff.problem ? { problem: eff.problem } : {}),
    /** Stored per-domain values of host-level settings: ignored. */
    ...(eff.ignored ? { ignored: eff.ignored } : {}),
  };
}

/** Plugins per domain: list and enablement (CLI: `mailwarden plugins`). */
export const pluginRoutes: RouteModule = (r) => {
  r.add({
    method: 'GET',
    path: '/api/domains/{domain}/plugins',
    tag: 'plugins',
    summary: 'Every loaded plugin with its enablement and effective config for a domain (`*`: the global defaults), plus plugins that failed to load',
    params: { domain: 'Domain name, or * for the global defaults' },
    async handle({ app, params }) {
      const scope = await scopeParam(app, params.domain);
      const plugins = [];
      for (const p of app.registry.active) plugins.push(await pluginView(app, scope, p));
      return { domain: scope, plugins, failed: app.registry.failures.map((f) => ({ id: f.id, stage: f.stage, reason: f.reason })) };
    },
  });
  r.add<{ enabled: boolean | null }>({
    method: 'PUT',
    path: '/api/domains/{domain}/plugins/{id}/enabled',
    tag: 'plugins',
    summary: 'Enable or disable a plugin for a domain; null makes the domain follow the global choice',
    params: { domain: 'Domain name, or * for the global default', id: 'Plugin id' },
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['enabled'],
      properties: { enabled: { type: ['boolean', 'null'] } },
    },
    async handle({ app, params, body, actor }) {
      const scope = await scopeParam(app, params.domain);
      const p = pluginParam(app, params.id);
      if (body.enabled === null && scope === GLOBAL) throw new HttpError(400, 'the global setting cannot inherit: send true or false', [{ path: '/enabled', message: 'must be true or false for the global scope', rule: 'type' }]);
      await app.settings.setEnabled(scope, p, body.enabled ?? undefined, actor);
      return pluginView(app, scope, p);
    },
  });
};
