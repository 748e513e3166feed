import fs from 'node:fs';
import path from 'node:path';
import { defaultPluginDir } from '../paths';
import type { PostfixConfig } from '../../tools/postfix/postfix-config';
import type { ListenerLimits } from './listener-limits';
import type { MailNotifyConfig } from '../services/mail-transport';
import type { StateConfig } from '../state/open-store';
import { parseJsonText, toProblems, ValidationError } from '../validation/ajv';
import { compiledSchema } from '../validation/precompiled';
import schema from './host-config.schema.json';
import { stripJsonComments } from './jsonc';

export interface HostConfig {
  dataDir: string;
  pluginDir: string;
  defaultDomain: string;
  listen: { admin: string; dovecot: string; postfix: string };
  hookTimeoutMs: number;
  startTimeoutMs: number;
  state: StateConfig & { failOpen: boolean };
  log: { level: string };
  admin: { token?: string; tokenFile?: string };
  dovecot: { apiHeader?: string; secretFile?: string; maxBodyBytes: number };
  /** Connection caps, timeouts and buffer sizes per listener; read through listenerLimits(), which checks their sum. */
  limits: ListenerLimits;
  accounts: { kickCommand: string[] };
  notify: { dedupeMinutes: number; webhookUrl?: string; mail?: MailNotifyConfig };
  logFollow: { files: string[]; pollMs: number; fromStart: boolean };
  postfix: PostfixConfig;
  passwords: { setCommand?: string[]; setTimeoutMs: number };
  /** The privileged helper's socket and allow-lists (host/tools/privileged); absent: root actions run in-process. */
  privileged?: { socket?: string; tables: string[]; commands: string[][] };
  /** Host-level plugin settings by plugin id (checked against each plugin's manifest when it loads). */
  plugins: Record<string, Record<string, unknown>>;
  /** The file it was read from, if any. */
  source?: string;
  /** Where dataDir came from: a flag, MAILWARDEN_DATA_DIR, the config file, or the `./data` fallback of a checkout. */
  dataDirOrigin?: 'flag' | 'env' | 'config' | 'default';
}

/**
 * The packaged configuration. When it exists it is every command's default,
 * so CLI and service share one state from any working directory.
 * MAILWARDEN_SYSTEM_CONFIG moves it (tests; a second instance).
 */
export function systemConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  // process.env too: in-process callers (tests) hand over an env of their own.
  return env.MAILWARDEN_SYSTEM_CONFIG || process.env.MAILWARDEN_SYSTEM_CONFIG || '/etc/mailwarden/mailwarden.json';
}
/** The packaged state directory: the dataDir of the system config when it names none. */
export const SYSTEM_DATA_DIR = '/var/lib/mailwarden';

/** Where settings may come from, strongest first: flags, environment, file, defaults. */
export interface ConfigSources {
  configFile?: string;
  dataDir?: string;
  pluginDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Extra overrides (e.g. `--listen-admin`), applied last. */
  overrides?: Partial<Pick<HostConfig, 'defaultDomain' | 'hookTimeoutMs'>> & { listen?: Partial<HostConfig['listen']>; state?: Partial<StateConfig> };
}

/**
 * The sources each loaded config came from, so that a reload (SIGHUP) reads
 * the same file with the same flags and environment winning over it. Kept
 * beside the object, not in it: configs are compared and copied whole.
 */
const origins = new WeakMap<HostConfig, ConfigSources>();

/** The sources `config` was loaded from (flags, the MAILWARDEN_* environment, the file); undefined for a config built by hand. */
export function configOrigin(config: HostConfig): ConfigSources | undefined {
  return origins.get(config);
}

// Precompiled at build time when dist has it: compiling costs more than node's own start.
const validate = compiledSchema('host-config', schema);

export function loadHostConfig(sources: ConfigSources = {}): HostConfig {
  const env = sources.env ?? process.env;
  const system = systemConfigFile(env);
  const file = sources.configFile ?? (env.MAILWARDEN_CONFIG || undefined) ?? (fs.existsSync(system) ? system : undefined);
  let doc: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new ValidationError(file, [{ path: '/', message: `cannot be read: ${(e as Error).message}`, rule: 'file' }]);
    }
    // Comments are allowed (docs/mailwarden.sample.jsonc documents every option that way).
    const parsed = parseJsonText(stripJsonComments(text), file);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ValidationError(file, [{ path: '/', message: 'must be a JSON object', rule: 'type' }]);
    }
    doc = parsed as Record<string, unknown>;
  }
  const merged: Record<string, any> = structuredClone(doc);
  const o = sources.overrides ?? {};
  if (o.defaultDomain !== undefined) merged.defaultDomain = o.defaultDomain;
  if (env.MAILWARDEN_DEFAULT_DOMAIN && o.defaultDomain === undefined) merged.defaultDomain = env.MAILWARDEN_DEFAULT_DOMAIN;
  if (o.hookTimeoutMs !== undefined) merged.hookTimeoutMs = o.hookTimeoutMs;
  if (o.listen) merged.listen = { ...(merged.listen ?? {}), ...o.listen };
  if (o.state) merged.state = { ...(merged.state ?? {}), ...o.state };
  const where = file ?? 'configuration';
  if (!validate(merged)) throw new ValidationError(where, toProblems(validate.errors));
  const base = file ? path.dirname(path.resolve(file)) : process.cwd();
  const configured = merged.dataDir ? path.resolve(base, merged.dataDir) : file && path.resolve(file) === path.resolve(system) ? SYSTEM_DATA_DIR : undefined;
  const dataDirOrigin = sources.dataDir ? 'flag' : env.MAILWARDEN_DATA_DIR ? 'env' : configured ? 'config' : 'default';
  const dataDir = sources.dataDir || env.MAILWARDEN_DATA_DIR || configured || path.resolve('data');
  const pluginDir = sources.pluginDir ?? env.MAILWARDEN_PLUGIN_DIR ?? (merged.pluginDir ? path.resolve(base, merged.pluginDir) : defaultPluginDir());
  const config: HostConfig = { ...(merged as HostConfig), dataDir: path.resolve(dataDir), pluginDir: path.resolve(pluginDir), source: file, dataDirOrigin };
  // Only mailwarden's own variables: the rest of the environment is no setting and may hold secrets.
  const ownEnv = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('MAILWARDEN_')));
  origins.set(config, { ...sources, configFile: file, env: ownEnv });
  return config;
}
