import type {
  AuthAttempt,
  AuthOutcome,
  ChainEntry,
  Clock,
  FaultListener,
  HookName,
  Logger,
  MailEvent,
  Metrics,
  PasswordChange,
  Protocol,
  RelayRequest,
  Verdict,
  Violation,
  AccountActions,
} from '../../../shared';
import { HOOK_NAMES, runChain, unavailableViolation } from '../../../shared';
import type { DomainSettings } from '../domains/domain-settings';
import { normalizeLogin } from '../../../shared/address';
import type { PluginRegistry } from '../plugins/plugin-registry';

/** An attempt as a gateway received it, before normalisation. */
export interface RawAttempt {
  login: string;
  remoteIp: string;
  protocol: Protocol;
  pwhash?: string;
  deviceId?: string;
  sessionId?: string;
  tls?: boolean;
}

export interface PipelineOptions {
  readonly registry: PluginRegistry;
  readonly settings: DomainSettings;
  readonly accounts: AccountActions;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly hookTimeoutMs: number;
  /** Bans placed by hand (`blocks add`), refused like a locked account before any plugin runs. */
  readonly adminBans?: { verdict(domain: string, login: string, remoteIp: string): Promise<Verdict | undefined> };
  /** True while the state store refuses calls (down and failing closed): decisions then tempfail. */
  readonly stateUnavailable?: () => boolean;
}

type Plan = Readonly<Record<HookName, readonly ChainEntry[]>>;

const EMPTY_PLAN_CACHE_LIMIT = 10_000;

/**
 * Runs the seven hooks of a domain's enabled plugins, in priority order, each
 * under its combining rule (the contract's HOOKS table, applied by runChain).
 * The plan (which hooks of which plugins, with what config) is computed once
 * per domain and dropped when settings or the plugin set change.
 */
export class HookPipeline {
  private plans = new Map<string, Plan>();
  private planGen = -1;
  private hookTimeoutMs: number;

  constructor(private readonly o: PipelineOptions) {
    this.hookTimeoutMs = o.hookTimeoutMs;
    o.registry.onSwap(() => this.invalidate());
    o.settings.onInvalidate(() => this.invalidate());
  }

  /** A reload's new default hook timeout; plans hold the old one, so they are rebuilt. */
  setHookTimeoutMs(ms: number): void {
    this.hookTimeoutMs = ms;
    this.invalidate();
  }

  invalidate(): void {
    this.plans = new Map();
  }

  get defaultDomain(): string {
    return this.o.settings.defaultDomain;
  }

  /** Normalises a gateway's attempt (throws LoginError on an unusable login). */
  attempt(raw: RawAttempt): AuthAttempt {
    const { login, domain } = normalizeLogin(raw.login, this.o.settings.defaultDomain);
    const a: { -readonly [K in keyof AuthAttempt]: AuthAttempt[K] } = { domain, login, remoteIp: raw.remoteIp, protocol: raw.protocol, at: this.o.clock.now() };
    if (raw.pwhash !== undefined) a.pwhash = raw.pwhash;
    if (raw.deviceId !== undefined) a.deviceId = raw.deviceId;
    if (raw.sessionId !== undefined) a.sessionId = raw.sessionId;
    if (raw.tls !== undefined) a.tls = raw.tls;
    return a;
  }

  /** The plan when it is already built: the common case, answered without a promise. */
  private cachedPlan(domain: string): Plan | undefined {
    if (this.planGen !== this.o.registry.generation) {
      this.plans = new Map();
      this.planGen = this.o.registry.generation;
    }
    return this.plans.get(domain);
  }

  private async plan(domain: string): Promise<Plan> {
    const cached = this.cachedPlan(domain);
    if (cached) return cached;
    const plan = Object.fromEntries(HOOK_NAMES.map((h) => [h, [] as ChainEntry[]])) as Record<HookName, ChainEntry[]>;
    for (const p of this.o.registry.active) {
      if (!p.hooks) continue;
      const eff = await this.o.settings.effective(domain, p);
      if (!eff.enabled) continue;
      const ctx = Object.freeze({ domain, config: eff.config, plugin: p.manifest.id });
      for (const h of p.manifest.hooks) {
        const fn = (p.hooks as Record<string, (...a: unknown[]) => unknown>)[h];
        plan[h].push({
          plugin: p.manifest.id,
          fn: fn.bind(p.hooks),
          ctx,
          timeoutMs: p.manifest.timeoutMs ?? this.hookTimeoutMs,
          failClosed: p.manifest.failurePolicy === 'closed',
        });
      }
    }
    // Unknown domains (attackers invent them) each get a plan; bound how many are kept.
    if (this.plans.size >= EMPTY_PLAN_CACHE_LIMIT) this.plans = new Map();
    this.plans.set(domain, plan);
    return plan;
  }

  /** A plugin's fault, logged and counted; the chain applies its failure policy. */
  private readonly onFault: FaultListener = (f) => {
    this.o.metrics.increment('plugin_faults', { plugin: f.plugin, hook: f.hook, kind: f.kind });
    this.o.logger.error({ plugin: f.plugin, hook: f.hook, kind: f.kind, err: f.message }, `plugin ${f.kind}`);
  };

  private async lockedVerdict(login: string): Promise<Verdict | undefined> {
    const lock = await this.o.accounts.isLocked(login);
    return lock ? { action: 'deny', reason: `account locked: ${lock.reason}`, plugin: 'host' } : undefined;
  }

  /**
   * Before the password is checked: a locked account is refused before any
   * plugin runs; otherwise the most severe verdict wins and a deny ends the chain.
   */
  async beforeAuth(attempt: AuthAttempt): Promise<Verdict> {
    return this.decide(attempt, 'beforeAuth');
  }

  /** After a successful authentication (Dovecot's second `allow`): a deny fails the login. */
  async afterSuccess(attempt: AuthAttempt): Promise<Verdict> {
    return this.decide(attempt, 'afterSuccess');
  }

  /**
   * The answer when the host itself cannot decide: locks and settings are read
   * outside plugin isolation, and a store that fails (or is down and fails
   * closed) must give a tempfail, never a crash.
   */
  private hostFault(hook: string, e: unknown): Verdict {
    this.o.metrics.increment('host_faults', { hook });
    this.o.logger.error({ hook, err: (e as Error)?.message ?? String(e) }, 'cannot decide: the state store failed; answering tempfail');
    return { action: 'tempfail', reason: 'state store unavailable', plugin: 'host' };
  }

  private stateDown(): boolean {
    return this.o.stateUnavailable?.() ?? false;
  }

  private async decide(attempt: AuthAttempt, hook: 'beforeAuth' | 'afterSuccess'): Promise<Verdict> {
    if (this.stateDown()) return this.count(hook, this.hostFault(hook, new Error('state store unavailable (failClosed)')));
    let plan: Plan;
    try {
      const locked = (await this.lockedVerdict(attempt.login)) ?? (await this.o.adminBans?.verdict(attempt.domain, attempt.login, attempt.remoteIp));
      if (locked) return this.count(hook, locked);
      plan = await this.plan(attempt.domain);
    } catch (e) {
      return this.count(hook, this.hostFault(hook, e));
    }
    const best = await runChain(hook, plan[hook], attempt, undefined, this.onFault);
    // The store went down (failing closed) while plugins ran: their fail-open answers do not count.
    if (best?.action !== 'deny' && this.stateDown()) return this.count(hook, this.hostFault(hook, new Error('state store became unavailable')));
    return this.count(hook, best ?? { action: 'allow', reason: 'no objection', plugin: 'host' });
  }

  private count(hook: string, v: Verdict): Verdict {
    this.o.metrics.increment('auth_decisions', { hook, verdict: v.action, plugin: v.plugin ?? 'host' });
    if (hook === 'checkRelay') {
      const kind = v.action === 'hold' ? 'mails_held' : v.action === 'tempfail' || v.action === 'delay' ? 'mails_deferred' : undefined;
      if (kind) this.o.metrics.increment(kind, { plugin: v.plugin ?? 'host' });
    }
    return v;
  }

  /** The mail server's report of how the attempt ended; every enabled plugin sees it. */
  async afterAuth(attempt: AuthAttempt, outcome: AuthOutcome): Promise<void> {
    const plan = await this.planOrNothing(attempt.domain, 'afterAuth');
    if (plan) await runChain('afterAuth', plan.afterAuth, attempt, outcome, this.onFault);
  }

  /** For hooks with no answer to give: when settings cannot be read, the event is logged and dropped. */
  private async planOrNothing(domain: string, hook: string): Promise<Plan | undefined> {
    if (this.stateDown()) {
      this.hostFault(hook, new Error('state store unavailable (failClosed)'));
      return undefined;
    }
    try {
      return await this.plan(domain);
    } catch (e) {
      this.hostFault(hook, e);
      return undefined;
    }
  }

  /** Every violation from every enabled plugin, each tagged with its plugin. */
  async validatePassword(change: PasswordChange): Promise<Violation[]> {
    const plan = await this.planOrNothing(change.domain, 'validatePassword');
    if (!plan) return [unavailableViolation('host', 'the password policy')];
    return runChain('validatePassword', plan.validatePassword, change, undefined, this.onFault);
  }

  async passwordChanged(change: PasswordChange): Promise<void> {
    const plan = await this.planOrNothing(change.domain, 'passwordChanged');
    if (plan) await runChain('passwordChanged', plan.passwordChanged, change, undefined, this.onFault);
  }

  /**
   * Postfix policy: a locked sender is refused; else the first plugin with an
   * answer decides. Without a promise when nothing needs one (no login whose
   * lock must be looked up, the plan already built, hooks answering
   * synchronously): the Postfix gateway asks this for every request.
   */
  checkRelay(request: RelayRequest): Verdict | undefined | Promise<Verdict | undefined> {
    if (this.stateDown()) return this.count('checkRelay', this.hostFault('checkRelay', new Error('state store unavailable (failClosed)')));
    const plan = request.saslUsername ? undefined : this.cachedPlan(request.domain);
    return plan ? this.runRelay(plan, request) : this.relayAfterLookups(request);
  }

  private async relayAfterLookups(request: RelayRequest): Promise<Verdict | undefined> {
    let plan: Plan;
    try {
      const locked = request.saslUsername ? await this.lockedVerdict(request.saslUsername) : undefined;
      if (locked) return this.count('checkRelay', locked);
      plan = await this.plan(request.domain);
    } catch (e) {
      return this.count('checkRelay', this.hostFault('checkRelay', e));
    }
    return this.runRelay(plan, request);
  }

  private runRelay(plan: Plan, request: RelayRequest): Verdict | undefined | Promise<Verdict | undefined> {
    const r = runChain('checkRelay', plan.checkRelay, request, undefined, this.onFault);
    return r instanceof Promise ? r.then((v) => this.relayAnswer(v)) : this.relayAnswer(r);
  }

  private relayAnswer(v: Verdict | undefined): Verdict | undefined {
    if (v) return this.count('checkRelay', v);
    if (this.stateDown()) return this.count('checkRelay', this.hostFault('checkRelay', new Error('state store became unavailable')));
    return undefined;
  }

  async onMail(event: MailEvent): Promise<void> {
    const plan = await this.planOrNothing(event.domain, 'onMail');
    if (plan) await runChain('onMail', plan.onMail, event, undefined, this.onFault);
  }
}
