import type { LoadedPlugin } from './loaded-plugin';
import { type Problem, toProblems } from '../validation/ajv';

/**
 * Every problem of a candidate config for one plugin: first its configSchema
 * (ajv fills defaults into `config` in place), then, only if that passed, the
 * plugin's own cross-field checks (`PluginHooks.validateConfig`). A check that
 * throws is a problem too, never an accepted config.
 */
export function configProblems(plugin: Pick<LoadedPlugin, 'manifest' | 'validateConfig' | 'hooks'>, config: Record<string, unknown>): Problem[] {
  if (!plugin.validateConfig(config)) return toProblems(plugin.validateConfig.errors);
  const check = plugin.hooks?.validateConfig;
  if (typeof check !== 'function') return [];
  let found: unknown;
  try {
    found = check.call(plugin.hooks, config);
  } catch (e) {
    return [{ path: '/', message: `${plugin.manifest.id} could not check this config: ${(e as Error)?.message ?? String(e)}`, rule: 'plugin' }];
  }
  if (!Array.isArray(found)) {
    return [{ path: '/', message: `${plugin.manifest.id} validateConfig returned ${found === null ? 'null' : typeof found}, not a list of problems`, rule: 'plugin' }];
  }
  return found.map((p) => ({
    path: typeof p?.path === 'string' && p.path ? p.path : '/',
    message: typeof p?.message === 'string' && p.message ? p.message : 'is refused by the plugin',
    rule: typeof p?.rule === 'string' && p.rule ? p.rule : 'plugin',
  }));
}
