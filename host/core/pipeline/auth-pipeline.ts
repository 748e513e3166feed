import type {
  AuthAttempt,
  AuthOutcome,
  Clock,
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
import { VERDICT_SEVERITY } from '../../../shared';
import type { DomainSettings } from '../domains/domain-settings';
import { normalizeLogin } from '../login';
import type { PluginRegistry } from '../plugins/plugin-registry';
import { FAULT, type HookEntry, runHook } from './hook-runner';

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

type Plan = Readonly<Record<HookName, readonly HookEntry[]>>;

const EMPTY_PLAN_CACHE_LIMIT = 10_000;

/**
 * Runs the enabled plugins of a domain, in priority order, each in
 * isolation. The plan (which hooks of which plugins, with what config) is
 * computed once per domain and dropped when settings or the plugin set change.
 */
export class AuthPipeline {
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
    const plan: Record<HookName, HookEntry[]> = {
      beforeAuth: [], afterAuth: [], afterSuccess: [], validatePassword: [], checkRelay: [], onMail: [], passwordChanged: [],
    };
    for (const p of this.o.registry.active) {
      if (!p.hooks) continue;
      const eff = await this.o.settings.effective(domain, p);
      if (!eff.enabled) continue;
      const ctx = Object.freeze({ domain, config: eff.config, plugin: p.manifest.id });
      for (const h of p.manifest.hooks) {
        const fn = (p.hooks as Record<string, (...a: unknown[]) => unknown>)[h];
        plan[h].push({
          id: p.manifest.id,
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

  /** Sync answers come back as they are; `await` on them is then the only cost. */
  private run(entry: HookEntry, hook: HookName, args: unknown[]): unknown {
    return runHook(entry, hook, args, this.o.logger, this.o.metrics);
  }

  private faultVerdict(entry: HookEntry): Verdict | undefined {
    return entry.failClosed ? { action: 'tempfail', reason: `${entry.id} is unavailable`, plugin: entry.id } : undefined;
  }

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
    let best: Verdict | undefined;
    for (const e of plan[hook]) {
      let v = (await this.run(e, hook, [attempt])) as Verdict | undefined | typeof FAULT;
      if (v === FAULT) v = this.faultVerdict(e);
      if (!v) continue;
      if (v.plugin === undefined) v = { ...v, plugin: e.id };
      if (!best || VERDICT_SEVERITY[v.action] > VERDICT_SEVERITY[best.action] ||
          (v.action === best.action && (v.delaySeconds ?? 0) > (best.delaySeconds ?? 0))) best = v;
      if (v.action === 'deny') break;
    }
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
    for (const e of plan?.afterAuth ?? []) await this.run(e, 'afterAuth', [attempt, outcome]);
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
    if (!plan) return [unavailable('host', 'the password policy')];
    const out: Violation[] = [];
    for (const e of plan.validatePassword) {
      const r = await this.run(e, 'validatePassword', [change]);
      if (r === FAULT) {
        if (e.failClosed) out.push(unavailable(e.id, `the password policy (${e.id})`));
        continue;
      }
      for (const v of (r as Violation[] | undefined) ?? []) out.push({ ...v, plugin: e.id });
    }
    return out;
  }

  async passwordChanged(change: PasswordChange): Promise<void> {
    const plan = await this.planOrNothing(change.domain, 'passwordChanged');
    for (const e of plan?.passwordChanged ?? []) await this.run(e, 'passwordChanged', [change]);
  }

  /** Postfix policy: a locked sender is refused; else the first plugin with an answer decides. */
  async checkRelay(request: RelayRequest): Promise<Verdict | undefined> {
    return this.relayVerdict(request);
  }

  /**
   * checkRelay without a promise when nothing needs one (no login whose lock
   * must be looked up, the plan already built, hooks answering synchronously):
   * the Postfix gateway asks this for every request.
   */
  relayVerdict(request: RelayRequest): Verdict | undefined | Promise<Verdict | undefined> {
    if (this.stateDown()) return this.count('checkRelay', this.hostFault('checkRelay', new Error('state store unavailable (failClosed)')));
    const plan = request.saslUsername ? undefined : this.cachedPlan(request.domain);
    return plan ? this.runRelay(plan, request, 0) : this.relayAfterLookups(request);
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
    return this.runRelay(plan, request, 0);
  }

  /** The plan's checkRelay hooks from `from` on; synchronous as long as the hooks are. */
  private runRelay(plan: Plan, request: RelayRequest, from: number): Verdict | undefined | Promise<Verdict | undefined> {
    for (let i = from; i < plan.checkRelay.length; i++) {
      const e = plan.checkRelay[i];
      const r = this.run(e, 'checkRelay', [request]);
      // runHook's promises never reject (a fault comes back as FAULT).
      if (isPromise(r)) return r.then((v) => this.relayAnswer(e, v) ?? this.runRelay(plan, request, i + 1));
      const v = this.relayAnswer(e, r);
      if (v) return v;
    }
    if (this.stateDown()) return this.count('checkRelay', this.hostFault('checkRelay', new Error('state store became unavailable')));
    return undefined;
  }

  private relayAnswer(e: HookEntry, r: unknown): Verdict | undefined {
    let v = r as Verdict | undefined | typeof FAULT;
    if (v === FAULT) v = this.faultVerdict(e);
    if (!v) return undefined;
    return this.count('checkRelay', v.plugin === undefined ? { ...v, plugin: e.id } : v);
  }

  async onMail(event: MailEvent): Promise<void> {
    const plan = await this.planOrNothing(event.domain, 'onMail');
    for (const e of plan?.onMail ?? []) await this.run(e, 'onMail', [event]);
  }
}

function unavailable(plugin: string, what: string): Violation {
  const [fr, de] = [what.replace('the password policy', 'la politique de mot de passe'), what.replace('the password policy', 'die Passwortrichtlinie')];
  return {
    rule: 'unavailable',
    plugin,
    params: {},
    message: {
      en: `${what[0].toUpperCase()}${what.slice(1)} is unavailable; try again later.`,
      fr: `${fr[0].toUpperCase()}${fr.slice(1)} est indisponible ; réessayez plus tard.`,
      de: `${de[0].toUpperCase()}${de.slice(1)} ist nicht verfügbar; bitte später erneut versuchen.`,
    },
  };
}

function isPromise(r: unknown): r is Promise<unknown> {
  return r instanceof Promise;
}
