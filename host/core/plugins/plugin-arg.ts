import { UsageError } from '../../../shared';
import type { PluginLookupPort } from '../ports';
import { GLOBAL } from '../domains/domain-settings';
import type { LoadedPlugin } from './loaded-plugin';

/** The loaded plugin an argument names, or a usage error that says why it cannot be used. */
export function pluginArg(app: PluginLookupPort, id: string | undefined, command: string): LoadedPlugin {
  if (!id) throw new UsageError(`${command}: plugin ID is required`);
  const p = app.registry.get(id);
  if (p) return p;
  const failed = app.registry.failures.find((f) => f.id === id);
  if (failed) throw new UsageError(`${command}: plugin "${id}" failed to load (${failed.reason})`);
  const known = app.registry.active.map((x) => x.manifest.id).join(', ') || 'none';
  throw new UsageError(`${command}: no plugin "${id}" in ${app.config.pluginDir} (loaded: ${known})`);
}

export function scopeArg(domain: string | undefined): string {
  return domain === undefined || domain === '*' ? GLOBAL : domain;
}

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; items?: Schema; enum?: unknown[]; hostLevel?: boolean };

/**
 * Turns `key=value` into a typed value using the plugin's configSchema, so
 * `maxFailures=5` is the number 5 and `trustedNetworks=127.0.0.0/8,::1/128`
 * a list. Whether the value is acceptable is ajv's call, not ours.
 */
export function parseAssignment(assignment: string, schema: Schema, command: string, pluginId = '<id>'): [string, unknown] {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new UsageError(`${command}: "${assignment}" is not key=value`);
  const key = assignment.slice(0, eq);
  const raw = assignment.slice(eq + 1);
  const prop = schema.properties?.[key];
  if (!prop) {
    const known = Object.keys(schema.properties ?? {}).join(', ');
    throw new UsageError(`${command}: "${key}" is not a setting of this plugin (settings: ${known})`);
  }
  if (prop.hostLevel === true) {
    throw new UsageError(`${command}: "${key}" is a host-level setting: it is read only from the config file ("plugins": {"${pluginId}": {"${key}": …}}), never set per domain`);
  }
  if (raw === 'null' || raw === '') return [key, null];
  const types = Array.isArray(prop.type) ? prop.type : prop.type ? [prop.type] : [];
  if (raw.startsWith('[') || raw.startsWith('{')) {
    try {
      return [key, JSON.parse(raw)];
    } catch {
      throw new UsageError(`${command}: value of ${key} looks like JSON but does not parse`);
    }
  }
  if (types.includes('integer') || types.includes('number')) {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${command}: ${key} must be a number, not "${raw}"`);
    return [key, n];
  }
  if (types.includes('boolean')) {
    if (raw === 'true' || raw === 'yes' || raw === 'on') return [key, true];
    if (raw === 'false' || raw === 'no' || raw === 'off') return [key, false];
    throw new UsageError(`${command}: ${key} must be true or false, not "${raw}"`);
  }
  if (types.includes('array')) {
    const itemTypes = prop.items?.type;
    const numeric = itemTypes === 'integer' || itemTypes === 'number';
    return [key, raw.split(',').map((s) => s.trim()).filter(Boolean).map((s) => (numeric ? Number(s) : s))];
  }
  return [key, raw];
}
