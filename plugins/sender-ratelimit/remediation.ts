import { inject, injectable, optional } from 'inversify';
import {
  AccountActions,
  Logger,
  Notifier,
  QueueActions,
  StateStore,
} from '../../shared';
import type { RateLimitConfig } from './config';
import { DAY, HOUR, K, attemptKeys } from './keys';
import { alertFor, type Evidence } from './alert';

export interface Trigger {
  readonly limit: 'recipientsPerHour' | 'recipientsPerDay' | 'messagesPerHour' | 'networksPerHour';
  readonly count: number;
  readonly max: number;
  /** The count is of attempts (accepted or refused), not of accepted mail. */
  readonly attempts?: boolean;
}

export interface Incident {
  readonly subject: string;
  readonly login?: string;
  readonly domain: string;
  readonly trigger: Trigger;
  readonly config: RateLimitConfig;
  readonly clientAddress?: string;
  readonly now: number;
}

/**
 * Within this time of an incident, another one for the same sender is the same
 * incident (racing requests, other nodes). Short: the attempt counters are
 * cleared on an incident, so a new one needs a new flood, and an account an
 * admin unlocked too early must be locked again at once.
 */
const SAME_INCIDENT_MS = 60_000;

export const PLUGIN_ID = 'sender-ratelimit';

/**
 * What happens when an account looks compromised: lock it at once (so the
 * next request and the next login are refused), then close its sessions,
 * hold what it queued and tell the admin once, with the evidence and the
 * commands that undo it. The slow steps run after the policy answer.
 */
@injectable()
export class Remediation {
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    @inject(StateStore) private readonly store: StateStore,
    @inject(AccountActions) private readonly accounts: AccountActions,
    @inject(Notifier) private readonly notifier: Notifier,
    @inject(Logger) private readonly logger: Logger,
    @inject(QueueActions) @optional() private readonly queue: QueueActions | undefined,
  ) {}

  /** Starts the response to an incident unless one for this sender is under way or just happened. */
  async start(i: Incident): Promise<void> {
    if (this.running.has(i.subject)) return;
    if ((await this.store.get(K.remediated(i.subject), i.now)) !== undefined) return;
    await this.store.set(K.remediated(i.subject), i.now, i.now + SAME_INCIDENT_MS);
    const evidence = await this.gather(i);
    for (const k of attemptKeys(i.subject)) await this.store.reset(k);
    const steps: string[] = [];
    if (i.login && i.config.remediate) {
      try {
        await this.accounts.lock(i.login, {
          reason: `sender-ratelimit: suspected compromise (${evidence.summary})`,
          by: PLUGIN_ID,
          ...(i.config.lockMinutes > 0 ? { minutes: i.config.lockMinutes } : {}),
        });
        steps.push('account locked');
      } catch (e) {
        steps.push(`lock FAILED: ${(e as Error).message}`);
      }
    }
    const p = this.finish(i, evidence, steps).finally(() => this.running.delete(i.subject));
    this.running.set(i.subject, p);
  }

  private async gather(i: Incident): Promise<Evidence> {
    const s = i.subject;
    const n = i.now;
    return {
      login: i.login,
      client: i.login ? undefined : s.slice(2),
      domain: i.domain,
      trigger: i.trigger,
      summary: `${i.trigger.count} ${i.trigger.attempts ? 'attempted ' : ''}${i.trigger.limit}, limit ${i.trigger.max}`,
      counts: {
        recipientsLastHour: await this.store.count(K.rcptHour(s), HOUR, n),
        recipientsLastDay: await this.store.count(K.rcptDay(s), DAY, n),
        messagesLastHour: await this.store.count(K.msgHour(s), HOUR, n),
        recipientAttemptsLastHour: await this.store.count(K.tryRcptHour(s), HOUR, n),
        messageAttemptsLastHour: await this.store.count(K.tryMsgHour(s), HOUR, n),
      },
      clientAddresses: i.login ? (await this.store.distinctMembers(K.clients(s), HOUR, n)).slice(0, 50) : [s.slice(2)],
      networks: (await this.store.distinctMembers(K.networks(s), HOUR, n)).slice(0, 50),
      sampleRecipients: (await this.store.get<string[]>(K.sample(s), n)) ?? [],
      senders: (await this.store.distinctMembers(K.senders(s), DAY, n)).slice(0, 20),
      queueIds: await this.store.distinctMembers(K.queued(s), DAY, n),
      at: n,
    };
  }

  private async finish(i: Incident, ev: Evidence, steps: string[]): Promise<void> {
    if (i.login && i.config.remediate) {
      try {
        const r = await this.accounts.closeSessions(i.login, PLUGIN_ID);
        steps.push(r?.sessions === 'none' ? 'no open sessions' : 'sessions closed');
      } catch (e) {
        steps.push(`closing sessions FAILED: ${(e as Error).message}`);
      }
    }
    let held = 0;
    if (i.config.remediate && this.queue) {
      try {
        if (ev.queueIds.length) held += await this.queue.holdQueueIds(ev.queueIds);
        if (i.login) held += await this.holdLogin(i.login, steps);
        steps.push(`${held} queued message(s) put on hold`);
      } catch (e) {
        steps.push(`holding queued mail FAILED: ${(e as Error).message}`);
      }
    } else if (i.config.remediate) {
      steps.push('queued mail NOT held: no queue access configured');
    }
    try {
      await this.notifier.notify(alertFor({ ...ev, steps, held }, i.config.remediate));
    } catch (e) {
      this.logger.error({ err: (e as Error).message, subject: i.subject }, 'compromise alert failed');
    }
    this.logger.warn({ sender: i.login ?? ev.client, steps }, 'suspected compromise handled');
  }

  /**
   * What the login queued before the policy saw it: by the SASL login in the
   * queue files, or (when those cannot be read) by the login as envelope sender.
   */
  private async holdLogin(login: string, steps: string[]): Promise<number> {
    try {
      return await this.queue!.holdBySaslUsername(login);
    } catch (e) {
      steps.push(`reading the SASL login from the queue failed (${(e as Error).message}); held by envelope sender ${login} instead`);
      return this.queue!.holdBySender(login);
    }
  }

  idle(): Promise<void> {
    return Promise.all([...this.running.values()]).then(() => undefined);
  }
}
