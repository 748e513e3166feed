import { inject, injectable } from 'inversify';
import {
  type AuthAttempt,
  type AuthOutcome,
  type Block,
  Clock,
  type HookContext,
  Logger,
  Metrics,
  Notifier,
  type PluginHooks,
  StateStore,
  type Verdict,
} from '../../shared';
import { type BruteforceConfig, type Settings, settingsOf } from './config';
import { activeBlock, isOwnerOnKnownNetwork, pairFailureCount, recordFailure, recordSuccess } from './rules';
import { isTrusted, type Subject, subjectOf } from './subject';

type Ctx = HookContext<BruteforceConfig>;

/** Failures the mail server had no part in deciding are not guesses. */
const NOT_COUNTED = new Set(['internal', 'policy']);

@injectable()
export class BruteforceHooks implements PluginHooks<BruteforceConfig> {
  private seq = 0;
  private readonly warnedConfigs = new WeakSet<object>();

  constructor(
    @inject(StateStore) private readonly store: StateStore,
    @inject(Clock) private readonly clock: Clock,
    @inject(Notifier) private readonly notifier: Notifier,
    @inject(Metrics) private readonly metrics: Metrics,
    @inject(Logger) private readonly logger: Logger,
  ) {}

  beforeAuth(a: AuthAttempt, ctx: Ctx): Promise<Verdict | undefined> {
    return this.decide(a, ctx, true);
  }

  /** The same blocks apply after a successful password check (a block may have started meanwhile). */
  afterSuccess(a: AuthAttempt, ctx: Ctx): Promise<Verdict | undefined> {
    return this.decide(a, ctx, false);
  }

  private settings(ctx: Ctx): Settings {
    const s = settingsOf(ctx.config);
    if (s.badTrusted.length && !this.warnedConfigs.has(ctx.config)) {
      this.warnedConfigs.add(ctx.config);
      this.logger.warn({ domain: ctx.domain, ignored: s.badTrusted }, 'trustedNetworks entries that are not networks are ignored');
    }
    return s;
  }

  private async decide(a: AuthAttempt, ctx: Ctx, tarpit: boolean): Promise<Verdict | undefined> {
    const s = this.settings(ctx);
    if (isTrusted(a.remoteIp, s)) return undefined;
    const subj = subjectOf(a, s);
    const now = this.clock.now();
    const block = await activeBlock(this.store, subj, s, now, a.pwhash);
    // One answer whether or not the user exists: the reply must not tell them apart.
    if (block) return { action: 'deny', reason: `blocked: ${block.reason}` };
    if (tarpit && s.tarpitSeconds > 0) {
      const failures = await pairFailureCount(this.store, subj, s, now);
      // On a known network the pair's failures may be a neighbour's (a success there no longer resets them): they slow the neighbour, not the owner.
      // Asked only when there are failures, the one case where it changes the answer: it takes up to three store reads (disk reads on SQLite).
      if (failures > 0 && !(await isOwnerOnKnownNetwork(this.store, subj, s, now, a.pwhash))) {
        return { action: 'delay', reason: `${failures} recent failed login(s)`, delaySeconds: s.tarpitSeconds * failures };
      }
    }
    return undefined;
  }

  async afterAuth(a: AuthAttempt, outcome: AuthOutcome, ctx: Ctx): Promise<void> {
    // Our own refusals are not guesses: the password was never checked.
    if (outcome.policyReject) return;
    const s = this.settings(ctx);
    if (isTrusted(a.remoteIp, s)) return;
    const subj = subjectOf(a, s);
    const now = this.clock.now();
    if (outcome.success) {
      await recordSuccess(this.store, subj, s, now, a.pwhash);
      return;
    }
    if (outcome.failType !== undefined && NOT_COUNTED.has(outcome.failType)) return;
    // Without a password hash (log follower) every failure is a distinct guess.
    const member = a.pwhash ?? `#${now.toString(36)}.${(this.seq++).toString(36)}`;
    const r = await recordFailure(this.store, subj, member, s, now);
    this.metrics.increment('bruteforce_failures', { domain: subj.domain });
    for (const b of r.blocks) this.announce(b, subj, s);
  }

  private announce(b: Block, subj: Subject, s: Settings): void {
    const kind = String(b.data?.kind);
    const minutes = Math.round((b.expiresAt - b.createdAt) / 60_000);
    this.metrics.increment('bruteforce_blocks', { kind });
    this.logger.warn({ domain: b.domain, login: b.login, network: b.network, kind, strikes: b.strikes, minutes }, 'brute force: blocked');
    if (!s.notify) return;
    const who =
      kind === 'network' ? `network ${subj.net} (except for logins it is a known network of)`
      : kind === 'login' ? `${subj.login} (except its known networks)`
      : kind === 'device' ? `${subj.login} from one device on ${subj.net}`
      : `${subj.login} from ${subj.net}`;
    this.notifier
      .notify({
        subject: `Brute force: ${who} blocked for ${minutes} min`,
        text: `${b.reason}.\nBlocked: ${who}\nUntil: ${new Date(b.expiresAt).toISOString()}\nStrike: ${b.strikes}\nLift it with: mailwarden blocks clear ${kind === 'network' ? `--ip ${subj.net.split('/')[0]}` : `--login ${subj.login}`} --domain ${b.domain}`,
        severity: 'warning',
        kind: 'block',
        domain: b.domain,
        data: { key: b.key, kind, login: b.login, network: b.network, strikes: b.strikes, expiresAt: b.expiresAt },
        dedupeKey: `password-bruteforce:${b.domain}:${kind}:${kind === 'network' ? subj.net : subj.login}`,
      })
      .catch((e: unknown) => this.logger.error({ err: (e as Error).message }, 'block notification failed'));
  }
}
