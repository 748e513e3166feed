import os from 'node:os';
import { inject, injectable } from 'inversify';
import { Clock, Logger, type HookContext, type MailEvent, Notifier, type PluginHooks, StateStore } from '../../shared';
import { rateAlert } from './alert-text';
import { classifyRejection } from './classify';
import { type ReputationConfig, withDefaults } from './config';
import { OutboundCache } from './outbound-cache';
import { RejectionBook } from './rejections';
import { relayAddress } from './scan';
import { countOutcome } from './sender-rates';

/**
 * Reads every delivery attempt: a refusal that names a blocklist or a
 * reputation block is kept as evidence against our address (the service
 * alerts on it); every outcome counts towards its sender's and sender
 * domain's bounce and deferral rates.
 */
@injectable()
export class ReputationHooks implements PluginHooks<ReputationConfig> {
  constructor(
    @inject(StateStore) private readonly store: StateStore,
    @inject(Clock) private readonly clock: Clock,
    @inject(Notifier) private readonly notifier: Notifier,
    @inject(Logger) private readonly logger: Logger,
    @inject(OutboundCache) private readonly outbound: OutboundCache,
    @inject(RejectionBook) private readonly book: RejectionBook,
  ) {}

  async onMail(raw: MailEvent, ctx: HookContext<ReputationConfig>): Promise<void> {
    if (raw.kind !== 'deferred' && raw.kind !== 'bounced' && raw.kind !== 'sent') return;
    // Events come from other code (a gateway, a follower, a library caller): a bad time or recipient list is replaced, not trusted.
    const at = Number.isFinite(raw.at) ? raw.at : this.clock.now();
    const recipients = Array.isArray(raw.recipients) ? raw.recipients.filter((r) => typeof r === 'string') : [];
    const event: MailEvent = at === raw.at && recipients.length === raw.recipients?.length ? raw : { ...raw, at, recipients };
    const cfg = withDefaults(ctx.config);
    await this.countRates(event, cfg, ctx.domain);
    if (event.kind === 'sent' || typeof event.reason !== 'string') return;
    const r = classifyRejection(event.reason, event.relay);
    if (!r) return;
    const ip = r.ip ?? this.outbound.guess(relayAddress(event.relay));
    await this.book.record(event, r, ip, cfg.rejectionRate.minutes * 60_000);
  }

  private async countRates(e: MailEvent, cfg: ReputationConfig, domain: string): Promise<void> {
    // The null sender (bounces we send) and a sender the log did not tell are nobody's history.
    const sender = typeof e.sender === 'string' ? e.sender.toLowerCase() : '';
    if (!sender || sender.length > 320) return;
    const at = sender.lastIndexOf('@');
    const senderDomain = at > 0 ? sender.slice(at + 1) : '';
    const now = e.at;
    const outcome = e.kind as 'sent' | 'deferred' | 'bounced';
    for (const [scope, subject] of [['sender', sender], ['domain', senderDomain]] as const) {
      if (!subject) continue;
      const breach = await countOutcome(this.store, scope, subject, outcome, now, cfg.senderRates);
      if (!breach) continue;
      const mail = rateAlert(os.hostname(), breach, cfg.senderRates.windowMinutes);
      // Not awaited: a slow mail transport must not hold up the log follower.
      this.notifier
        .notify({
          ...mail,
          severity: 'warning',
          kind: 'sender-rate',
          domain,
          dedupeKey: `reputation-watch:rate:${scope}:${subject}`,
          ...(cfg.recipients.length ? { recipients: [...cfg.recipients], copyAdmin: false } : {}),
          data: { ...breach },
        })
        .catch((err: unknown) => this.logger.error({ err: (err as Error).message, subject }, 'reputation-watch: rate alert could not be sent'));
    }
  }
}
