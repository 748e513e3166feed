import { inject, injectable } from 'inversify';
import {
  Clock,
  Logger,
  StateStore,
  networkOf,
  type HookContext,
  type MailEvent,
  type PluginHooks,
  type RelayRequest,
  type Verdict,
} from '../../shared';
import { ACTION_VERDICT, isTrustedClient, limitsFor, type Limits, type RateLimitConfig } from './config';
import { DAY, HOUR, K, subjectOfClient, subjectOfLogin } from './keys';
import { Remediation, type Trigger } from './remediation';

/** Whom a request is counted against. */
interface Sender {
  readonly subject: string;
  readonly login?: string;
  readonly limits: Limits;
}

type Ctx = HookContext<RateLimitConfig>;

const SAMPLE_RECIPIENTS = 20;

/**
 * Counts what each account (or trusted unauthenticated client) sends and
 * answers the Postfix policy: recipients at RCPT, messages at END-OF-MESSAGE.
 * Under the limits it has no opinion (DUNNO), so later checks still run.
 */
@injectable()
export class RateLimitHooks implements PluginHooks<RateLimitConfig> {
  constructor(
    @inject(StateStore) private readonly store: StateStore,
    @inject(Clock) private readonly clock: Clock,
    @inject(Logger) private readonly logger: Logger,
    @inject(Remediation) private readonly remediation: Remediation,
  ) {}

  private sender(login: string | undefined, clientAddress: string | undefined, ctx: Ctx): Sender | undefined {
    if (login) return { subject: subjectOfLogin(login), login, limits: limitsFor(ctx.config, login, ctx.domain) };
    if (clientAddress && isTrustedClient(ctx.config, clientAddress)) {
      return { subject: subjectOfClient(clientAddress), limits: limitsFor(ctx.config, undefined, ctx.domain) };
    }
    return undefined;
  }

  async checkRelay(req: RelayRequest, ctx: Ctx): Promise<Verdict | undefined> {
    const s = this.sender(req.saslUsername, req.clientAddress, ctx);
    if (!s) return undefined;
    const state = req.protocolState.toUpperCase();
    if (state === 'RCPT') return this.onRecipient(s, req, ctx);
    if (state === 'END-OF-MESSAGE') return this.onEndOfMessage(s, req, ctx);
    return undefined;
  }

  /** Distinct client networks (and addresses, for the evidence) per hour; too many is a compromise on its own. */
  private async networkCheck(s: Sender, clientAddress: string | undefined, now: number, ctx: Ctx): Promise<Trigger | undefined> {
    if (!s.login || !clientAddress) return undefined;
    const net = networkOf(clientAddress, ctx.config.networkPrefixV4, ctx.config.networkPrefixV6);
    if (!net) return undefined;
    await this.store.addDistinct(K.clients(s.subject), clientAddress, HOUR, now);
    const n = await this.store.addDistinct(K.networks(s.subject), net, HOUR, now);
    return n > s.limits.networksPerHour ? { limit: 'networksPerHour', count: n, max: s.limits.networksPerHour } : undefined;
  }

  private async onRecipient(s: Sender, req: RelayRequest, ctx: Ctx): Promise<Verdict | undefined> {
    const now = req.at;
    const L = s.limits;
    const f = ctx.config.compromiseFactor;
    const netTrigger = await this.networkCheck(s, req.clientAddress, now, ctx);
    const triesHour = await this.store.hit(K.tryRcptHour(s.subject), HOUR, now);
    const triesDay = await this.store.hit(K.tryRcptDay(s.subject), DAY, now);
    if (req.sender) await this.store.addDistinct(K.senders(s.subject), req.sender.toLowerCase(), DAY, now);
    const rh = await this.store.count(K.rcptHour(s.subject), HOUR, now);
    const rd = await this.store.count(K.rcptDay(s.subject), DAY, now);
    const mh = await this.store.count(K.msgHour(s.subject), HOUR, now);
    let over: Trigger | undefined;
    if (rh + 1 > L.recipientsPerHour) over = { limit: 'recipientsPerHour', count: rh, max: L.recipientsPerHour };
    else if (rd + 1 > L.recipientsPerDay) over = { limit: 'recipientsPerDay', count: rd, max: L.recipientsPerDay };
    else if (mh >= L.messagesPerHour) over = { limit: 'messagesPerHour', count: mh, max: L.messagesPerHour };
    if (!over && !netTrigger) {
      await this.store.hit(K.rcptHour(s.subject), HOUR, now);
      await this.store.hit(K.rcptDay(s.subject), DAY, now);
      return undefined;
    }
    if (req.recipient) await this.recordSample(s, req.recipient, now);
    const compromise =
      netTrigger ??
      (triesHour > L.recipientsPerHour * f ? { limit: 'recipientsPerHour', count: triesHour, max: L.recipientsPerHour, attempts: true } : undefined) ??
      (triesDay > L.recipientsPerDay * f ? { limit: 'recipientsPerDay', count: triesDay, max: L.recipientsPerDay, attempts: true } : undefined);
    return this.refuse(s, over ?? netTrigger!, compromise, req.clientAddress, ctx, now);
  }

  private async onEndOfMessage(s: Sender, req: RelayRequest, ctx: Ctx): Promise<Verdict | undefined> {
    const now = req.at;
    const L = s.limits;
    const tries = await this.store.hit(K.tryMsgHour(s.subject), HOUR, now);
    const mh = await this.store.count(K.msgHour(s.subject), HOUR, now);
    // Counted here, whatever the answer: a message this answer holds is still
    // reported to onMail as accepted (it is in the hold queue), and must not be counted again there.
    if (req.queueId) await this.recordQueued(s, req.queueId, now);
    if (mh + 1 <= L.messagesPerHour) {
      await this.store.hit(K.msgHour(s.subject), HOUR, now);
      return undefined;
    }
    const over: Trigger = { limit: 'messagesPerHour', count: mh, max: L.messagesPerHour };
    const compromise = tries > L.messagesPerHour * ctx.config.compromiseFactor ? { ...over, count: tries, attempts: true } : undefined;
    return this.refuse(s, over, compromise, req.clientAddress, ctx, now);
  }

  private async recordQueued(s: Sender, queueId: string, now: number): Promise<void> {
    await this.store.addDistinct(K.queued(s.subject), queueId, DAY, now);
    await this.store.set(K.seenQueueId(queueId), 1, now + DAY);
  }

  private async recordSample(s: Sender, recipient: string, now: number): Promise<void> {
    const key = K.sample(s.subject);
    const sample = (await this.store.get<string[]>(key, now)) ?? [];
    if (sample.length < SAMPLE_RECIPIENTS && !sample.includes(recipient)) await this.store.set(key, [...sample, recipient], now + DAY);
  }

  private async refuse(s: Sender, over: Trigger, compromise: Trigger | undefined, clientAddress: string | undefined, ctx: Ctx, now: number): Promise<Verdict> {
    const who = s.login ?? `client ${s.subject.slice(2)}`;
    if (compromise) {
      await this.remediation.start({ subject: s.subject, login: s.login, domain: ctx.domain, trigger: compromise, config: ctx.config, clientAddress, now });
    }
    this.logger.info({ sender: who, limit: over.limit, count: over.count, max: over.max, compromise: !!compromise }, 'send limit reached');
    const reason = compromise
      ? `sending suspended for ${who}: unusual sending activity (${describe(compromise)})`
      : `${who} reached the limit of ${over.max} ${UNIT[over.limit]}; try again later`;
    return { action: ACTION_VERDICT[s.limits.action], reason };
  }

  /**
   * The log follower's view, for servers without the policy service: counts
   * what the policy did not already count, and acts on a compromise (after the
   * fact: the mail is already queued, so holding it matters most here).
   */
  async onMail(event: MailEvent, ctx: Ctx): Promise<void> {
    if (event.kind !== 'accepted') return;
    const s = this.sender(event.saslUsername, event.clientAddress, ctx);
    if (!s) return;
    const now = event.at;
    if (event.queueId && (await this.store.get(K.seenQueueId(event.queueId), now)) !== undefined) return;
    const L = s.limits;
    const f = ctx.config.compromiseFactor;
    const n = Math.max(1, event.recipients.length);
    const netTrigger = await this.networkCheck(s, event.clientAddress, now, ctx);
    const mh = await this.store.hit(K.msgHour(s.subject), HOUR, now);
    await this.store.hit(K.tryMsgHour(s.subject), HOUR, now);
    const rh = await this.store.hit(K.rcptHour(s.subject), HOUR, now, n);
    const rd = await this.store.hit(K.rcptDay(s.subject), DAY, now, n);
    await this.store.hit(K.tryRcptHour(s.subject), HOUR, now, n);
    await this.store.hit(K.tryRcptDay(s.subject), DAY, now, n);
    if (event.sender) await this.store.addDistinct(K.senders(s.subject), event.sender.toLowerCase(), DAY, now);
    if (event.queueId) await this.recordQueued(s, event.queueId, now);
    for (const r of event.recipients.slice(0, SAMPLE_RECIPIENTS)) await this.recordSample(s, r, now);
    const trigger =
      netTrigger ??
      (rh > L.recipientsPerHour * f ? { limit: 'recipientsPerHour', count: rh, max: L.recipientsPerHour } : undefined) ??
      (rd > L.recipientsPerDay * f ? { limit: 'recipientsPerDay', count: rd, max: L.recipientsPerDay } : undefined) ??
      (mh > L.messagesPerHour * f ? { limit: 'messagesPerHour', count: mh, max: L.messagesPerHour } : undefined);
    if (trigger) {
      await this.remediation.start({ subject: s.subject, login: s.login, domain: ctx.domain, trigger, config: ctx.config, clientAddress: event.clientAddress, now });
    }
  }

  /** Resolves once every remediation started so far has finished (tests, shutdown). */
  idle(): Promise<void> {
    return this.remediation.idle();
  }
}

const UNIT: Record<Trigger['limit'], string> = {
  recipientsPerHour: 'recipients per hour',
  recipientsPerDay: 'recipients per day',
  messagesPerHour: 'messages per hour',
  networksPerHour: 'client networks per hour',
};

export function describe(t: Trigger): string {
  return `${t.count} ${t.attempts ? 'attempted ' : ''}${UNIT[t.limit]}, limit ${t.max}`;
}
