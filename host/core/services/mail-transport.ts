import { spawn } from 'node:child_process';
import os from 'node:os';
import type { Clock, Logger, Metrics } from '../../../shared';
import { checkAddress, composeMail } from './mail-message';
import type { NotificationTransport, StoredAlert } from './notifier';
import { SmtpClient, type SmtpReply } from '../../tools/postfix/smtp-client';

/** The host config section `notify.mail`: alerts by mail through the local MTA. */
export interface MailNotifyConfig {
  /** The admin address(es): recipients of every notification that names none. */
  to?: string[];
  from?: string;
  smtpHost: string;
  smtpPort: number;
  /** When set, mail is piped to this sendmail instead of SMTP. */
  sendmailPath?: string;
  helo?: string;
  /** Notifications below this severity are not mailed. */
  minSeverity: 'info' | 'warning' | 'critical';
  /** Delivery attempts before a mail is dropped (logged and counted). */
  maxAttempts: number;
  /** First retry delay; it doubles on each failure, up to an hour. */
  retryBaseSeconds: number;
  timeoutMs: number;
}

/** Hands a composed message to the MTA. */
export type MailDeliver = (from: string, to: readonly string[], data: string) => Promise<void>;

const SEVERITY = { info: 0, warning: 1, critical: 2 } as const;
const MAX_BACKOFF_MS = 3_600_000;
/** Mails waiting for a retry; past this the oldest is dropped (a dead MTA must not grow memory without end). */
const MAX_PENDING = 1000;

interface Pending {
  readonly to: readonly string[];
  readonly data: string;
  readonly messageId: string;
  readonly source: string;
  attempts: number;
  nextAt: number;
}

/**
 * Mails notifications through the local MTA (SMTP, default 127.0.0.1:25, or
 * a sendmail binary). A failed delivery is logged, counted and retried with a
 * doubling delay (bounded attempts); it never throws into the notifier.
 * Retries are due by the injected clock: the real timer only calls flush(),
 * which tests call themselves after moving a ManualClock.
 */
export class MailTransport implements NotificationTransport {
  readonly name = 'mail';
  private readonly pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly admins: string[];
  private readonly from: string;
  private readonly deliver: MailDeliver;

  constructor(
    private readonly config: MailNotifyConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    defaults: { admin: string; from: string },
    deliver?: MailDeliver,
  ) {
    this.admins = (config.to?.length ? config.to : [defaults.admin]).map((a, i) => checkAddress(a, `notify.mail.to[${i}]`));
    this.from = checkAddress(config.from ?? defaults.from, 'notify.mail.from');
    this.deliver = deliver ?? (config.sendmailPath ? sendmailDeliver(config.sendmailPath, config.timeoutMs) : smtpDeliver(config));
    this.metrics.setGauge('notification_mail_pending', 0);
  }

  /** Recipients of a notification: its own (plus the admins when asked), else the admins. */
  recipientsOf(n: StoredAlert): string[] {
    const own: string[] = [];
    for (const r of n.recipients ?? []) {
      try {
        own.push(checkAddress(r, `notification "${n.subject}" recipients`));
      } catch (e) {
        this.logger.warn({ source: n.source, err: (e as Error).message }, 'notification recipient skipped');
      }
    }
    const all = own.length === 0 ? this.admins : n.copyAdmin ? [...own, ...this.admins] : own;
    return [...new Set(all.map((a) => a.toLowerCase()))];
  }

  async send(n: StoredAlert): Promise<void> {
    if (SEVERITY[n.severity] < SEVERITY[this.config.minSeverity]) return;
    const to = this.recipientsOf(n);
    const { messageId, data } = composeMail({
      from: this.from,
      to,
      subject: n.subject,
      text: n.text,
      at: n.at,
      idDomain: this.from.slice(this.from.lastIndexOf('@') + 1),
      extraHeaders: { 'X-Mailwarden-Severity': n.severity, ...(n.source ? { 'X-Mailwarden-Source': n.source } : {}) },
    });
    await this.attempt({ to, data, messageId, source: n.source ?? 'host', attempts: 0, nextAt: this.clock.now() });
  }

  /** Tries one delivery; on failure schedules the next attempt or drops the mail after the last. */
  private async attempt(p: Pending): Promise<void> {
    p.attempts++;
    try {
      await this.deliver(this.from, p.to, p.data);
      this.metrics.increment('notification_mail_sent', { source: p.source });
      this.logger.info({ messageId: p.messageId, to: p.to, attempts: p.attempts }, 'notification mailed');
    } catch (e) {
      const err = (e as Error).message;
      this.metrics.increment('notification_mail_failures', { source: p.source });
      if (p.attempts >= this.config.maxAttempts) {
        this.metrics.increment('notification_mail_dropped', { source: p.source });
        this.logger.error({ messageId: p.messageId, attempts: p.attempts, err }, 'notification mail dropped after the last attempt');
        return;
      }
      const delay = Math.min(MAX_BACKOFF_MS, this.config.retryBaseSeconds * 1000 * 2 ** (p.attempts - 1));
      p.nextAt = this.clock.now() + delay;
      this.logger.warn({ messageId: p.messageId, attempts: p.attempts, retryInSeconds: delay / 1000, err }, 'notification mail failed; will retry');
      if (this.pending.length >= MAX_PENDING) {
        const dropped = this.pending.shift()!;
        this.metrics.increment('notification_mail_dropped', { source: dropped.source });
        this.logger.error({ messageId: dropped.messageId }, 'notification mail dropped: too many waiting for a retry');
      }
      this.pending.push(p);
    } finally {
      this.metrics.setGauge('notification_mail_pending', this.pending.length);
      this.arm();
    }
  }

  /** Number of mails waiting for a retry. */
  get waiting(): number {
    return this.pending.length;
  }

  /** Retries every mail that is due now. */
  async flush(): Promise<void> {
    const now = this.clock.now();
    const due = this.pending.filter((p) => p.nextAt <= now);
    for (const p of due) this.pending.splice(this.pending.indexOf(p), 1);
    for (const p of due) await this.attempt(p);
    this.metrics.setGauge('notification_mail_pending', this.pending.length);
  }

  private arm(): void {
    if (this.timer || this.pending.length === 0) return;
    const next = Math.min(...this.pending.map((p) => p.nextAt));
    const wait = Math.max(1000, next - this.clock.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch((e) => this.logger.error({ err: (e as Error).message }, 'notification mail retry failed'));
    }, Math.min(wait, MAX_BACKOFF_MS));
    this.timer.unref();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** SMTP to the local MTA: no TLS or AUTH, it is on this machine. A refusal names the step and the reply. */
function smtpDeliver(c: MailNotifyConfig): MailDeliver {
  const where = `${c.smtpHost}:${c.smtpPort}`;
  return async (from, to, data) => {
    const { client, greeting } = await SmtpClient.connect({ host: c.smtpHost, port: c.smtpPort, timeoutMs: c.timeoutMs });
    const expect = (step: string, r: SmtpReply, ok: (code: number) => boolean) => {
      if (!ok(r.code)) throw new Error(`${where}: ${step} refused: ${r.text.slice(0, 300)}`);
    };
    const is2xx = (code: number) => code >= 200 && code < 300;
    try {
      expect('greeting', greeting, (code) => code === 220);
      const helo = c.helo ?? os.hostname();
      const ehlo = await client.command(`EHLO ${helo}`);
      if (!is2xx(ehlo.code)) expect('HELO', await client.command(`HELO ${helo}`), is2xx);
      expect('MAIL FROM', await client.command(`MAIL FROM:<${from}>`), is2xx);
      for (const r of to) expect(`RCPT TO:<${r}>`, await client.command(`RCPT TO:<${r}>`), is2xx);
      expect('message', await client.data(data), is2xx);
    } finally {
      await client.close();
    }
  };
}

/** sendmail(1) compatible: `-i` (a lone dot is text), envelope sender with -f, recipients as arguments (never -t). */
function sendmailDeliver(path: string, timeoutMs: number): MailDeliver {
  return (from, to, data) =>
    new Promise((resolve, reject) => {
      const child = spawn(path, ['-i', '-f', from, '--', ...to], { stdio: ['pipe', 'ignore', 'pipe'], timeout: timeoutMs });
      let stderr = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (d: string) => {
        if (stderr.length < 2048) stderr += d;
      });
      child.once('error', (e) => reject(new Error(`${path}: ${e.message}`)));
      child.once('close', (code, signal) => {
        if (code === 0) resolve();
        else reject(new Error(`${path} exited with ${code ?? signal}: ${stderr.trim() || 'no message'}`));
      });
      child.stdin.on('error', () => undefined);
      // sendmail reads local line ends.
      child.stdin.end(data.split('\r\n').join('\n'));
    });
}
