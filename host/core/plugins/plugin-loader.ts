import fs from 'node:fs';
import path from 'node:path';
import { Container, ContainerModule } from 'inversify';
import {
  AdminRouteContribution,
  type AdminRoute,
  CommandContribution,
  DoctorCheckContribution,
  HostSettings,
  LogReportContribution,
  Logger,
  Notifier,
  PluginHooks,
  PostfixWiringContribution,
  ServiceContribution,
  StateStore,
  TrustedNetworksContribution,
  type Logger as LoggerT,
  type Notifier as NotifierT,
} from '../../../shared';
import { SourcedNotifier } from '../services/notifier';
import type { HostStore } from '../state/host-store';
import { PluginStore } from '../state/plugin-store';
import { withTimeout } from '../time';
import { evaluateBundle } from './bundle';
import { configProblems } from './config-check';
import type { LoadedPlugin, PluginFailure } from './loaded-plugin';
import { checkHostSection } from './host-level';
import { type CheckedManifest, type PluginManifest, readManifest } from './manifest';

export interface LoaderOptions {
  /** Host container holding the services plugins may inject. */
  readonly host: Container;
  readonly store: HostStore;
  readonly notifier: NotifierT;
  readonly logger: LoggerT & { child(bindings: object): LoggerT };
  readonly loadTimeoutMs: number;
  /** The config file's `plugins` section: host-level values per plugin id. */
  readonly hostSettings?: Readonly<Record<string, unknown>>;
  /** The config file, named in messages about that section. */
  readonly configSource?: string;
  /**
   * Loads only the plugins this accepts (and what they depend on): a command
   * that needs one contribution point (doctor) need not run every plugin's
   * code. The others are neither loaded nor reported.
   */
  readonly only?: (manifest: PluginManifest) => boolean;
}

export interface LoadResult {
  readonly plugins: LoadedPlugin[];
  readonly failures: PluginFailure[];
}

class PluginLoadError extends Error {
  constructor(readonly stage: PluginFailure['stage'], message: string) {
    super(message);
  }
}

/** Orders plugins as the pipeline runs them: priority, then id (stable across restarts). */
export function byPriority(a: { manifest: PluginManifest }, b: { manifest: PluginManifest }): number {
  return a.manifest.priority - b.manifest.priority || (a.manifest.id < b.manifest.id ? -1 : 1);
}

/**
 * Scans the plugin directory: every sub-folder with a manifest.json is a
 * plugin. Each is checked and loaded in isolation; a broken one is reported
 * with its reason and the rest load.
 */
export async function loadPlugins(pluginDir: string, options: LoaderOptions): Promise<LoadResult> {
  const failures: PluginFailure[] = [];
  const plugins: LoadedPlugin[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(pluginDir, { withFileTypes: true });
  } catch (e) {
    failures.push({ id: '*', dir: pluginDir, stage: 'manifest', reason: `plugin directory cannot be read: ${(e as Error).message}` });
    return { plugins, failures };
  }
  const candidates: Array<CheckedManifest & { dir: string }> = [];
  let folders = entries.filter((x) => x.isDirectory()).map((x) => x.name).sort();
  // Only the wanted manifests are checked (checking compiles each plugin's config schema).
  if (options.only) folders = wantedFolders(pluginDir, folders, options.only);
  for (const name of folders) {
    const dir = path.join(pluginDir, name);
    const file = path.join(dir, 'manifest.json');
    if (!fs.existsSync(file)) {
      failures.push({ id: name, dir, stage: 'manifest', reason: `${file}: missing (every plugin folder needs a manifest.json)` });
      continue;
    }
    try {
      candidates.push({ dir, ...readManifest(file) });
    } catch (err) {
      failures.push({ id: name, dir, stage: 'manifest', reason: (err as Error).message });
    }
  }
  // Duplicate ids: refuse every copy, since neither can be said to be the right one.
  const seen = new Map<string, number>();
  for (const c of candidates) seen.set(c.manifest.id, (seen.get(c.manifest.id) ?? 0) + 1);
  const wanted = options.only ? wantedIds(candidates, options.only) : undefined;
  for (const c of candidates.sort(byPriority)) {
    if (wanted && !wanted.has(c.manifest.id)) continue;
    if ((seen.get(c.manifest.id) ?? 0) > 1) {
      const others = candidates.filter((o) => o.manifest.id === c.manifest.id && o !== c).map((o) => o.dir);
      failures.push({ id: c.manifest.id, dir: c.dir, stage: 'manifest', bootPolicy: c.manifest.bootPolicy, reason: `duplicate plugin id "${c.manifest.id}" (also in ${others.join(', ')})` });
      continue;
    }
    try {
      plugins.push(await loadOne(c.dir, c, options));
    } catch (err) {
      const stage = err instanceof PluginLoadError ? err.stage : 'load';
      failures.push({ id: c.manifest.id, dir: c.dir, stage, bootPolicy: c.manifest.bootPolicy, reason: (err as Error).message });
    }
  }
  // A section for no plugin is most likely a typo: its settings (a table path, a command) would silently not apply.
  // (A filtered load has not read the other manifests: it cannot tell.)
  const known = new Set(candidates.map((c) => c.manifest.id));
  for (const id of options.only ? [] : Object.keys(options.hostSettings ?? {})) {
    if (!known.has(id)) options.logger.warn({ section: `plugins.${id}`, file: options.configSource ?? null, pluginDir }, `config file section plugins.${id} names no plugin in the plugin directory; its settings apply to nothing`);
  }
  // Dependencies are checked until nothing more drops out (a missing one can strand a chain).
  for (let changed = true; changed; ) {
    changed = false;
    const ids = new Set(plugins.map((p) => p.manifest.id));
    for (const p of [...plugins]) {
      const missing = p.manifest.dependsOn.filter((d) => !ids.has(d));
      if (missing.length === 0) continue;
      plugins.splice(plugins.indexOf(p), 1);
      failures.push({ id: p.manifest.id, dir: p.dir, stage: 'dependency', bootPolicy: p.manifest.bootPolicy, reason: `depends on ${missing.join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not loaded` });
      changed = true;
    }
  }
  return { plugins, failures };
}

/** Does any manifest in the plugin directory satisfy `only` (read as plain JSON, nothing loaded)? For a command to skip loading when no plugin contributes what it wants. */
export function anyPluginWhere(pluginDir: string, only: (m: PluginManifest) => boolean): boolean {
  let folders: string[];
  try {
    folders = fs.readdirSync(pluginDir, { withFileTypes: true }).filter((x) => x.isDirectory()).map((x) => x.name);
  } catch {
    return false;
  }
  return wantedFolders(pluginDir, folders, only).length > 0;
}

/**
 * The folders whose manifest `only` accepts, with what they depend on, read as
 * plain JSON (defaults of `contributes` filled in): a manifest that cannot be
 * read is no plugin a filtered load wants.
 */
function wantedFolders(pluginDir: string, folders: readonly string[], only: (m: PluginManifest) => boolean): string[] {
  const peeked: Array<{ folder: string; manifest: PluginManifest }> = [];
  for (const folder of folders) {
    try {
      const raw = JSON.parse(fs.readFileSync(path.join(pluginDir, folder, 'manifest.json'), 'utf8')) as Partial<PluginManifest>;
      if (typeof raw?.id !== 'string') continue;
      const contributes = { commands: [], adminRoutes: [], consoleViews: [], doctorChecks: [], logReportSections: [], notificationKinds: [], ...(raw.contributes ?? {}) };
      peeked.push({ folder, manifest: { ...raw, dependsOn: Array.isArray(raw.dependsOn) ? raw.dependsOn : [], contributes } as PluginManifest });
    } catch {
      continue;
    }
  }
  let wanted: Set<string>;
  try {
    wanted = wantedIds(peeked, only);
  } catch {
    // A manifest odd enough to trip the filter is left to the full check.
    return [...folders];
  }
  return peeked.filter((p) => wanted.has(p.manifest.id)).map((p) => p.folder);
}

/** Ids of the plugins `only` accepts, with what they depend on (transitively). */
function wantedIds(candidates: ReadonlyArray<{ manifest: PluginManifest }>, only: (m: PluginManifest) => boolean): Set<string> {
  const byId = new Map(candidates.map((c) => [c.manifest.id, c.manifest]));
  const out = new Set<string>();
  const add = (id: string) => {
    if (out.has(id)) return;
    out.add(id);
    for (const d of byId.get(id)?.dependsOn ?? []) add(d);
  };
  for (const c of candidates) if (only(c.manifest)) add(c.manifest.id);
  return out;
}

/** Every binding of `id` in the plugin's own container (none: empty). */
function allOf<T>(container: Container, id: symbol): T[] {
  return container.isCurrentBound(id) ? container.getAll<T>(id) : [];
}

/**
 * A contribution bound with an id must be declared in the manifest under that
 * id, and a declared one must be bound: the host lists and documents them from
 * the manifest alone, so the two must say the same.
 */
function matchDeclared(manifestFile: string, id: string, what: string, key: string, symbolName: string, declared: readonly string[], bound: readonly string[]): void {
  const seen = new Set<string>();
  for (const b of bound) {
    if (seen.has(b)) throw new PluginLoadError('load', `${manifestFile}: plugin ${id} binds ${what} "${b}" twice`);
    seen.add(b);
    if (!declared.includes(b)) throw new PluginLoadError('load', `${manifestFile}: plugin ${id} binds ${what} "${b}" that its manifest does not declare (add it to contributes.${key})`);
  }
  for (const d of declared) {
    if (!seen.has(d)) throw new PluginLoadError('load', `${manifestFile}: plugin ${id} declares ${what} "${d}" in contributes.${key} but binds no ${symbolName} for it`);
  }
}

async function loadOne(dir: string, checked: CheckedManifest, o: LoaderOptions): Promise<LoadedPlugin> {
  const { manifest, validateConfig, hostKeys } = checked;
  // Checked before any plugin code runs: a bad host-level value must not reach it.
  const section = checkHostSection(manifest.id, o.hostSettings?.[manifest.id], hostKeys, checked.validateHostConfig, Object.keys((manifest.configSchema.properties as object | undefined) ?? {}));
  if (section.problems.length) {
    throw new PluginLoadError('load', section.problems.map((p) => `${o.configSource ?? 'host configuration'}: ${p.path} ${p.message} (${p.rule})`).join('; '));
  }
  const hostConfig = Object.freeze(section.values);
  const entry = path.join(dir, manifest.entry);
  if (!fs.existsSync(entry)) throw new PluginLoadError('import', `${path.join(dir, 'manifest.json')}: /entry "${manifest.entry}" does not exist in ${dir}`);
  let exported: unknown;
  try {
    exported = evaluateBundle(entry);
  } catch (e) {
    throw new PluginLoadError('import', `${entry}: threw while loading: ${(e as Error).message}`);
  }
  const ex = exported as { default?: unknown; containerModule?: unknown };
  const module = [ex?.default, ex?.containerModule, exported].find((m) => m instanceof ContainerModule) as ContainerModule | undefined;
  if (!module) {
    const looksLike = [ex?.default, ex?.containerModule].some((m) => m && typeof m === 'object' && 'load' in (m as object));
    throw new PluginLoadError(
      'import',
      looksLike
        ? `${entry}: exports a ContainerModule from another inversify copy; mark "inversify" and "@mailwarden/shared" external when bundling`
        : `${entry}: must export an inversify ContainerModule as default (or as "containerModule")`,
    );
  }
  const container = new Container({ parent: o.host, defaultScope: 'Singleton' });
  const pluginLogger = o.logger.child({ plugin: manifest.id });
  container.bind(Logger).toConstantValue(pluginLogger);
  container.bind(StateStore).toConstantValue(new PluginStore(o.store, manifest.id));
  container.bind(Notifier).toConstantValue(new SourcedNotifier(o.notifier, manifest.id, { declared: manifest.contributes.notificationKinds.map((k) => k.id), logger: pluginLogger, manifestFile: path.join(dir, 'manifest.json') }));
  container.bind(HostSettings).toConstantValue(hostConfig);
  try {
    await withTimeout(container.load(module), o.loadTimeoutMs, `loading plugin ${manifest.id}`);
  } catch (e) {
    throw new PluginLoadError('load', `${manifest.id}: its ContainerModule failed: ${(e as Error).message}`);
  }
  let hooks: PluginHooks | undefined;
  let services: ServiceContribution[];
  let commands: CommandContribution[];
  let adminRoutes: AdminRoute[];
  let doctorChecks: DoctorCheckContribution[];
  let logReportSections: LogReportContribution[];
  let postfixWiring: PostfixWiringContribution[];
  let trustedNetworks: TrustedNetworksContribution[];
  try {
    hooks = container.isCurrentBound(PluginHooks) ? container.get<PluginHooks>(PluginHooks) : undefined;
    services = container.isCurrentBound(ServiceContribution) ? container.getAll<ServiceContribution>(ServiceContribution) : [];
    commands = container.isCurrentBound(CommandContribution) ? container.getAll<CommandContribution>(CommandContribution) : [];
    adminRoutes = allOf<AdminRouteContribution>(container, AdminRouteContribution).flatMap((c) => c.routes);
    doctorChecks = allOf(container, DoctorCheckContribution);
    logReportSections = allOf(container, LogReportContribution);
    postfixWiring = allOf(container, PostfixWiringContribution);
    trustedNetworks = allOf(container, TrustedNetworksContribution);
  } catch (e) {
    throw new PluginLoadError('load', `${manifest.id}: cannot be constructed: ${(e as Error).message}`);
  }
  for (const h of manifest.hooks) {
    if (typeof (hooks as Record<string, unknown> | undefined)?.[h] !== 'function') {
      throw new PluginLoadError('load', `${manifest.id}: manifest declares hook "${h}" but the plugin does not implement it`);
    }
  }
  const defaultProblems = configProblems({ manifest, validateConfig, hooks }, { ...hostConfig });
  if (defaultProblems.length) {
    throw new PluginLoadError('load', `${manifest.id}: its own config check refuses the manifest defaults${hostKeys.length ? ' with the config file\'s host-level values' : ''}: ${defaultProblems.map((p) => `${p.path} ${p.message}`).join('; ')}`);
  }
  if (manifest.services && services.length === 0) throw new PluginLoadError('load', `${manifest.id}: manifest declares services but binds no ServiceContribution`);
  for (const c of commands) {
    if (!manifest.contributes.commands.some((d) => d.name === c.name)) throw new PluginLoadError('load', `${manifest.id}: contributes command "${c.name}" that its manifest does not declare`);
  }
  const manifestFile = path.join(dir, 'manifest.json');
  const c = manifest.contributes;
  matchDeclared(manifestFile, manifest.id, 'doctor check', 'doctorChecks', 'DoctorCheckContribution', c.doctorChecks.map((d) => d.id), doctorChecks.map((d) => d.id));
  matchDeclared(manifestFile, manifest.id, 'log-report section', 'logReportSections', 'LogReportContribution', c.logReportSections.map((d) => d.id), logReportSections.map((d) => d.id));
  matchDeclared(manifestFile, manifest.id, 'admin route', 'adminRoutes', 'AdminRouteContribution', c.adminRoutes.map((r) => `${r.method} ${r.path}`), adminRoutes.map((r) => `${r.method} ${r.path}`));
  return { manifest, dir, validateConfig, hostKeys, hostConfig, container, module, hooks, services, commands, adminRoutes, doctorChecks, logReportSections, postfixWiring, trustedNetworks };
}
