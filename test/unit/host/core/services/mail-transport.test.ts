import { ManualClock } from '../../../../../host/core/services/clock';
import { composeMail, quotedPrintable } from '../../../../../host/core/services/mail-message';
import { MailTransport, type MailNotifyConfig } from '../../../../../host/core/services/mail-transport';
import { PromMetrics } from '../../../../../host/core/services/metrics';
import type { StoredAlert } from '../../../../../host/core/services/notifier';
import { SmtpSink } from '../../../../helpers/smtp-sink';

const logger = { debug() {}, info() {}, warn: jest.fn(), error: jest.fn() };
const base: MailNotifyConfig = { smtpHost: '127.0.0.1', smtpPort: 25, minSeverity: 'info', maxAttempts: 3, retryBaseSeconds: 30, timeoutMs: 5000 };
const defaults = { admin: 'postmaster@example.com', from: 'mailwarden@example.com' };
const alert = (extra: Partial<StoredAlert> = {}): StoredAlert => ({ id: '1', at: Date.UTC(2026, 10, 28, 20, 0, 0), subject: 'Queue alert', text: 'body\n.leading dot\n', severity: 'critical', source: 'queue-monitor', ...extra });

let sink: SmtpSink;
beforeEach(async () => {
  sink = await new SmtpSink().start();
});
afterEach(() => sink.stop());

test('mails through SMTP with Message-ID, Date, Auto-Submitted and the admin address by default', async () => {
  const t = new MailTransport({ ...base, smtpPort: sink.port }, new ManualClock(), logger, new PromMetrics(), defaults);
  await t.send(alert());
  const [m] = sink.mails;
  expect(m.from).toBe('mailwarden@example.com');
  expect(m.to).toEqual(['postmaster@example.com']);
  expect(m.headers['auto-submitted']).toBe('auto-generated');
  expect(m.headers['message-id']).toMatch(/^<[0-9a-z]+\.[0-9a-f]{16}@example\.com>$/);
  expect(m.headers.date).toBe('Sat, 28 Nov 2026 20:00:00 +0000');
  expect(m.headers.subject).toBe('Queue alert');
  expect(m.headers['x-mailwarden-source']).toBe('queue-monitor');
  expect(m.body).toBe('body\r\n.leading dot\r\n');
});

test('recipients of the notification replace the admin, with a copy when asked; bad ones are skipped', async () => {
  const t = new MailTransport({ ...base, smtpPort: sink.port, to: ['root@example.com'] }, new ManualClock(), logger, new PromMetrics(), defaults);
  await t.send(alert({ recipients: ['ops@example.com', 'x>y@evil\r\nRCPT TO:<z@z>'] }));
  await t.send(alert({ recipients: ['ops@example.com'], copyAdmin: true }));
  expect(sink.mails.map((m) => m.to)).toEqual([['ops@example.com'], ['ops@example.com', 'root@example.com']]);
});

test('below minSeverity nothing is mailed', async () => {
  const t = new MailTransport({ ...base, smtpPort: sink.port, minSeverity: 'warning' }, new ManualClock(), logger, new PromMetrics(), defaults);
  await t.send(alert({ severity: 'info' }));
  expect(sink.mails).toHaveLength(0);
});

test('a refused delivery is retried with a doubling delay, counted, and dropped after maxAttempts', async () => {
  const clock = new ManualClock();
  const metrics = new PromMetrics();
  const t = new MailTransport({ ...base, smtpPort: sink.port }, clock, logger, metrics, defaults);
  sink.failNext = 1;
  await t.send(alert()); // attempt 1 fails
  expect(t.waiting).toBe(1);
  clock.advance(29_000);
  await t.flush();
  expect(sink.mails).toHaveLength(0); // not due yet
  clock.advance(1000);
  await t.flush(); // attempt 2 succeeds
  expect(sink.mails).toHaveLength(1);
  expect(t.waiting).toBe(0);

  sink.failNext = 3;
  await t.send(alert());
  clock.advance(30_000);
  await t.flush();
  clock.advance(59_000);
  await t.flush();
  expect(t.waiting).toBe(1); // third attempt due 60 s after the second
  clock.advance(1000);
  await t.flush();
  expect(t.waiting).toBe(0);
  const text = await metrics.text();
  expect(text).toMatch(/mailwarden_notification_mail_failures_total\{source="queue-monitor"\} 4/);
  expect(text).toMatch(/mailwarden_notification_mail_dropped_total\{source="queue-monitor"\} 1/);
  expect(text).toMatch(/mailwarden_notification_mail_sent_total\{source="queue-monitor"\} 1/);
  expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ attempts: 3 }), 'notification mail dropped after the last attempt');
  t.dispose();
});

test('an MTA that is down is a retry, never a throw', async () => {
  const port = sink.port;
  await sink.stop();
  const t = new MailTransport({ ...base, smtpPort: port }, new ManualClock(), logger, new PromMetrics(), defaults);
  await expect(t.send(alert())).resolves.toBeUndefined();
  expect(t.waiting).toBe(1);
  t.dispose();
  sink = await new SmtpSink().start();
});

test('sendmail path: the message is piped with the envelope on the command line', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-sendmail-'));
  const script = path.join(dir, 'sendmail');
  fs.writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$@" > ${dir}/args\ncat > ${dir}/msg\n`, { mode: 0o755 });
  const t = new MailTransport({ ...base, sendmailPath: script }, new ManualClock(), logger, new PromMetrics(), defaults);
  await t.send(alert());
  expect(fs.readFileSync(path.join(dir, 'args'), 'utf8')).toBe('-i\n-f\nmailwarden@example.com\n--\npostmaster@example.com\n');
  expect(fs.readFileSync(path.join(dir, 'msg'), 'utf8')).toContain('Auto-Submitted: auto-generated\n');
  fs.rmSync(dir, { recursive: true });
});

test('headers cannot be injected and non-ASCII is encoded', () => {
  const { data } = composeMail({ from: 'a@b.c', to: ['d@e.f'], subject: 'Alerte: file d’attente\r\nBcc: x@y.z', text: 'é'.repeat(100), at: 0, idDomain: 'b.c' });
  const head = data.slice(0, data.indexOf('\r\n\r\n'));
  expect(head).not.toMatch(/^Bcc:/m);
  expect(head).toMatch(/^Subject: =\?UTF-8\?B\?/m);
  expect(head).toContain('Content-Transfer-Encoding: quoted-printable');
  for (const l of data.split('\r\n')) expect(l.length).toBeLessThanOrEqual(78);
  expect(quotedPrintable('a=b \n')).toBe('a=3Db=20\r\n');
});

test('an SMTP refusal names the step and the reply', async () => {
  const warn = jest.fn();
  const t = new MailTransport({ ...base, smtpPort: sink.port }, new ManualClock(), { ...logger, warn }, new PromMetrics(), defaults);
  sink.failNext = 1;
  await t.send(alert());
  expect(warn).toHaveBeenCalledWith(expect.objectContaining({ err: expect.stringMatching(/127\.0\.0\.1:\d+: message refused: 451 4\.3\.0 try again later/) }), 'notification mail failed; will retry');
  t.dispose();
});
