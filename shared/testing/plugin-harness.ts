import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import * as inversify from 'inversify';
import { Container, ContainerModule } from 'inversify';
import * as contract from '../index';
import { AdminRouteContribution, type AdminRoute } from '../admin-api';
import { type ChainResult, type HookFault, runChain } from '../hook-chain';
import { CommandContribution, type HookName, PluginHooks, ServiceContribution, type ServiceContext } from '../hooks';
import { HostSettings } from '../host-settings';
import { MailQueue, QueueActions } from '../queue';
import { AccountActions, Clock, Logger, Metrics, Notifier } from '../services';
import { StateStore } from '../state';
import { SystemActions } from '../system-actions';
import { FakeAccountActions, FakeMailQueue, RecordingQueueActions, RecordingSystemActions } from './fake-services';
import { ManualClock } from './manual-clock';
import { MemoryStateStore } from './memory-state-store';
import { RecordingLogger, RecordingMetrics, RecordingNotifier } from './recording';

/** The manifest fields the harness reads (the schema is shared/plugin-manifest.schema.json). */
export interface HarnessManifest {
  readonly id: string;
  readonly entry?: string;
  readonly hooks?: readonly HookName[];
  readonly configSchema: Record<string, unknown>;
  readonly timeoutMs?: number;
  readonly failurePolicy?: 'open' | 'closed';
  readonly [key: string]: unknown;
}

export interface HarnessOptions {
  /** The plugin folder: its manifest.json, and its module (built `entry`, else `index` from source). */
  readonly dir?: string;
  /** The manifest, when not read from `dir`. */
  readonly manifest?: HarnessManifest;
  /** The plugin's ContainerModule (or the module exporting it), when not loaded from `dir`. */
  readonly module?: unknown;
  /** Host-level settings (the config file's `plugins.<id>`); checked against the configSchema's host-level keys. */
  readonly hostSettings?: Readonly<Record<string, unknown>>;
  /** The global (`*`) config, validated and defaulted by the manifest's configSchema. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Replaces any service the harness lends, or adds one (`[Symbol, value]` pairs). */
  readonly services?: ReadonlyArray<readonly [symbol, unknown]>;
  /** A hook answer that outlives this is a fault (the host's default is 250 ms). */
  readonly hookTimeoutMs?: number;
  /** Shared with another harness: a restart is a second harness on the same clock and store. */
  readonly clock?: ManualClock;
  readonly store?: MemoryStateStore;
}

/**
 * A plugin loaded as the host loads it (its ContainerModule in a container
 * holding the services the host lends), with every service a fake a test can
 * read or move: like haraka-test-fixtures for Haraka. Hooks run through the
 * host's chain runner, so verdicts carry the plugin id and faults follow the
 * manifest's failure policy.
 */
export class PluginHarness {
  readonly clock: ManualClock;
  readonly store: MemoryStateStore;
  readonly logger = new RecordingLogger();
  readonly metrics = new RecordingMetrics();
  readonly notifier: RecordingNotifier;
  readonly accounts: FakeAccountActions;
  readonly system = new RecordingSystemActions();
  readonly queue = new FakeMailQueue();
  readonly queueActions = new RecordingQueueActions();
  /** Hook faults (throws, rejections, timeouts) in order. */
  readonly faults: HookFault[] = [];
  readonly container: Container;
  private readonly configs = new Map<string, Readonly<Record<string, unknown>>>();
  private readonly validate: ConfigValidator;

  private constructor(readonly manifest: HarnessManifest, private readonly hostSettings: Readonly<Record<string, unknown>>, private readonly hookTimeoutMs: number, o: HarnessOptions) {
    this.clock = o.clock ?? new ManualClock();
    this.store = o.store ?? new MemoryStateStore({ plugin: manifest.id });
    this.notifier = new RecordingNotifier(manifest.id);
    this.accounts = new FakeAccountActions(this.clock);
    this.validate = configValidator(manifest);
    this.container = new Container({ defaultScope: 'Singleton' });
  }

  /** Loads a plugin from its folder or from a module object; rejects with what is wrong (unknown setting, unimplemented hook…). */
  static async load(o: HarnessOptions): Promise<PluginHarness> {
    const manifest = o.manifest ?? (o.dir ? readManifest(o.dir) : undefined);
    if (!manifest) throw new Error('PluginHarness.load: give `dir` (a plugin folder) or `manifest`');
    const h = new PluginHarness(manifest, Object.freeze({ ...(o.hostSettings ?? {}) }), o.hookTimeoutMs ?? 250, o);
    const module = containerModuleOf(o.module ?? (o.dir ? loadModule(o.dir, manifest) : undefined), manifest.id);
    h.bindServices(o.services ?? []);
    await h.container.load(module);
    h.setConfig(o.config ?? {});
    for (const hook of manifest.hooks ?? []) {
      if (typeof (h.hooks as Record<string, unknown> | undefined)?.[hook] !== 'function') throw new Error(`${manifest.id}: manifest declares hook "${hook}" but the plugin does not implement it`);
    }
    return h;
  }

  private bindServices(extra: ReadonlyArray<readonly [symbol, unknown]>): void {
    const lent: Array<readonly [symbol, unknown]> = [
      [Clock, this.clock],
      [Logger, this.logger],
      [Metrics, this.metrics],
      [StateStore, this.store],
      [Notifier, this.notifier],
      [HostSettings, this.hostSettings],
      [AccountActions, this.accounts],
      [SystemActions, this.system],
      [MailQueue, this.queue],
      [QueueActions, this.queueActions],
    ];
    const replaced = new Set(extra.map(([s]) => s));
    // A pair with `undefined` leaves the service unbound: a host that does not lend it.
    for (const [s, v] of [...lent.filter(([s]) => !replaced.has(s)), ...extra]) if (v !== undefined) this.container.bind(s).toConstantValue(v);
  }

  /** The plugin's PluginHooks, or undefined when it binds none. */
  get hooks(): contract.PluginHooks | undefined {
    return this.container.isBound(PluginHooks) ? this.container.get<contract.PluginHooks>(PluginHooks) : undefined;
  }

  get services(): ServiceContribution[] {
    return this.container.isBound(ServiceContribution) ? this.container.getAll<ServiceContribution>(ServiceContribution) : [];
  }

  get commands(): CommandContribution[] {
    return this.container.isBound(CommandContribution) ? this.container.getAll<CommandContribution>(CommandContribution) : [];
  }

  get adminRoutes(): AdminRoute[] {
    return this.container.isBound(AdminRouteContribution) ? this.container.getAll<AdminRouteContribution>(AdminRouteContribution).flatMap((c) => c.routes) : [];
  }

  /** Anything bound in the plugin's container (one of its own classes, a lent service). */
  get<T>(id: symbol | (abstract new (...a: never[]) => T)): T {
    return this.container.get<T>(id as symbol);
  }

  /**
   * Sets the config of `domain` (`*`: the global one) as the host would hand
   * it: host-level settings merged in, validated by the configSchema with its
   * defaults filled, passed through the plugin's validateConfig, frozen.
   * Throws naming every problem, and then changes nothing.
   */
  setConfig(config: Readonly<Record<string, unknown>>, domain = '*'): Readonly<Record<string, unknown>> {
    const c = structuredClone({ ...config, ...this.hostSettings }) as Record<string, unknown>;
    const problems = this.validate(c);
    const hooks = this.container.isBound(PluginHooks) ? this.hooks : undefined;
    if (!problems.length && hooks?.validateConfig) problems.push(...hooks.validateConfig(c).map((p) => `${p.path} ${p.message}`));
    if (problems.length) throw new Error(`${this.manifest.id} config for ${domain}: ${problems.join('; ')}`);
    const frozen = deepFreeze(c);
    this.configs.set(domain, frozen);
    return frozen;
  }

  /** The config a hook of `domain` sees: the domain's own, else the global one. */
  config(domain = '*'): Readonly<Record<string, unknown>> {
    return this.configs.get(domain) ?? this.configs.get('*')!;
  }

  /**
   * Runs one hook as the host's pipeline does: through the chain runner, with
   * the config of the subject's domain, the manifest's failure policy and
   * timeout. As in the host, a locked account (see `accounts`) is refused
   * before the plugin is asked (beforeAuth, afterSuccess, and checkRelay of a
   * SASL login). Synchronous when the hook answered synchronously and no lock
   * had to be looked up. `extra` is afterAuth's outcome.
   */
  run<H extends HookName>(hook: H, subject: HookSubject<H>, extra?: unknown): ChainResult<H> | Promise<ChainResult<H>> {
    const fn = (this.hooks as Record<string, ((...a: unknown[]) => unknown) | undefined> | undefined)?.[hook];
    if (!fn) throw new Error(`${this.manifest.id} does not implement ${hook}`);
    const domain = (subject as { domain?: string }).domain ?? '*';
    const entry = {
      plugin: this.manifest.id,
      fn: fn.bind(this.hooks),
      ctx: Object.freeze({ domain, config: this.config(domain), plugin: this.manifest.id }),
      timeoutMs: this.manifest.timeoutMs ?? this.hookTimeoutMs,
      failClosed: this.manifest.failurePolicy === 'closed',
    };
    const chain = () => runChain(hook, [entry], subject, extra, (f) => void this.faults.push(f));
    const login = hook === 'checkRelay' ? (subject as { saslUsername?: string }).saslUsername : hook === 'beforeAuth' || hook === 'afterSuccess' ? (subject as { login?: string }).login : undefined;
    if (!login || this.accounts.locks.size === 0) return chain();
    return this.accounts.isLocked(login).then((lock) => (lock ? ({ action: 'deny', reason: `account locked: ${lock.reason}`, plugin: 'host' } as ChainResult<H>) : chain()));
  }

  /** What a service's `start` gets: the configs per domain set so far (`*` included). */
  serviceContext(): ServiceContext {
    return { plugin: this.manifest.id, configs: async () => new Map(this.configs) };
  }

  /** Starts the plugin's services, in order. */
  async start(): Promise<void> {
    for (const s of this.services) await s.start(this.serviceContext());
  }

  /** Stops them in reverse order. */
  async stop(): Promise<void> {
    for (const s of [...this.services].reverse()) await s.stop();
  }

  /** Runs a contributed command; what it printed comes back with its exit code. */
  async command(name: string, argv: readonly string[], o: { stdin?: string; actor?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    const c = this.commands.find((x) => x.name === name);
    if (!c) throw new Error(`${this.manifest.id} contributes no command "${name}" (it has: ${this.commands.map((x) => x.name).join(', ') || 'none'})`);
    const out = { stdout: '', stderr: '' };
    const sink = (k: 'stdout' | 'stderr') => new PassThrough().on('data', (d: Buffer) => (out[k] += d.toString('utf8')));
    const code = await c.run(argv, { stdout: sink('stdout'), stderr: sink('stderr'), stdin: Readable.from([o.stdin ?? '']), actor: o.actor ?? 'cli:test', configs: this.serviceContext().configs });
    return { code, ...out };
  }
}

type ConfigValidator = (config: Record<string, unknown>) => string[];

/** What a hook is called with first: an AuthAttempt, a RelayRequest, a PasswordChange, a MailEvent. */
export type HookSubject<H extends HookName> = Parameters<NonNullable<contract.PluginHooks[H]>>[0];

/**
 * What the manifest's configSchema says of `config` (`/minLength must be >= 1`…),
 * with its defaults filled into `config` as the host fills them; empty when it passes.
 */
export function configSchemaProblems(manifest: Pick<HarnessManifest, 'configSchema'>, config: Record<string, unknown>): string[] {
  return configValidator(manifest as HarnessManifest)(config);
}

/** ajv as the host compiles configSchemas: all errors, strict, defaults filled in, the `hostLevel` keyword known. */
function configValidator(manifest: HarnessManifest): ConfigValidator {
  const Ajv = (require('ajv') as { default: new (o: object) => AjvLike }).default;
  const addFormats = (require('ajv-formats') as { default: (a: AjvLike) => void }).default;
  const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: true });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'hostLevel', schemaType: 'boolean' });
  const v = ajv.compile(manifest.configSchema);
  return (c) => (v(c) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`));
}

interface AjvLike {
  addKeyword(k: object): void;
  compile(s: object): ((d: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string; params?: Record<string, unknown> }> | null };
}

function readManifest(dir: string): HarnessManifest {
  const file = path.join(dir, 'manifest.json');
  let m: HarnessManifest;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8')) as HarnessManifest;
  } catch (e) {
    throw new Error(`${file}: cannot be read as JSON: ${(e as Error).message}`);
  }
  if (!m || typeof m.id !== 'string' || typeof m.configSchema !== 'object') throw new Error(`${file}: needs an "id" and a "configSchema"`);
  return m;
}

/**
 * The built bundle named by the manifest's `entry` when there is one (with the
 * contract and inversify handed in, as the host does), else `index` from
 * source (a test runner that compiles TypeScript loads plugins/<id>/index.ts).
 */
function loadModule(dir: string, manifest: HarnessManifest): unknown {
  const built = manifest.entry ? path.join(dir, manifest.entry) : undefined;
  if (!built || !fs.existsSync(built)) return require(path.resolve(dir, 'index'));
  const hostModules: Record<string, unknown> = { '@mailwarden/shared': contract, inversify, 'reflect-metadata': {} };
  const own = require('node:module').createRequire(built) as NodeJS.Require;
  const mod = { exports: {} as unknown };
  const fn = new Function('exports', 'require', 'module', '__filename', '__dirname', `${fs.readFileSync(built, 'utf8')}\n//# sourceURL=${built}`);
  fn.call(mod.exports, mod.exports, (id: string) => (id in hostModules ? hostModules[id] : own(id)), mod, built, dir);
  return mod.exports;
}

function containerModuleOf(exported: unknown, id: string): ContainerModule {
  if (exported instanceof ContainerModule) return exported;
  const ex = exported as { default?: unknown; containerModule?: unknown } | undefined;
  const m = [ex?.default, ex?.containerModule].find((x) => x instanceof ContainerModule);
  if (!m) throw new Error(`${id}: no ContainerModule (export one as default or as "containerModule")`);
  return m as ContainerModule;
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreeze(x);
  }
  return v;
}

/** Shorthand for `PluginHarness.load`. */
export function loadPlugin(o: HarnessOptions): Promise<PluginHarness> {
  return PluginHarness.load(o);
}
