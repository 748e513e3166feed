import type { AuthAttempt, AuthOutcome } from './auth';
import type { MailEvent } from './mail';
import type { PasswordChange, Violation } from './password';
import type { RelayRequest } from './relay';
import type { Verdict } from './verdict';

/** What every hook call receives besides its subject. */
export interface HookContext<C = Record<string, unknown>> {
  readonly domain: string;
  /** The domain's validated config for this plugin, defaults filled in. Read-only. */
  readonly config: Readonly<C>;
  readonly plugin: string;
}

type MaybePromise<T> = T | Promise<T>;

/** A domain config the plugin refuses for a reason its JSON Schema cannot express. */
export interface ConfigProblem {
  /** JSON pointer to the offending setting, e.g. `/minLength`. */
  readonly path: string;
  /** Says what is wrong and what would be right. */
  readonly message: string;
  /** Short rule id; `plugin` when left out. */
  readonly rule?: string;
}

export const PluginHooks = Symbol('mailwarden.PluginHooks');
/**
 * The hooks a plugin implements; all optional. Bind one per plugin:
 * `bind(PluginHooks).to(MyHooks).inSingletonScope()`.
 * Hooks may answer synchronously; the host awaits only real promises.
 */
export interface PluginHooks<C = any> {
  /** Before the password is checked. Return nothing for no objection. */
  beforeAuth?(attempt: AuthAttempt, ctx: HookContext<C>): MaybePromise<Verdict | undefined | void>;
  /** After the mail server decided; every enabled plugin sees every report. */
  afterAuth?(attempt: AuthAttempt, outcome: AuthOutcome, ctx: HookContext<C>): MaybePromise<void>;
  /**
   * After a successful authentication, when the server asks again
   * (Dovecot `auth_policy_check_after_auth`): a deny fails the login.
   */
  afterSuccess?(attempt: AuthAttempt, ctx: HookContext<C>): MaybePromise<Verdict | undefined | void>;
  /** Every violation from every plugin is returned to the caller. */
  validatePassword?(change: PasswordChange, ctx: HookContext<C>): MaybePromise<readonly Violation[]>;
  /** Postfix policy: the first plugin that answers decides. Nothing = no opinion (DUNNO). */
  checkRelay?(request: RelayRequest, ctx: HookContext<C>): MaybePromise<Verdict | undefined | void>;
  onMail?(event: MailEvent, ctx: HookContext<C>): MaybePromise<void>;
  /** Called once a password change passed every policy and was applied. */
  passwordChanged?(change: PasswordChange, ctx: HookContext<C>): MaybePromise<void>;
  /**
   * Cross-field checks of a domain config (e.g. `maxLength >= minLength`),
   * called by the host after the configSchema passed, with defaults filled in.
   * Any problem refuses the config and nothing is written. Not a hook: it is
   * not listed in the manifest's `hooks` and runs whether or not the plugin is
   * enabled. Must be synchronous and side-effect free.
   */
  validateConfig?(config: Readonly<C>): readonly ConfigProblem[];
}

/** What part of the mail system a hook belongs to. */
export type HookPhase = 'auth' | 'password' | 'relay' | 'mail';

/**
 * How the answers of a hook's plugins combine (the chain runner, shared/hook-chain.ts, applies it):
 * - `most-severe`: every plugin is asked in priority order and the most severe
 *   verdict wins (ties: the longer delay); a `deny` ends the chain at once.
 * - `first-answer`: the first plugin that answers decides and ends the chain;
 *   nothing from anyone is no opinion.
 * - `collect`: every plugin is asked; their violations are concatenated.
 * - `all`: every plugin sees the event; answers are ignored.
 * A fault (throw, rejection, timeout) is no objection for a fail-open plugin
 * and a tempfail (or an `unavailable` violation) for a fail-closed one.
 */
export type HookRule = 'most-severe' | 'first-answer' | 'collect' | 'all';

export interface HookSpec {
  readonly phase: HookPhase;
  readonly rule: HookRule;
  /**
   * The host answers without a promise when the plan is built, no host lookup
   * is needed and every plugin answered synchronously (the Postfix gateway asks
   * per request). Plugins may always answer synchronously; this says whether
   * the host passes that on to its caller.
   */
  readonly syncAnswer: boolean;
}

/**
 * The hooks, in the order the manifest schema lists them. The manifest's
 * `hooks` enum and the pipeline's plan come from this table (a unit test
 * holds the schema to it).
 */
export const HOOKS = {
  beforeAuth: { phase: 'auth', rule: 'most-severe', syncAnswer: false },
  afterAuth: { phase: 'auth', rule: 'all', syncAnswer: false },
  afterSuccess: { phase: 'auth', rule: 'most-severe', syncAnswer: false },
  validatePassword: { phase: 'password', rule: 'collect', syncAnswer: false },
  checkRelay: { phase: 'relay', rule: 'first-answer', syncAnswer: true },
  onMail: { phase: 'mail', rule: 'all', syncAnswer: false },
  passwordChanged: { phase: 'password', rule: 'all', syncAnswer: false },
} as const satisfies Readonly<Record<string, HookSpec>>;

export type HookName = keyof typeof HOOKS;
export const HOOK_NAMES: readonly HookName[] = Object.freeze(Object.keys(HOOKS) as HookName[]);

/** A hook of PluginHooks missing from the table (or the reverse) fails to compile here. */
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : never;
const tableMatchesHooks: SameKeys<Omit<Required<PluginHooks>, 'validateConfig'>, typeof HOOKS> = true;
void tableMatchesHooks;

export interface ServiceContext {
  /** The plugin's id. */
  readonly plugin: string;
  /**
   * Effective config of every added domain that has this plugin enabled, plus
   * `*` (the global settings) when enabled globally. Read it when needed:
   * settings change while the service runs.
   */
  configs(): Promise<ReadonlyMap<string, Readonly<Record<string, unknown>>>>;
}

export const ServiceContribution = Symbol('mailwarden.ServiceContribution');
/**
 * Something a plugin runs on its own (a queue poller…). Started after load in
 * priority order, stopped in reverse; a start that takes longer than the
 * host's start timeout fails the plugin.
 */
export interface ServiceContribution {
  start(ctx: ServiceContext): Promise<void>;
  stop(): Promise<void>;
}

export interface CommandIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
  /** Who runs it, for the audit trail (`cli:<user>`). */
  readonly actor: string;
  /**
   * The plugin's effective config per domain, as a service sees it
   * (ServiceContext.configs). Optional: hosts before it was added do not lend it.
   */
  readonly configs?: ServiceContext['configs'];
}

/** A usage mistake: the CLI prints the message on one line and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const CommandContribution = Symbol('mailwarden.CommandContribution');
/** A `mailwarden <name> …` command contributed by a plugin. */
export interface CommandContribution {
  readonly name: string;
  readonly summary: string;
  /** Returns the exit code. Throw UsageError for bad arguments. */
  run(argv: readonly string[], io: CommandIO): Promise<number>;
}
