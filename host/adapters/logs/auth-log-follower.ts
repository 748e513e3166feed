import type { LogFollowerPort } from '../../core/ports';
import { LoginError } from '../../../shared/address';
import type { LoggedAuthFailure } from '../../tools/maillog/auth-failures';
import { FailureLines } from '../../tools/maillog/failure-lines';
import { type FollowOptions, LogTail } from '../../tools/maillog/follow';
import { lower, own, text } from '../../tools/maillog/keys';
import { findIn, K_DELIVERY, K_QUEUED, newMailEvent, recognise, STATUS_DEFERRED, STATUS_SENT } from '../../tools/maillog/recognise';
import { newLineParts, scanLine } from '../../tools/maillog/tokenizer';
import type { MailEvent } from '../../../shared';

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

// === reputation-watch (issue 20): Postfix delivery lines become MailEvents for onMail ===
/** Queue IDs whose sender (qmgr `from=<…>`) is remembered for their delivery lines. */
const MAX_SENDERS = 20_000;
/** The reason text kept: remote servers write it; plugins bound their own reading too. */
const MAX_REASON = 2000;

/** What one delivery line says, with the sender of its queue ID when the follower saw it. */
export interface LoggedDelivery {
  readonly queueId: string;
  readonly sender: string;
  readonly recipient: string;
  readonly status: 'sent' | 'deferred' | 'bounced';
  readonly relay?: string;
  readonly dsn?: string;
  readonly reason?: string;
}

/** Postfix `QID: to=<r>, relay=…, dsn=…, status=… (reason)` lines, with qmgr's senders remembered per queue ID. */
export class DeliveryLines {
  private readonly p = newLineParts();
  private readonly e = newMailEvent();
  private readonly senders = new Map<string, string>();

  constructor(private readonly onDelivery: (d: LoggedDelivery) => void) {}

  line(s: string, start: number, end: number): void {
    if (!scanLine(s, start, end, this.p)) return;
    const k = recognise(s, this.p, this.e);
    if (k !== K_QUEUED && k !== K_DELIVERY) return;
    const qid = own(s.slice(this.p.qidStart, this.p.qidEnd));
    if (k === K_QUEUED) {
      if (this.senders.size >= MAX_SENDERS && !this.senders.has(qid)) this.senders.delete(this.senders.keys().next().value as string);
      this.senders.set(qid, lower(text(s, this.e.addrStart, this.e.addrEnd)));
      return;
    }
    const e = this.e;
    // `expired` is Postfix giving up on a deferred message: a bounce for the sender.
    const status = e.n === STATUS_SENT ? 'sent' : e.n === STATUS_DEFERRED ? 'deferred' : 'bounced';
    const fields = e.textStart - STATUS_KEY_LENGTH;
    const open = findIn(s, ' (', e.textStart, Math.min(this.p.end, e.textStart + 12));
    const close = s.charCodeAt(this.p.end - 1) === 41 ? this.p.end - 1 : this.p.end;
    this.onDelivery({
      queueId: qid,
      sender: this.senders.get(qid) ?? '',
      recipient: lower(text(s, e.addrStart, e.addrEnd)),
      status,
      ...field(s, 'relay', ', relay=', e.addrEnd, fields),
      ...field(s, 'dsn', ', dsn=', e.addrEnd, fields),
      ...(open >= 0 && close > open + 2 ? { reason: text(s, open + 2, Math.min(close, open + 2 + MAX_REASON)) } : {}),
    });
  }
}

const STATUS_KEY_LENGTH = ', status='.length;

/** `, key=value` between from and end (the value runs to the next comma), as { name: value }. */
function field(s: string, name: 'relay' | 'dsn', key: string, from: number, end: number): Partial<Record<'relay' | 'dsn', string>> {
  const k = findIn(s, key, from, end);
  if (k < 0) return {};
  let j = k + key.length;
  while (j < end && j - k < 300 && s.charCodeAt(j) !== 44) j++;
  return j > k + key.length ? { [name]: own(s.slice(k + key.length, j)) } : {};
}
// === end reputation-watch ===

/**
 * The log follower fallback: for servers where Dovecot's policy hook is not
 * wired, failed logins read from the mail log become `afterAuth` reports
 * (without a password hash, so each one counts). The blocks then show in
 * `mailwarden blocks list`; refusing needs the policy hook or a firewall.
 * Postfix delivery lines (sent, deferred, bounced) become `onMail` events
 * with the relay, dsn and the remote's reason (reputation-watch reads them).
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
    const at = d.sender.lastIndexOf('@');
    const rat = d.recipient.lastIndexOf('@');
    const event: MailEvent = {
      kind: d.status,
      queueId: d.queueId,
      sender: d.sender,
      recipients: [d.recipient],
      // The settings that apply are the sending domain's, as for the policy gateway.
      domain: at > 0 ? d.sender.slice(at + 1) : this.app.settings.defaultDomain,
      at: this.app.clock.now(),
      ...(d.relay !== undefined ? { relay: d.relay } : {}),
      ...(d.dsn !== undefined ? { dsn: d.dsn } : {}),
      ...(d.reason !== undefined ? { reason: d.reason } : {}),
      ...(rat > 0 ? { recipientDomain: d.recipient.slice(rat + 1) } : {}),
    };
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
