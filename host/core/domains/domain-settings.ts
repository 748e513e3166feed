import type { AuditEntry, Clock } from '../../../shared';
import type { LoadedPlugin } from '../plugins/loaded-plugin';
import type { HostStore } from '../state/host-store';
import { normalizeDomain } from '../../../shared/address';
import { ValidationError } from '../validation/ajv';
import { configProblems } from '../plugins/config-check';
import { hostLevelProblems } from '../plugins/host-level';

/** The scope of settings that apply to every domain without its own. */
export const GLOBAL = '*';

export interface DomainRecord {
  readonly name: string;
  readonly addedAt: number;
  readonly addedBy: string;
  /** en | fr | de: language of messages shown to this domain's users. */
  readonly locale?: string;
}

export interface PluginSetting {
  readonly enabled?: boolean;
  /** Overrides only; defaults come from the manifest's configSchema. */
  readonly config?: Readonly<Record<string, unknown>>;
}

export interface EffectiveSetting {
  readonly enabled: boolean;
  readonly config: Readonly<Record<string, unknown>>;
  /** Where `enabled` came from, for `plugins list`. */
  readonly enabledFrom: 'domain' | 'global' | 'manifest';
  /** A stored override that no longer fits the plugin's schema (e.g. after an upgrade). */
  readonly problem?: string;
  /**
   * Stored per-domain values of host-level settings (written by an older
   * version, or into the store directly): never used, listed so an admin sees them.
   */
  readonly ignored?: readonly string[];
}

type HostLevelPlugin = Pick<LoadedPlugin, 'hostKeys' | 'hostConfig'>;

/**
 * What a plugin sees for one scope: the stored overrides without any
 * host-level key, then the config file's host-level values over them.
 */
export function withHostLevel(plugin: HostLevelPlugin, stored: Readonly<Record<string, unknown>>): { config: Record<string, unknown>; ignored: string[] } {
  const config: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const [k, v] of Object.entries(stored)) {
    if (plugin.hostKeys.includes(k)) ignored.push(k);
    else config[k] = v;
  }
  return { config: { ...config, ...structuredClone(plugin.hostConfig) }, ignored: ignored.sort() };
}

function withoutHostLevel(plugin: HostLevelPlugin, overrides: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(overrides).filter(([k]) => !plugin.hostKeys.includes(k)));
}

const domainKey = (d: string) => `h:domain:${d}`;
const settingKey = (scope: string, plugin: string) => `h:settings:${scope}:${plugin}`;

/**
 * Which plugins run for which domain, with which config. Global settings
 * ('*') apply to every domain, and a domain's own settings override them key
 * by key (top-level keys; a nested object is replaced whole). Kept in the
 * state store, so every process and node sees the same; cached here and
 * dropped whenever the store says settings changed.
 */
export class DomainSettings {
  private domains: Map<string, DomainRecord> | undefined;
  private readonly cache = new Map<string, Map<string, EffectiveSetting>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly store: HostStore, private readonly clock: Clock, readonly defaultDomain: string) {
    this.unsubscribe = store.subscribe((channel) => {
      if (channel === 'settings') this.invalidate();
    });
  }

  private readonly invalidated = new Set<() => void>();

  invalidate(): void {
    this.domains = undefined;
    this.cache.clear();
    for (const l of this.invalidated) l();
  }

  /** Called whenever cached settings are dropped, so derived caches (pipeline plans) follow. */
  onInvalidate(listener: () => void): void {
    this.invalidated.add(listener);
  }

  dispose(): void {
    this.unsubscribe();
  }

  async listDomains(): Promise<DomainRecord[]> {
    return [...(await this.domainMap()).values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  private async domainMap(): Promise<Map<string, DomainRecord>> {
    if (!this.domains) {
      const rows = await this.store.list<DomainRecord>('h:domain:', this.clock.now());
      this.domains = new Map(rows.map((r) => [r.value.name, r.value]));
    }
    return this.domains;
  }

  /** True for a domain added by an admin (its own settings apply); others use the global ones. */
  async isDomain(name: string): Promise<boolean> {
    return (await this.domainMap()).has(name);
  }

  async addDomain(raw: string, actor: string, locale?: string): Promise<DomainRecord> {
    const name = normalizeDomain(raw);
    if (await this.isDomain(name)) throw new ValidationError('domain', [{ path: '/name', message: `"${name}" already exists`, rule: 'unique' }]);
    const rec: DomainRecord = { name, addedAt: this.clock.now(), addedBy: actor, ...(locale ? { locale } : {}) };
    await this.store.set(domainKey(name), rec);
    await this.audit({ actor, action: 'domain.add', subject: `domain:${name}`, domain: name, after: rec });
    await this.changed();
    return rec;
  }

  async removeDomain(raw: string, actor: string): Promise<boolean> {
    const name = normalizeDomain(raw);
    const rec = (await this.domainMap()).get(name);
    if (!rec) return false;
    await this.store.delete(domainKey(name));
    for (const row of await this.store.list(`h:settings:${name}:`, this.clock.now())) await this.store.delete(row.key);
    await this.audit({ actor, action: 'domain.remove', subject: `domain:${name}`, domain: name, before: rec });
    await this.changed();
    return true;
  }

  /** Resolves a name to a settings scope: the domain if it was added, else the global scope. */
  async scopeOf(domain: string): Promise<string> {
    return (await this.isDomain(domain)) ? domain : GLOBAL;
  }

  async getSetting(scope: string, pluginId: string): Promise<PluginSetting> {
    return (await this.store.get<PluginSetting>(settingKey(scope, pluginId), this.clock.now())) ?? {};
  }

  /** Effective enablement and config of one plugin for one domain (added or not). Cached. */
  async effective(domain: string, plugin: LoadedPlugin): Promise<EffectiveSetting> {
    const scope = await this.scopeOf(domain);
    let perScope = this.cache.get(scope);
    if (!perScope) {
      perScope = new Map();
      this.cache.set(scope, perScope);
    }
    const hit = perScope.get(plugin.manifest.id);
    if (hit) return hit;
    const global = await this.getSetting(GLOBAL, plugin.manifest.id);
    const own = scope === GLOBAL ? {} : await this.getSetting(scope, plugin.manifest.id);
    const enabledFrom = own.enabled !== undefined ? 'domain' : global.enabled !== undefined ? 'global' : 'manifest';
    const enabled = own.enabled ?? global.enabled ?? plugin.manifest.enabledByDefault;
    const merged = withHostLevel(plugin, { ...(global.config ?? {}), ...(own.config ?? {}) });
    let config = merged.config;
    let problem: string | undefined;
    const problems = configProblems(plugin, config);
    if (problems.length) {
      problem = problems.map((p) => `${p.path} ${p.message}`).join('; ');
      config = withHostLevel(plugin, {}).config;
      plugin.validateConfig(config);
    }
    const ignored = merged.ignored.length ? { ignored: Object.freeze(merged.ignored) } : {};
    const eff: EffectiveSetting = { enabled, config: Object.freeze(config), enabledFrom, ...(problem ? { problem } : {}), ...ignored };
    perScope.set(plugin.manifest.id, eff);
    return eff;
  }

  async setEnabled(scope: string, plugin: LoadedPlugin, enabled: boolean | undefined, actor: string): Promise<void> {
    const s = await this.checkedScope(scope);
    const before = await this.getSetting(s, plugin.manifest.id);
    const after: PluginSetting = { ...before, enabled };
    if (enabled === undefined) delete (after as { enabled?: boolean }).enabled;
    await this.store.set(settingKey(s, plugin.manifest.id), after);
    await this.audit({ actor, action: enabled === undefined ? 'plugin.inherit' : enabled ? 'plugin.enable' : 'plugin.disable', subject: `plugin:${plugin.manifest.id}`, domain: s, before, after });
    await this.changed();
  }

  /**
   * Sets (merge) or replaces a scope's config overrides. Every domain the
   * change reaches is validated first (configSchema, then the plugin's own
   * cross-field checks); on any problem nothing is written and the
   * ValidationError names the JSON path and the rule. A host-level key is
   * refused whatever its value (null too); stale stored ones are dropped.
   */
  async setConfig(scope: string, plugin: LoadedPlugin, values: Record<string, unknown>, actor: string, mode: 'merge' | 'replace' = 'merge'): Promise<Record<string, unknown>> {
    const id = plugin.manifest.id;
    const hostLevel = Object.keys(values).filter((k) => plugin.hostKeys.includes(k)).sort();
    if (hostLevel.length) throw new ValidationError(`${id} config (${scope === GLOBAL ? 'global' : scope})`, hostLevelProblems(id, hostLevel));
    const s = await this.checkedScope(scope);
    const before = await this.getSetting(s, id);
    const overrides = mode === 'merge' ? { ...withoutHostLevel(plugin, before.config ?? {}), ...values } : { ...values };
    for (const [k, v] of Object.entries(overrides)) if (v === null) delete overrides[k];
    const global = s === GLOBAL ? { ...before, config: overrides } : await this.getSetting(GLOBAL, id);
    const affected = s === GLOBAL ? [GLOBAL, ...(await this.listDomains()).map((d) => d.name)] : [s];
    for (const d of affected) {
      const own = d === GLOBAL ? {} : d === s ? { config: overrides } : await this.getSetting(d, id);
      const candidate = withHostLevel(plugin, { ...(global.config ?? {}), ...(own.config ?? {}) }).config;
      const problems = configProblems(plugin, candidate);
      if (problems.length) {
        const where = d === GLOBAL || d === s ? `${id} config (${s === GLOBAL ? 'global' : s})` : `${id} config (global change, as domain ${d} would see it)`;
        throw new ValidationError(where, problems);
      }
    }
    const after: PluginSetting = { ...before, config: overrides };
    await this.store.set(settingKey(s, id), after);
    await this.audit({ actor, action: 'plugin.configure', subject: `plugin:${id}`, domain: s, before, after });
    await this.changed();
    return overrides;
  }

  private async checkedScope(scope: string): Promise<string> {
    if (scope === GLOBAL) return GLOBAL;
    const name = normalizeDomain(scope);
    if (!(await this.isDomain(name))) {
      throw new ValidationError('domain', [{ path: '/domain', message: `"${name}" is not a known domain (add it first: mailwarden domains add ${name})`, rule: 'exists' }]);
    }
    return name;
  }

  private async audit(e: Omit<AuditEntry, 'at'>): Promise<void> {
    await this.store.appendAudit({ at: this.clock.now(), ...e });
  }

  private async changed(): Promise<void> {
    this.invalidate();
    await this.store.publish('settings');
  }
}
