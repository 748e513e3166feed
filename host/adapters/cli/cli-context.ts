import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Clock, Metrics } from '../../../shared';
import { UsageError } from '../../../shared/hooks';
import type { App } from '../../core/app';
import type { LoaderOptions } from '../../core/plugins/plugin-loader';
import type { ConfigSources, HostConfig } from '../../core/config/host-config';
import type { DomainSettings } from '../../core/domains/domain-settings';
import type { QueueTools } from '../../tools/postfix/queue/queue-tools';
import type { HostAccountActions } from '../../core/services/account-actions';
import type { HostStore } from '../../core/state/host-store';
import { createCliLogger, createLightCliLogger } from '../../core/services/logger';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Options every command accepts, so several instances can run side by side. */
export const GLOBAL_OPTIONS: OptionSpec = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  'plugin-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
}

export interface Parsed {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: string[];
}

/** util.parseArgs, with its errors turned into one-line usage errors. */
export function parse(argv: readonly string[], options: OptionSpec, command: string): Parsed {
  try {
    const r = parseArgs({ args: [...argv], options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
    return { values: r.values as Parsed['values'], positionals: r.positionals };
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '').replace(/\n.*/s, '');
    throw new UsageError(`${command}: ${msg}`);
  }
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** What the quick commands (listings) need: the config, the store and the domains, without the App. */
export interface CliState {
  readonly config: HostConfig;
  readonly store: HostStore;
  readonly settings: DomainSettings;
  readonly clock: Clock;
}

/** The light path counts nothing: the service's metrics are the service's. */
const NO_METRICS: Metrics = { increment() {}, setGauge() {} };

/** The configuration and App a command works on, opened once per command. */
export class CliContext {
  private app: App | undefined;
  private state: CliState | undefined;
  private accounts: HostAccountActions | undefined;
  private queueTools: QueueTools | undefined;
  private readonly changed = new Set<string>();
  private unsubscribe: (() => void) | undefined;
  constructor(readonly io: Io, readonly parsed: Parsed, private readonly extra: ConfigSources['overrides'] = {}) {}

  get json(): boolean {
    return this.parsed.values.json === true;
  }

  get actor(): string {
    return `cli:${this.io.env.SUDO_USER || this.io.env.USER || safeUser()}`;
  }

  config(): HostConfig {
    // Loaded here, not at the top: commands that need no config (--version, help, logs scan) start without ajv.
    const { loadHostConfig } = require('../../core/config/host-config') as typeof import('../../core/config/host-config');
    return loadHostConfig({
      configFile: str(this.parsed, 'config'),
      dataDir: str(this.parsed, 'data-dir'),
      pluginDir: str(this.parsed, 'plugin-dir'),
      env: this.io.env,
      overrides: this.extra,
    });
  }

  /** Opens the store and loads plugins (without starting their services: a CLI command is not a server). */
  async open(options: { plugins?: boolean; only?: LoaderOptions['only'] } = {}): Promise<App> {
    if (!this.app) {
      const config = this.config();
      refuseStrayStore(config);
      // The CLI's own output is for people; its log goes to stderr and only warnings.
      const logger = createCliLogger(this.io.env.MAILWARDEN_LOG_LEVEL ?? 'warn', () => this.io.stderr, this.io.env);
      const { App } = await import('../../core/app');
      this.app = await App.open({ config, logger, command: true });
      // Every change is published on a channel; what this command changed is named at close.
      this.unsubscribe = this.app.store.subscribe((channel) => this.changed.add(channel));
      if (options.plugins !== false) await this.app.loadPlugins({ startServices: false, ...(options.only ? { only: options.only } : {}) });
    }
    return this.app;
  }

  /**
   * The App with plugin `id` loaded (and what it depends on), not the others:
   * a command about one plugin runs only that plugin's code. When no manifest
   * has that id, every plugin is loaded, so that the error names those there are.
   */
  async openFor(id: string | undefined): Promise<App> {
    if (id === undefined) return this.open();
    const app = await this.open({ only: (m) => m.id === id });
    if (!app.registry.get(id) && !app.registry.failures.some((f) => f.id === id)) await app.loadPlugins({ startServices: false });
    return app;
  }

  /**
   * The store and the domains without the App (no inversify, prom-client,
   * pino or plugins), for commands that only read or write the store and
   * must start quickly. Redis goes through the App (its schema check).
   */
  async openState(): Promise<CliState> {
    if (this.app) return this.app;
    if (this.state) return this.state;
    const config = this.config();
    if (config.state.backend === 'redis') return this.open({ plugins: false });
    refuseStrayStore(config);
    const { openStore } = require('../../core/state/open-store') as typeof import('../../core/state/open-store');
    const { DomainSettings } = require('../../core/domains/domain-settings') as typeof import('../../core/domains/domain-settings');
    const { SystemClock } = require('../../core/services/clock') as typeof import('../../core/services/clock');
    const { normalizeDomain } = require('../../../shared/address') as typeof import('../../../shared/address');
    const logger = createLightCliLogger(this.io.env.MAILWARDEN_LOG_LEVEL ?? 'warn', () => this.io.stderr, this.io.env);
    const store = openStore(config.state, config.dataDir, { logger, metrics: NO_METRICS });
    const clock = new SystemClock();
    const settings = new DomainSettings(store, clock, normalizeDomain(config.defaultDomain));
    this.unsubscribe = store.subscribe((channel) => this.changed.add(channel));
    this.state = { config, store, settings, clock };
    // As App.open does on a first start: the default domain exists.
    if ((await settings.listDomains()).length === 0) await settings.addDomain(settings.defaultDomain, 'mailwarden:first-start');
    return this.state;
  }

  /**
   * The light path with account actions: locks (lock, unlock, list) and
   * closing sessions (logout), which under the service's unit goes through
   * the privileged route, installed here as App does.
   */
  async openAccounts(): Promise<CliState & { readonly accounts: HostAccountActions }> {
    if (this.app) return this.app;
    const state = await this.openState();
    if ('accounts' in state) return state as CliState & { accounts: HostAccountActions };
    if (!this.accounts) {
      const { HostAccountActions } = require('../../core/services/account-actions') as typeof import('../../core/services/account-actions');
      installRoute(state.config);
      const logger = createLightCliLogger(this.io.env.MAILWARDEN_LOG_LEVEL ?? 'warn', () => this.io.stderr, this.io.env);
      this.accounts = new HostAccountActions(state.store, state.clock, logger, NO_METRICS, state.config.accounts.kickCommand);
    }
    return { ...state, accounts: this.accounts };
  }

  /**
   * The light path with the Postfix queue tools (queue list, hold, release,
   * purge), built as App builds them; postsuper goes through the privileged route.
   */
  async openQueue(): Promise<CliState & { readonly queueTools: QueueTools }> {
    if (this.app) return this.app;
    const state = await this.openState();
    if ('queueTools' in state) return state as CliState & { queueTools: QueueTools };
    if (!this.queueTools) {
      const { PostfixQueue } = require('../../tools/postfix/queue/postfix-queue') as typeof import('../../tools/postfix/queue/postfix-queue');
      const { QueueTools } = require('../../tools/postfix/queue/queue-tools') as typeof import('../../tools/postfix/queue/queue-tools');
      installRoute(state.config);
      const logger = createLightCliLogger(this.io.env.MAILWARDEN_LOG_LEVEL ?? 'warn', () => this.io.stderr, this.io.env);
      this.queueTools = new QueueTools(new PostfixQueue(state.config.postfix, state.clock, logger), state.config.postfix, state.clock);
    }
    return { ...state, queueTools: this.queueTools };
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    this.accounts?.dispose();
    if (this.state) await this.state.store.close();
    const app = this.app;
    await app?.close();
    const opened = app ?? this.state;
    if (opened && this.changed.size > 0) {
      // stderr, so that --json output stays one JSON document.
      const where = opened.store.backend === 'redis' ? 'the Redis store' : opened.store.backend === 'memory' ? 'memory only (nothing kept)' : `data directory ${opened.config.dataDir}`;
      this.io.stderr.write(`mailwarden: changed ${[...this.changed].sort().join(', ')} in ${where}\n`);
    }
  }

  out(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : text + '\n');
  }

  /** One document (a change's result, a report). */
  outJson(value: unknown): void {
    this.io.stdout.write(JSON.stringify(value, null, 2) + '\n');
  }

  /** A listing: one JSON object per line, like `postqueue -j`, so `jq` and line tools read it as it streams. */
  outJsonLines(items: Iterable<unknown>): void {
    let text = '';
    for (const item of items) text += JSON.stringify(item) + '\n';
    this.io.stdout.write(text);
  }
}

/**
 * A command run from the wrong directory must not answer "done" on a fresh,
 * empty store nobody reads (the service uses the configured one). Only the
 * `./data` fallback is fenced: a data directory named by a flag, the
 * environment or a config file is the one the admin asked for.
 */
function refuseStrayStore(config: HostConfig): void {
  if (config.dataDirOrigin !== 'default' || config.state.backend !== 'sqlite') return;
  const file = path.resolve(config.dataDir, config.state.file ?? 'mailwarden.db');
  if (fs.existsSync(file)) return;
  throw new UsageError(
    `no mailwarden state at ${file} and no configuration names a data directory (no --config, MAILWARDEN_CONFIG or /etc/mailwarden/mailwarden.json); ` +
      `refusing to create a new, empty store here. Pass --config FILE, or --data-dir ${config.dataDir} to create one in this directory`,
  );
}

/** As App does: root actions (kick, postsuper) go to mailwarden-privd when the config names its socket and we are not root. */
function installRoute(config: HostConfig): void {
  (require('../../tools/privileged/route') as typeof import('../../tools/privileged/route')).installPrivilegedRoute(config);
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}
