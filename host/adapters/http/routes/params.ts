import { UsageError } from '../../../../shared';
import type { AdminPort } from '../../../core/ports';
import { pluginArg, scopeArg } from '../../../core/plugins/plugin-arg';
import { GLOBAL } from '../../../core/domains/domain-settings';
import { LoginError, normalizeDomain, normalizeLogin } from '../../../../shared/address';
import type { LoadedPlugin } from '../../../core/plugins/loaded-plugin';
import { HttpError } from '../http-error';

/** `{domain}` in a path: `*` for the global settings, else a domain that was added. */
export async function scopeParam(app: AdminPort, raw: string): Promise<string> {
  const scope = scopeArg(raw);
  if (scope === GLOBAL) return GLOBAL;
  let name: string;
  try {
    name = normalizeDomain(scope);
  } catch (e) {
    throw new HttpError(400, (e as Error).message, [{ path: '/domain', message: (e as Error).message, rule: 'domain' }]);
  }
  if (!(await app.settings.isDomain(name))) throw new HttpError(404, `"${name}" is not a known domain`);
  return name;
}

/** `{id}` in a path: a loaded plugin (the CLI's lookup, with its messages), else 404. */
export function pluginParam(app: AdminPort, id: string): LoadedPlugin {
  try {
    return pluginArg(app, id, 'plugin');
  } catch (e) {
    if (e instanceof UsageError) throw new HttpError(404, e.message);
    throw e;
  }
}

/** A login from a request body, normalised the way every plugin keys it; errors name `field`. */
export function loginField(app: AdminPort, raw: string, field = '/login'): string {
  try {
    return normalizeLogin(raw, app.settings.defaultDomain).login;
  } catch (e) {
    if (e instanceof LoginError) throw new HttpError(400, `${field.slice(1)}: ${e.message}`, [{ path: field, message: e.message, rule: 'login' }]);
    throw e;
  }
}

export function domainField(raw: string, field = '/domain'): string {
  try {
    return normalizeDomain(raw);
  } catch (e) {
    if (e instanceof LoginError) throw new HttpError(400, `${field.slice(1)}: ${e.message}`, [{ path: field, message: e.message, rule: 'domain' }]);
    throw e;
  }
}
