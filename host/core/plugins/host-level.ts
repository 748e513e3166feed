import type Ajv from 'ajv';
import type { Options, ValidateFunction } from 'ajv';
import { newAjv, type Problem, toProblems } from '../validation/ajv';
import { compiledSchema } from '../validation/precompiled';

/**
 * Host-level settings: a configSchema property annotated `"hostLevel": true`
 * names a program, an argv, a file path or a guard-rail bound. Whoever holds
 * the admin token must not be able to turn that into a shell or a file write,
 * so such a value comes only from the root-owned config file
 * (`plugins.<id>.<key>`), is merged over every domain's config, and is refused
 * on every per-domain path (admin API, `config set`, stored settings).
 */
export const HOST_LEVEL = 'hostLevel';

/** ajv for plugin config schemas: knows the `hostLevel` annotation (it validates nothing itself). */
export function configAjv(options: Options = {}): Ajv {
  const ajv = newAjv(options);
  ajv.addKeyword({ keyword: HOST_LEVEL, schemaType: 'boolean' });
  return ajv;
}

type Schema = Record<string, unknown> & { properties?: Record<string, Record<string, unknown>> };

/** The top-level keys a configSchema marks host-level, sorted. */
export function hostKeysOf(schema: Schema): string[] {
  return Object.entries(schema.properties ?? {})
    .filter(([, p]) => p && typeof p === 'object' && p[HOST_LEVEL] === true)
    .map(([k]) => k)
    .sort();
}

/**
 * `hostLevel` anywhere but on a top-level property: a nested setting cannot be
 * split between the file and the domains, so it is refused rather than ignored.
 */
export function misplacedHostLevel(configSchema: unknown): Problem[] {
  const out: Problem[] = [];
  const walk = (node: unknown, at: string, topProperty: boolean): void => {
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (k === HOST_LEVEL && !topProperty) out.push({ path: `${at}/${k}`, message: 'is only allowed on a top-level property of configSchema', rule: HOST_LEVEL });
      const props = at === '/configSchema' && k === 'properties';
      if (props && v && typeof v === 'object') {
        for (const [name, prop] of Object.entries(v as Record<string, unknown>)) walk(prop, `${at}/properties/${name}`, true);
      } else walk(v, `${at}/${k}`, false);
    }
  };
  walk(configSchema, '/configSchema', false);
  return out;
}

/**
 * The validator of a plugin's configSchema. build.mjs precompiles those of
 * the plugins this project ships (`precompiled/plugin-config-<id>.js`); one is
 * used only for the very schema it was made from (its hash), else it is compiled now.
 */
export function configValidator(id: string, schema: Schema): ValidateFunction {
  return compiledSchema(`plugin-config-${id}`, schema, (s) => configAjv().compile(s));
}

/** The schema of the config file's `plugins.<id>` section: only the host-level properties. */
export function hostSectionSchema(schema: Schema, keys: readonly string[]): Schema {
  const properties = Object.fromEntries(keys.map((k) => [k, schema.properties![k]]));
  return { type: 'object', additionalProperties: false, properties };
}

/** A validator of the config file's `plugins.<id>` section: only the host-level properties, with their defaults (precompiled as configValidator is). */
export function hostConfigValidator(id: string, schema: Schema, keys: readonly string[]): ValidateFunction {
  return compiledSchema(`plugin-host-${id}`, hostSectionSchema(schema, keys), (s) => configAjv().compile(s));
}

/** The configSchema a domain may set: the host-level properties taken out. */
export function domainSchemaOf(schema: Schema, keys: readonly string[]): Schema {
  if (keys.length === 0) return schema;
  const properties = Object.fromEntries(Object.entries(schema.properties ?? {}).filter(([k]) => !keys.includes(k)));
  return { ...schema, properties };
}

/**
 * Checks a plugin's section of the config file and fills in defaults.
 * Problems name the JSON path from the file's root (`/plugins/<id>/<key>`).
 */
export function checkHostSection(
  id: string,
  section: unknown,
  keys: readonly string[],
  validate: ValidateFunction,
  allKeys: readonly string[],
): { values: Record<string, unknown>; problems: Problem[] } {
  const at = `/plugins/${id}`;
  if (section !== undefined && (typeof section !== 'object' || section === null || Array.isArray(section))) {
    return { values: {}, problems: [{ path: at, message: 'must be an object', rule: 'type' }] };
  }
  const values = structuredClone((section ?? {}) as Record<string, unknown>);
  const problems: Problem[] = [];
  for (const k of Object.keys(values)) {
    if (keys.includes(k)) continue;
    problems.push({
      path: `${at}/${k}`,
      message: allKeys.includes(k)
        ? `is not a host-level setting of ${id} (it is set per domain: mailwarden config set ${id} ${k}=…)`
        : `is not a setting of ${id}${keys.length ? ` (host-level settings: ${keys.join(', ')})` : ' (it has no host-level settings)'}`,
      rule: HOST_LEVEL,
    });
    delete values[k];
  }
  if (!validate(values)) problems.push(...toProblems(validate.errors).map((p) => ({ ...p, path: `${at}${p.path === '/' ? '' : p.path}` })));
  return { values, problems };
}

/** The error for a per-domain attempt at host-level keys: one problem per key. */
export function hostLevelProblems(id: string, keys: readonly string[]): Problem[] {
  return keys.map((k) => ({
    path: `/${k}`,
    message: `is a host-level setting of ${id}: it is read only from the config file (plugins."${id}".${k}), never set per domain or through the API`,
    rule: HOST_LEVEL,
  }));
}
