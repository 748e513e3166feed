import { domainToASCII } from 'node:url';
import { inject, injectable } from 'inversify';
import { Clock, type HookContext, Logger, Notifier, parseIp, type PluginHooks, type RelayRequest, StateStore, type Verdict } from '../../shared';
import type { TrustedIpsConfig } from './config';
import type { TrustedEntry } from './entry';
import { type EntryMatcher, senderAllowed } from './matcher';
import { TrustedIpsRepository } from './repository';

const HOUR = 3_600_000;

const senderDomains = new Map<string, string>();

/** The sender's domain in ASCII (cached: IDN conversion is costly and senders repeat). */
function senderDomainOf(sender: string): string | undefined {
  const at = sender.lastIndexOf('@');
  if (at < 0 || at === sender.length - 1) return undefined;
  const raw = sender.slice(at + 1);
  let d = senderDomains.get(raw);
  if (d === undefined) {
    d = domainToASCII(raw.toLowerCase().replace(/\.$/, ''));
    if (senderDomains.size >= 4096) senderDomains.clear();
    senderDomains.set(raw, d);
  }
  return d || undefined;
}

/** The permit of an entry, made once: every RCPT from a trusted host gets the same one. */
const permits = new WeakMap<TrustedEntry, Verdict>();
function permitOf(entry: TrustedEntry, plugin: string): Verdict {
  let v = permits.get(entry);
  if (!v) {
    v = Object.freeze({ action: 'allow', reason: `trusted relay ${entry.network}${entry.label ? ` (${entry.label})` : ''}`, plugin } as const);
    permits.set(entry, v);
  }
  return v;
}

/** The request belongs to this restriction list: its policy_context, or none given (one list for everything). */
function inContext(r: RelayRequest, context: string): boolean {
  return r.policyContext === undefined || r.policyContext === context;
}

/**
 * Relaying for trusted hosts. At RCPT (relay context) a trusted client
 * sending for an allowed sender domain is permitted (OK); anything else gets
 * no opinion (DUNNO) so Postfix's reject_unauth_destination refuses it. At
 * END-OF-MESSAGE (limit context) each message of a capped entry is counted,
 * and past the hourly cap the message is held (kept, not lost) and the
 * admins alerted.
 */
@injectable()
export class TrustedIpsHooks implements PluginHooks<TrustedIpsConfig> {
  constructor(
    @inject(TrustedIpsRepository) private readonly repo: TrustedIpsRepository,
    @inject(StateStore) private readonly store: StateStore,
    @inject(Clock) private readonly clock: Clock,
    @inject(Notifier) private readonly notifier: Notifier,
    @inject(Logger) private readonly logger: Logger,
  ) {}

  checkRelay(r: RelayRequest, ctx: HookContext<TrustedIpsConfig>): Verdict | undefined | Promise<Verdict | undefined> {
    // Authenticated mail is the send-limit plugins' business, not a trusted-relay question.
    if (r.saslUsername) return undefined;
    const state = r.protocolState;
    const relay = state === 'RCPT' && inContext(r, ctx.config.relayContext);
    const limit = state === 'END-OF-MESSAGE' && inContext(r, ctx.config.limitContext);
    if (!relay && !limit) return undefined;
    const ip = parseIp(r.clientAddress);
    if (!ip) return undefined;
    const maxAge = ctx.config.cacheSeconds * 1000;
    const fresh = this.repo.matcherIfFresh(maxAge);
    if (fresh) return this.decide(fresh, r, ip, ctx, relay);
    return this.repo.currentMatcher(maxAge).then((m) => this.decide(m, r, ip, ctx, relay));
  }

  private decide(m: EntryMatcher, r: RelayRequest, ip: NonNullable<ReturnType<typeof parseIp>>, ctx: HookContext<TrustedIpsConfig>, relay: boolean): Verdict | undefined | Promise<Verdict | undefined> {
    const now = this.clock.now();
    const entry = m.match(ip, ctx.domain, now);
    if (!entry) return undefined;
    const allowed = !entry.allowedSenderDomains || senderAllowed(entry, senderDomainOf(r.sender));
    if (relay) return allowed ? permitOf(entry, ctx.plugin) : undefined;
    // At END-OF-MESSAGE the message passed the relay checks, perhaps through
    // mynetworks alone: a sender domain the entry may not use is held, not sent.
    if (!allowed) return this.hold(entry, r, ctx, `sender domain not allowed for trusted relay ${entry.network}`, 'sender-domain');
    if (entry.maxMessagesPerHour === undefined) return undefined;
    return this.count(entry, r, ctx, now);
  }

  private async count(entry: TrustedEntry, r: RelayRequest, ctx: HookContext<TrustedIpsConfig>, now: number): Promise<Verdict | undefined> {
    const cap = entry.maxMessagesPerHour!;
    const n = await this.store.hit(`sent:${entry.scope}|${entry.network}`, HOUR, now);
    if (n <= cap) return undefined;
    return this.hold(entry, r, ctx, `trusted relay ${entry.network} is over its cap of ${cap} messages per hour`, 'cap', n);
  }

  private hold(entry: TrustedEntry, r: RelayRequest, ctx: HookContext<TrustedIpsConfig>, reason: string, why: 'cap' | 'sender-domain', count?: number): Verdict {
    const data = {
      network: entry.network, label: entry.label, scope: entry.scope, client: r.clientAddress, sender: r.sender,
      queueId: r.queueId ?? null, cap: entry.maxMessagesPerHour ?? null, countThisHour: count ?? null,
    };
    this.logger.warn(data, `holding mail: ${reason}`);
    this.notifier
      .notify({
        subject: why === 'cap' ? `Trusted relay ${entry.network} exceeded ${entry.maxMessagesPerHour} messages/hour; its mail is on hold` : `Trusted relay ${entry.network} sent for a sender domain it may not use; held`,
        text: `${reason}.\nClient ${r.clientAddress}, sender <${r.sender}>, queue id ${r.queueId ?? 'unknown'}.\nThe message is in the Postfix hold queue: release it with \`postsuper -H ID\` once checked, or delete it with \`postsuper -d ID\`.\nIf the host is compromised, remove it: mailwarden trusted-ips remove ${entry.network}${entry.scope !== '*' ? ` --domain ${entry.scope}` : ''}`,
        severity: 'critical',
        kind: why === 'cap' ? 'hourly-cap' : 'sender-domain',
        ...(ctx.domain ? { domain: ctx.domain } : {}),
        data,
        dedupeKey: `trusted-ips:${why}:${entry.scope}|${entry.network}`,
      })
      .catch((e) => this.logger.error({ err: (e as Error).message }, 'notification failed'));
    return { action: 'hold', reason };
  }
}
