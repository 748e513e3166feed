import fs from 'node:fs';
import { parseApiHeader } from './api-header';
import { parseListen } from '../../tools/listen-address';
import { checkAddress } from '../services/mail-message';
import { parseJsonText, type Problem, ValidationError } from '../validation/ajv';
import { type ConfigSources, type HostConfig, loadHostConfig, systemConfigFile } from './host-config';
import { stripJsonComments } from './jsonc';
import { listenerLimits } from './listener-limits';

/**
 * The checks `serve` makes before it starts, beyond the schema: the
 * listeners' caps together, each listen address, the Dovecot header's form
 * and the alert mail addresses. `config test` and a reload refuse a file that
 * fails them, as a start would.
 */
export function checkConfigSemantics(config: HostConfig): void {
  const where = config.source ?? 'configuration';
  const problems: Problem[] = [];
  try {
    listenerLimits(config);
  } catch (e) {
    if (e instanceof ValidationError) problems.push(...e.problems);
    else throw e;
  }
  for (const l of ['admin', 'dovecot', 'postfix'] as const) {
    try {
      parseListen(config.listen[l], `listen.${l}`);
    } catch (e) {
      problems.push({ path: `/listen/${l}`, message: (e as Error).message.replace(/^listen\.\w+: /, ''), rule: 'address' });
    }
  }
  const check = (fn: () => unknown, at: string, rule: string) => {
    try {
      fn();
    } catch (e) {
      // The messages name the setting and the offending form, never the header's value.
      problems.push({ path: at, message: (e as Error).message.replace(/^[\w.[\]]+: /, ''), rule });
    }
  };
  check(() => parseApiHeader(config.dovecot.apiHeader), '/dovecot/apiHeader', 'header');
  const mail = config.notify.mail;
  (mail?.to ?? []).forEach((a, i) => check(() => checkAddress(a, 'to'), `/notify/mail/to/${i}`, 'address'));
  if (mail?.from !== undefined) check(() => checkAddress(mail.from!, 'from'), '/notify/mail/from', 'address');
  if (problems.length) throw new ValidationError(where, problems);
}

/**
 * Reads the config file again with the sources the running config was
 * loaded from (configOrigin: same file; flags and MAILWARDEN_* variables
 * still win), fully checked. Throws ValidationError (file, JSON path, rule)
 * when it is not valid.
 */
export function rereadConfig(origin: ConfigSources): HostConfig {
  const next = loadHostConfig(origin);
  checkConfigSemantics(next);
  return next;
}

/**
 * Top-level sections the App takes over on reload. The others need a
 * restart unless a part of `serve` takes them (App.applyOnReload): sockets
 * are bound (listen, limits), the store is open (dataDir, state), the
 * gateways read theirs at start (admin, dovecot), and the privileged helper's
 * allow-list, read at its own start, names the kick and password commands
 * (accounts, passwords, privileged).
 */
export const LIVE_SECTIONS: ReadonlySet<string> = new Set(['log', 'hookTimeoutMs', 'startTimeoutMs', 'notify', 'postfix', 'plugins']);

/** Bookkeeping fields of HostConfig, not settings. */
const NOT_SETTINGS = new Set(['source', 'dataDirOrigin']);

/** Dotted paths of the leaves that differ between two configs (arrays compared whole). */
export function changedSettings(a: unknown, b: unknown, prefix = ''): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => prefix || !NOT_SETTINGS.has(k)).sort();
    return keys.flatMap((k) => changedSettings(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
}

/** Where a setting's value came from. */
export type SettingSource =
  | { kind: 'default' }
  | { kind: 'file'; file: string }
  | { kind: 'env'; variable: string }
  | { kind: 'flag'; flag: string };

export interface EffectiveSetting {
  readonly path: string;
  /** The value, or "[redacted]" for a secret. */
  readonly value: unknown;
  readonly source: SettingSource;
}

export interface EffectiveConfig {
  /** The file read, and how it was found. */
  readonly file: string | undefined;
  readonly fileSource: SettingSource | undefined;
  readonly settings: readonly EffectiveSetting[];
}

export const REDACTED = '[redacted]';

/** Settings that hold a secret by definition. */
const SECRET_PATHS = new Set(['admin.token', 'dovecot.apiHeader']);
/** Keys of plugin sections (their schema is the plugin's) that look like secrets. */
const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|credential|auth/i;

/** A URL with its user-info and query (where credentials travel) hidden; anything not a URL is shown as is. */
function redactUrl(text: string): string {
  try {
    const u = new URL(text);
    if (!u.username && !u.password && !u.search) return text;
    if (u.username || u.password) {
      u.username = REDACTED;
      u.password = '';
    }
    if (u.search) u.search = `?${REDACTED}`;
    return u.toString().replace(encodeURIComponent(REDACTED), REDACTED).replace(encodeURIComponent(REDACTED), REDACTED);
  } catch {
    return text;
  }
}

/** The value `config show` may print for a setting: never a secret. */
export function printableValue(settingPath: string, value: unknown): unknown {
  if (value === undefined) return value;
  if (SECRET_PATHS.has(settingPath)) return REDACTED;
  if (settingPath.startsWith('plugins.') && SECRET_KEY.test(settingPath.split('.').slice(2).join('.'))) return REDACTED;
  if (typeof value === 'string' && (settingPath === 'state.url' || settingPath === 'notify.webhookUrl')) return redactUrl(value);
  return value;
}

function leaves(v: unknown, prefix: string, out: Array<[string, unknown]>): void {
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length > 0) {
    for (const [k, x] of Object.entries(v)) leaves(x, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) out.push([prefix, v]);
}

function has(doc: unknown, dotted: string): boolean {
  let cur = doc;
  for (const k of dotted.split('.')) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur) || !(k in cur)) return false;
    cur = (cur as Record<string, unknown>)[k];
  }
  return true;
}

/**
 * The effective settings (as the service would run with these sources), each
 * with where it came from: a flag, a MAILWARDEN_* variable, the file, or the
 * built-in default. Secrets come out redacted. Throws ValidationError for a
 * file that is not valid, like every command.
 */
export function effectiveConfig(sources: ConfigSources): EffectiveConfig {
  const config = loadHostConfig(sources);
  const env = sources.env ?? process.env;
  const file = config.source;
  let doc: unknown = {};
  if (file) doc = parseJsonText(stripJsonComments(fs.readFileSync(file, 'utf8')), file);
  const fileSource: SettingSource | undefined = !file
    ? undefined
    : sources.configFile
      ? { kind: 'flag', flag: '--config' }
      : env.MAILWARDEN_CONFIG
        ? { kind: 'env', variable: 'MAILWARDEN_CONFIG' }
        : { kind: 'default' };
  const fromFile: SettingSource = file ? { kind: 'file', file } : { kind: 'default' };
  const o = sources.overrides ?? {};
  const sourceOf = (p: string): SettingSource => {
    if (p === 'dataDir') {
      if (config.dataDirOrigin === 'flag') return { kind: 'flag', flag: '--data-dir' };
      if (config.dataDirOrigin === 'env') return { kind: 'env', variable: 'MAILWARDEN_DATA_DIR' };
      return has(doc, p) ? fromFile : { kind: 'default' };
    }
    if (p === 'pluginDir') {
      if (sources.pluginDir !== undefined) return { kind: 'flag', flag: '--plugin-dir' };
      if (env.MAILWARDEN_PLUGIN_DIR !== undefined) return { kind: 'env', variable: 'MAILWARDEN_PLUGIN_DIR' };
    }
    if (p === 'defaultDomain') {
      if (o.defaultDomain !== undefined) return { kind: 'flag', flag: '--default-domain' };
      if (env.MAILWARDEN_DEFAULT_DOMAIN) return { kind: 'env', variable: 'MAILWARDEN_DEFAULT_DOMAIN' };
    }
    if (p === 'hookTimeoutMs' && o.hookTimeoutMs !== undefined) return { kind: 'flag', flag: '--hook-timeout-ms' };
    const [section, key] = p.split('.');
    if (section === 'listen' && key && o.listen && key in o.listen) return { kind: 'flag', flag: `--listen-${key}` };
    if (section === 'state' && key && o.state && key in o.state) return { kind: 'flag', flag: `--state-${key}` };
    return has(doc, p) ? fromFile : { kind: 'default' };
  };
  const all: Array<[string, unknown]> = [];
  const { source: _s, dataDirOrigin: _d, ...settings } = config;
  leaves(settings, '', all);
  return {
    file,
    fileSource,
    settings: all.map(([p, v]) => ({ path: p, value: printableValue(p, v), source: sourceOf(p) })),
  };
}

export function describeSource(s: SettingSource): string {
  switch (s.kind) {
    case 'default': return 'default';
    case 'file': return s.file;
    case 'env': return `environment ${s.variable}`;
    case 'flag': return `flag ${s.flag}`;
  }
}

/** The file every command would read with these sources, or undefined for none (built-in defaults). */
export function discoveredConfigFile(sources: ConfigSources): string | undefined {
  const env = sources.env ?? process.env;
  const system = systemConfigFile(env);
  return sources.configFile ?? (env.MAILWARDEN_CONFIG || undefined) ?? (fs.existsSync(system) ? system : undefined);
}
