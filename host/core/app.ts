import 'reflect-metadata';
import { Container } from 'inversify';
import { AccountActions, Clock, Logger, MailQueue, Metrics, Notifier, QueueActions, StateStore, SystemActions, type ServiceContext } from '../../shared';
import { type ConfigSources, configOrigin, type HostConfig } from './config/host-config';
import { DomainSettings, GLOBAL } from './domains/domain-settings';
import { normalizeDomain } from '../../shared/address';
import { HookPipeline } from './pipeline/hook-pipeline';
import type { LoadedPlugin, PluginFailure } from './plugins/loaded-plugin';
import { loadPlugins, type LoaderOptions } from './plugins/plugin-loader';
import { PluginRegistry } from './plugins/plugin-registry';
import type { PostfixQueue } from '../tools/postfix/queue/postfix-queue';
import { installPrivilegedRoute } from '../tools/privileged/route';
import type { QueueTools } from '../tools/postfix/queue/queue-tools';
import { HostAccountActions } from './services/account-actions';
import { AdminBans } from './services/admin-bans';
import { SystemClock } from './services/clock';
import { registerHostMetrics } from './services/host-metrics';
import { createLogger, type HostLogger } from './services/logger';
import type { MailTransport } from './services/mail-transport';
import { PromMetrics, UncountedMetrics } from './services/metrics';
import { HostNotifier } from './services/notifier';
import { type HostStore, storeHealth } from './state/host-store';
import { openStore } from './state/open-store';
import { ensureRedisSchema } from './state/redis-schema';
import { StateUnavailableError } from './state/state-errors';
import { withTimeout } from './time';

export interface AppDeps {
  readonly config: HostConfig;
  readonly clock?: Clock;
  readonly store?: HostStore;
  readonly logger?: HostLogger;
  readonly metrics?: PromMetrics;
  /** The Postfix queue; default: the instance of the `postfix` config section. */
  readonly queue?: MailQueue;
  /** A CLI command's App: counts nothing (nothing scrapes a command) and loads no metrics library. */
  readonly command?: boolean;
}

export interface ReloadResult {
  readonly applied: boolean;
  readonly failures: readonly PluginFailure[];
  readonly reason?: string;
  /** Settings (dotted paths) the reload changed in the running service. */
  readonly changed?: readonly string[];
  /** Settings changed in the file that only a restart takes over; their running values stay. */
  readonly needsRestart?: readonly string[];
}

/** Applies a reloaded config section to a part the App does not own (e.g. `serve`'s log followers). */
export type SectionApplier = (next: HostConfig, prev: HostConfig) => void | Promise<void>;

/**
 * The composition root: one container of host services, the store, domain
 * settings, the plugin set and the pipeline. Gateways and listeners are
 * attached by `serve`; the CLI uses the same App without them.
 */
export class App {
  readonly container = new Container({ defaultScope: 'Singleton' });
  readonly registry = new PluginRegistry();
  readonly settings: DomainSettings;
  readonly pipeline: HookPipeline;
  readonly accounts: HostAccountActions;
  readonly notifier: HostNotifier;
  private queueToolsMade: QueueTools | undefined;
  private queueMade: MailQueue | undefined;
  private readonly queueGiven: MailQueue | undefined;
  readonly metrics: PromMetrics;
  readonly clock: Clock;
  readonly logger: HostLogger;
  private started: LoadedPlugin[] = [];
  private servicesRunning = false;
  /** The running configuration: replaced on reload by one that keeps the restart-only sections. */
  private current: HostConfig;
  private mailTransport: MailTransport | undefined;
  /** Where the config came from at start: a reload reads the same file, flags and environment. */
  private readonly origin: ConfigSources | undefined;
  private readonly appliers = new Map<string, SectionApplier>();

  get config(): HostConfig {
    return this.current;
  }

  /**
   * The Postfix queue; default: the instance of the `postfix` config section.
   * Made on first use (with the queue tools): its code and the privileged
   * client cost a command whose plugins never read the queue a tenth of node's start.
   */
  get queue(): MailQueue {
    if (!this.queueMade) {
      const { PostfixQueue } = require('../tools/postfix/queue/postfix-queue') as typeof import('../tools/postfix/queue/postfix-queue');
      // The config's postfix object itself: a reload changes its contents in place (applyConfig).
      this.queueMade = this.queueGiven ?? new PostfixQueue(this.current.postfix, this.clock, this.logger);
    }
    return this.queueMade;
  }

  /** The Postfix queue of `postfix.configDir`: list, hold, release, delete by exact sender. */
  get queueTools(): QueueTools {
    if (!this.queueToolsMade) {
      const { QueueTools } = require('../tools/postfix/queue/queue-tools') as typeof import('../tools/postfix/queue/queue-tools');
      this.queueToolsMade = new QueueTools(this.queue, this.current.postfix, this.clock);
    }
    return this.queueToolsMade;
  }

  get mail(): MailTransport | undefined {
    return this.mailTransport;
  }

  private constructor(config: HostConfig, readonly store: HostStore, deps: AppDeps) {
    this.current = config;
    this.origin = configOrigin(config);
    this.clock = deps.clock ?? new SystemClock();
    installPrivilegedRoute(config);
    this.logger = deps.logger ?? createLogger(config.log.level);
    this.metrics = deps.metrics ?? (deps.command ? new UncountedMetrics() : new PromMetrics());
    this.settings = new DomainSettings(store, this.clock, normalizeDomain(config.defaultDomain));
    this.notifier = new HostNotifier(store, this.clock, this.logger, this.metrics, config.notify.dedupeMinutes * 60_000);
    this.accounts = new HostAccountActions(store, this.clock, this.logger, this.metrics, config.accounts.kickCommand);
    this.queueGiven = deps.queue;
    this.mailTransport = this.newMailTransport(config);
    if (this.mailTransport) this.notifier.addTransport(this.mailTransport);
    if (!deps.command) registerHostMetrics(this.metrics, { queue: this.queue, store, accounts: this.accounts, clock: this.clock, logger: this.logger, domains: this.settings });
    const c = this.container;
    c.bind(Clock).toConstantValue(this.clock);
    c.bind(Logger).toConstantValue(this.logger);
    c.bind(Metrics).toConstantValue(this.metrics);
    c.bind(StateStore).toConstantValue(store);
    c.bind(Notifier).toConstantValue(this.notifier);
    c.bind(AccountActions).toConstantValue(this.accounts);
    // Made on first use, not when a plugin is constructed: `plugins list` constructs every plugin, and
    // those that hold the queue, its actions or the system actions do not use them then.
    const queue: MailQueue = { counts: () => this.queue.counts(), messages: (o) => this.queue.messages(o) };
    const queueActions: QueueActions = {
      holdBySender: (sender) => this.queueTools.holdBySender(sender),
      holdBySaslUsername: (login) => this.queueTools.holdBySaslUsername(login),
      holdQueueIds: (ids) => this.queueTools.holdQueueIds(ids),
    };
    c.bind(MailQueue).toConstantValue(queue);
    c.bind(QueueActions).toConstantValue(queueActions);
    let system: SystemActions | undefined;
    const host = (): SystemActions => (system ??= new (require('../tools/privileged/system-actions') as typeof import('../tools/privileged/system-actions')).HostSystemActions());
    c.bind(SystemActions).toConstantValue({ replaceTable: (file, content) => host().replaceTable(file, content), run: (argv) => host().run(argv) } satisfies SystemActions);
    this.pipeline = new HookPipeline({
      registry: this.registry,
      settings: this.settings,
      accounts: this.accounts,
      clock: this.clock,
      logger: this.logger,
      metrics: this.metrics,
      hookTimeoutMs: config.hookTimeoutMs,
      stateUnavailable: storeHealth(store),
      adminBans: new AdminBans(store, this.clock),
    });
  }

  /** Opens the store and makes sure the default domain exists (first start). */
  static async open(deps: AppDeps): Promise<App> {
    // The store reports outages through the same logger and metrics as the rest of the host.
    const logger = deps.logger ?? createLogger(deps.config.log.level);
    const metrics = deps.metrics ?? (deps.command ? new UncountedMetrics() : new PromMetrics());
    const store = deps.store ?? openStore(deps.config.state, deps.config.dataDir, { logger, metrics });
    await ensureRedisSchema(store).catch(async (e: unknown) => {
      await store.close();
      throw e;
    });
    const app = new App(deps.config, store, { ...deps, logger, metrics });
    try {
      if ((await app.settings.listDomains()).length === 0) {
        await app.settings.addDomain(app.settings.defaultDomain, 'mailwarden:first-start');
      }
    } catch (e) {
      // A store failing closed during an outage: start anyway (decisions tempfail until it returns).
      if (!(e instanceof StateUnavailableError)) throw e;
      logger.error({ err: e.message }, 'state store unavailable at start; the default domain is checked when it returns');
    }
    return app;
  }

  /** Loads the plugin directory and starts the plugins' services; failures are reported, not thrown (unless a plugin's bootPolicy is abort). */
  async loadPlugins(options: { startServices?: boolean; only?: LoaderOptions['only'] } = {}): Promise<readonly PluginFailure[]> {
    const { plugins, failures } = await this.loadFromDir(undefined, options.only);
    const started = options.startServices === false ? plugins : await this.startAll(plugins, failures);
    this.servicesRunning = options.startServices !== false;
    this.abortOnCritical(failures);
    this.started = started;
    this.registry.swap(started, failures);
    return failures;
  }

  private newMailTransport(config: HostConfig): MailTransport | undefined {
    if (!config.notify.mail) return undefined;
    // Here, not at the top: a command's App sends no mail, and its code (SMTP, MIME) need not load.
    const { MailTransport } = require('./services/mail-transport') as typeof import('./services/mail-transport');
    return new MailTransport(config.notify.mail, this.clock, this.logger, this.metrics, adminDefaults(config.defaultDomain));
  }

  private loadFromDir(hostSettings: HostConfig['plugins'] = this.config.plugins ?? {}, only?: LoaderOptions['only']) {
    return loadPlugins(this.config.pluginDir, {
      host: this.container,
      store: this.store,
      notifier: this.notifier,
      logger: this.logger,
      loadTimeoutMs: this.config.startTimeoutMs,
      hostSettings,
      configSource: this.config.source,
      ...(only ? { only } : {}),
    });
  }

  private abortOnCritical(failures: readonly PluginFailure[]): void {
    const critical = failures.find((f) => f.bootPolicy === 'abort');
    if (critical) throw new Error(`plugin ${critical.id} failed (${critical.reason}) and its bootPolicy is "abort"`);
  }

  /** Starts each plugin's services in priority order; a plugin whose start fails or hangs is stopped and reported. */
  private async startAll(plugins: LoadedPlugin[], failures: PluginFailure[]): Promise<LoadedPlugin[]> {
    const ok: LoadedPlugin[] = [];
    for (const p of plugins) {
      const done: typeof p.services[number][] = [];
      try {
        for (const s of p.services) {
          await withTimeout(s.start(this.serviceContext(p)), this.config.startTimeoutMs, `starting plugin ${p.manifest.id}`);
          done.push(s);
        }
        ok.push(p);
      } catch (e) {
        failures.push({ id: p.manifest.id, dir: p.dir, stage: 'start', bootPolicy: p.manifest.bootPolicy, reason: (e as Error).message });
        await this.stopServices(p, done);
      }
    }
    return ok;
  }

  /** What a plugin's services, CLI commands and admin routes see of the host: its config per domain. */
  serviceContext(p: LoadedPlugin): ServiceContext {
    return {
      plugin: p.manifest.id,
      configs: async () => {
        const out = new Map<string, Readonly<Record<string, unknown>>>();
        const g = await this.settings.effective(GLOBAL, p);
        if (g.enabled) out.set(GLOBAL, g.config);
        for (const d of await this.settings.listDomains()) {
          const eff = await this.settings.effective(d.name, p);
          if (eff.enabled) out.set(d.name, eff.config);
        }
        return out;
      },
    };
  }

  private async stopServices(p: LoadedPlugin, services: readonly { stop(): Promise<void> }[]): Promise<void> {
    for (const s of [...services].reverse()) {
      try {
        await withTimeout(s.stop(), this.config.startTimeoutMs, `stopping plugin ${p.manifest.id}`);
      } catch (e) {
        this.logger.error({ plugin: p.manifest.id, err: (e as Error).message }, 'plugin stop failed');
      }
    }
  }

  private async stopAll(plugins: readonly LoadedPlugin[]): Promise<void> {
    for (const p of [...plugins].reverse()) await this.stopServices(p, p.services);
  }

  /**
   * Lets a part the App does not own take a reloaded section live (`serve`
   * registers its log followers for `logFollow`). A section with no applier
   * and not applied by the App itself needs a restart.
   */
  applyOnReload(section: keyof HostConfig, apply: SectionApplier): void {
    this.appliers.set(section, apply);
  }

  private needsRestart(setting: string): boolean {
    const section = setting.split('.')[0];
    return !configSources().LIVE_SECTIONS.has(section) && !this.appliers.has(section);
  }

  /**
   * SIGHUP: reads the config file again and loads the plugin directory
   * again. A file that is not valid, or a plugin of the new set that fails,
   * changes nothing: the running configuration and plugin set stay and the
   * reason is logged. Settings only a restart can take over (listeners, the
   * store, dataDir…) keep their running values and are named in the log.
   */
  async reload(): Promise<ReloadResult> {
    this.settings.invalidate();
    const prev = this.current;
    const file = prev.source;
    let loaded = prev;
    let mail = this.mailTransport;
    if (file) {
      try {
        loaded = configSources().rereadConfig(this.origin ?? { configFile: file, env: {} });
        // Built before anything changes: its addresses are checked here, and a bad one refuses the whole file.
        if (configSources().changedSettings(prev.notify.mail, loaded.notify.mail).length) mail = this.newMailTransport(loaded);
      } catch (e) {
        const problems = (e as { problems?: unknown }).problems;
        this.logger.error({ file, problems, err: (e as Error).message }, 'reload refused: the config file is not valid; the running configuration is unchanged');
        return { applied: false, failures: [], reason: (e as Error).message };
      }
    }
    const changed = configSources().changedSettings(prev, loaded);
    const needsRestart = changed.filter((s) => this.needsRestart(s));
    const live = changed.filter((s) => !this.needsRestart(s));
    // Set before the plugins load: their loggers are children made now, and keep the level they are made with.
    const prevLevel = this.logger.level;
    // Only a changed level: a logger handed in (tests, the CLI) keeps its own otherwise.
    if (changed.includes('log.level')) this.logger.level = loaded.log.level;
    const refuse = (r: ReloadResult): ReloadResult => {
      this.logger.level = prevLevel;
      if (mail !== this.mailTransport) mail?.dispose();
      return r;
    };
    const { plugins, failures } = await this.loadFromDir(loaded.plugins ?? {});
    if (failures.length) {
      this.logger.error({ failures }, 'reload refused: a plugin failed; the running plugin set and configuration are unchanged');
      return refuse({ applied: false, failures, reason: failures.map((f) => `${f.id}: ${f.reason}`).join('; ') });
    }
    const old = this.started;
    await this.stopAll(old);
    const startFailures: PluginFailure[] = [];
    const started = await this.startAll(plugins, startFailures);
    if (startFailures.length) {
      await this.stopAll(started);
      const restartFailures: PluginFailure[] = [];
      this.started = await this.startAll([...old], restartFailures);
      this.registry.swap(this.started, [...this.registry.failures, ...restartFailures]);
      this.logger.error({ failures: startFailures }, 'reload refused: a plugin failed to start; the previous set was restarted and the configuration is unchanged');
      return refuse({ applied: false, failures: startFailures, reason: startFailures.map((f) => `${f.id}: ${f.reason}`).join('; ') });
    }
    this.started = started;
    this.registry.swap(started, []);
    await this.applyConfig(prev, loaded, mail);
    if (needsRestart.length) {
      this.logger.warn({ file, settings: needsRestart }, `config reload: ${needsRestart.join(', ')} changed in the config file and needs a restart (systemctl restart mailwarden); the running value stays`);
    }
    this.logger.info({ file: file ?? null, changed: live, plugins: started.map((p) => p.manifest.id) }, 'config and plugins reloaded');
    return { applied: true, failures: [], changed: live, needsRestart };
  }

  /** Takes the live sections of `loaded` into the running service; the others keep their running values. */
  private async applyConfig(prev: HostConfig, loaded: HostConfig, mail: MailTransport | undefined): Promise<void> {
    const next: Record<string, unknown> = { ...loaded };
    for (const k of Object.keys({ ...prev, ...loaded })) {
      if (this.needsRestart(k) && !['source', 'dataDirOrigin'].includes(k)) next[k] = (prev as unknown as Record<string, unknown>)[k];
    }
    // The queue tools hold this object: its contents change, not the reference.
    const pf = prev.postfix as unknown as Record<string, unknown>;
    for (const k of Object.keys(pf)) delete pf[k];
    Object.assign(pf, loaded.postfix);
    next.postfix = prev.postfix;
    this.current = next as unknown as HostConfig;
    // Only a queue already made can have looked its directory up (a Postfix one: other queues have none).
    const made = this.queueMade as Partial<PostfixQueue> | undefined;
    if (typeof made?.forgetQueueDirectory === 'function') made.forgetQueueDirectory();
    this.pipeline.setHookTimeoutMs(loaded.hookTimeoutMs);
    this.notifier.setDedupeMs(loaded.notify.dedupeMinutes * 60_000);
    if (mail !== this.mailTransport) {
      this.notifier.replaceTransport(this.mailTransport, mail);
      this.mailTransport?.dispose();
      this.mailTransport = mail;
    }
    for (const [section, apply] of this.appliers) {
      if (configSources().changedSettings((prev as unknown as Record<string, unknown>)[section], (loaded as unknown as Record<string, unknown>)[section]).length === 0) continue;
      try {
        await apply(this.current, prev);
      } catch (e) {
        this.logger.error({ section, err: (e as Error).message }, 'reload: a section could not be applied');
      }
    }
  }

  /** Stops services in reverse order of start, then closes the store. */
  async close(): Promise<void> {
    if (this.servicesRunning) await this.stopAll(this.started);
    this.started = [];
    this.settings.dispose();
    this.accounts.dispose();
    this.mail?.dispose();
    await this.store.close();
  }
}

/** What a reload reads the config with: loaded on the first reload, not by every command's App. */
function configSources(): typeof import('./config/config-sources') {
  return require('./config/config-sources') as typeof import('./config/config-sources');
}

/** Who gets host mail when the config names nobody: the default domain's postmaster. */
function adminDefaults(defaultDomain: string): { admin: string; from: string } {
  const d = normalizeDomain(defaultDomain);
  return { admin: `postmaster@${d}`, from: `mailwarden@${d}` };
}
