import type { LogFollowerPort } from '../../core/ports';
import { LoginError } from '../../../shared/address';
import type { LoggedAuthFailure } from '../../tools/maillog/auth-failures';
import { FailureLines } from '../../tools/maillog/failure-lines';
import { type FollowOptions, LogTail } from '../../tools/maillog/follow';
import { DeliveryLines, type LoggedDelivery, mailEventOf } from './delivery-lines';

export interface FollowerOptions extends FollowOptions {
  /** Poll interval (ms). */
  readonly pollMs?: number;
  /**
   * Called for every failure read, in log order, once it is reported (the
   * CLI prints them). A failure without a login is not reported: the
   * plugins count per login.
   */
  readonly onFailure?: (f: LoggedAuthFailure, reported: boolean) => void;
}

/**
 * The log follower fallback: for servers where Dovecot's policy hook is not
 * wired, failed logins read from the mail log become `afterAuth` reports
 * (without a password hash, so each one counts). The blocks then show in
 * `mailwarden blocks list`; refusing needs the policy hook or a firewall.
 * Postfix delivery lines (sent, deferred, bounced) become `onMail` events
 * with the relay, dsn and the remote's reason, for plugins that watch how
 * remote servers answer.
 */
export class AuthLogFollower {
  readonly name: string;
  private readonly tail: LogTail;
  private timer: NodeJS.Timeout | undefined;
  /** Reports run one after another, in log order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly app: LogFollowerPort, readonly file: string, private readonly o: FollowerOptions = {}) {
    this.name = `log-follow:${file}`;
    const lines = new FailureLines((f) => this.onFailure(f));
    const deliveries = new DeliveryLines((d) => this.onDelivery(d));
    this.tail = new LogTail(file, (s, a, b) => {
      lines.line(s, a, b);
      deliveries.line(s, a, b);
    }, o);
  }

  private onDelivery(d: LoggedDelivery): void {
    const event = mailEventOf(d, this.app.settings.defaultDomain, this.app.clock.now());
    this.queue = this.queue
      .then(() => this.app.pipeline.onMail(event))
      .catch((e: unknown) => this.app.logger.error({ file: this.file, err: (e as Error).message }, 'log follower could not report a delivery'));
  }

  private onFailure(f: LoggedAuthFailure): void {
    this.queue = this.queue
      .then(() => this.report(f))
      .catch((e: unknown) => this.app.logger.error({ file: this.file, err: (e as Error).message }, 'log follower could not report a failure'));
  }

  private async report(f: LoggedAuthFailure): Promise<void> {
    if (f.login === undefined) {
      this.app.metrics.increment('log_auth_failures_skipped', { source: f.source });
      this.o.onFailure?.(f, false);
      return;
    }
    let attempt;
    try {
      attempt = this.app.pipeline.attempt({ login: f.login, remoteIp: f.remoteIp, protocol: f.protocol });
    } catch (e) {
      if (!(e instanceof LoginError)) throw e;
      this.app.metrics.increment('log_auth_failures_skipped', { source: f.source });
      this.o.onFailure?.(f, false);
      return;
    }
    for (let i = 0; i < f.attempts; i++) await this.app.pipeline.afterAuth(attempt, { success: false, policyReject: false, failType: 'credentials' });
    this.app.metrics.increment('log_auth_failures', { source: f.source }, f.attempts);
    this.o.onFailure?.(f, true);
  }

  /** Reads what is new now and waits until every report of it has been made. */
  async pollNow(): Promise<void> {
    this.tail.poll();
    await this.queue;
  }

  async start(): Promise<void> {
    await this.pollNow();
    const tick = () => {
      this.pollNow().catch((e: unknown) => this.app.logger.error({ file: this.file, err: (e as Error).message }, 'log follower failed to read'));
    };
    this.timer = setInterval(tick, this.o.pollMs ?? 500);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.queue;
    this.tail.close();
  }
}
