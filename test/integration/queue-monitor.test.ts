import * as fs from 'node:fs';
import * as path from 'node:path';
import { GLOBAL } from '../../host/core/domains/domain-settings';
import { PostfixQueue } from '../../host/tools/postfix/queue/postfix-queue';
import { SmtpClient } from '../../host/tools/postfix/smtp-client';
import { ManualClock } from '../../host/core/services/clock';
import type { QueueMonitor } from '../../plugins/queue-monitor/monitor';
import { describePostfix, PostfixInstance } from '../harness/postfix';
import { tempDir } from '../helpers/plugin-fixture';
import { SmtpSink } from '../helpers/smtp-sink';
import { testApp } from '../helpers/test-app';

jest.setTimeout(120_000);

/** Submits one message; XCLIENT LOGIN stands in for SMTP AUTH, so the queue file carries a sasl_username. */
async function submit(pf: PostfixInstance, from: string, login?: string): Promise<void> {
  const { client } = await SmtpClient.connect({ host: pf.host, port: pf.port });
  try {
    const ok = (r: { code: number; text: string }, code: number) => {
      if (r.code !== code) throw new Error(`unexpected reply: ${r.text}`);
    };
    ok(await client.command('EHLO client.test'), 250);
    if (login) {
      ok(await client.command(`XCLIENT LOGIN=${login}`), 220);
      ok(await client.command('EHLO client.test'), 250);
    }
    ok(await client.command(`MAIL FROM:<${from}>`), 250);
    ok(await client.command('RCPT TO:<someone@remote.example>'), 250);
    ok(await client.data(`From: <${from}>\nTo: <someone@remote.example>\nSubject: offer\n\nbuy now\n`), 250);
  } finally {
    await client.close();
  }
}

describePostfix('queue-monitor against the real Postfix', () => {
  let pf: PostfixInstance;
  let sink: SmtpSink;

  beforeAll(async () => {
    pf = await PostfixInstance.start({ prefix: 'mw-qmon-', mainCf: { smtpd_authorized_xclient_hosts: '127.0.0.1' } });
    sink = await new SmtpSink().start();
  });
  afterEach(() => {
    pf.postsuper(['-d', 'ALL']);
  });
  afterAll(async () => {
    await sink?.stop();
    await pf?.stop();
  });

  it('deferred mail past the threshold: exactly one alert naming the top sender; purge: one recovery notice', async () => {
    const plugins = tempDir('mw-qmon-plugins-');
    fs.cpSync(path.join(__dirname, '../../dist/plugins/queue-monitor'), path.join(plugins, 'queue-monitor'), { recursive: true });
    const { app } = await testApp({
      pluginDir: plugins,
      clock: new ManualClock(Date.now()),
      config: {
        postfix: { configDir: pf.dir, queueDirectory: path.join(pf.dir, 'queue'), postqueuePath: 'postqueue', postsuperPath: 'postsuper', postconfPath: 'postconf' },
        notify: { dedupeMinutes: 15, mail: { smtpHost: '127.0.0.1', smtpPort: sink.port, to: ['admin@example.com'], minSeverity: 'info', maxAttempts: 3, retryBaseSeconds: 30, timeoutMs: 10_000 } },
      },
    });
    try {
      expect(await app.loadPlugins()).toEqual([]);
      await app.settings.setConfig(GLOBAL, app.registry.get('queue-monitor')!, { threshold: 20, growth: { messages: 0 } }, 'test');
      const monitor = app.registry.get('queue-monitor')!.services[0] as unknown as QueueMonitor;

      for (let i = 0; i < 14; i++) await submit(pf, 'spammer@example.com', 'mallory@example.com');
      for (let i = 0; i < 5; i++) await submit(pf, 'newsletter@example.org');
      await pf.waitForQueue((q) => q.length === 19 && q.every((m) => m.queue_name === 'deferred'), 60_000);
      expect(await monitor.tick()).toBe('ok'); // 19 < 20

      await submit(pf, 'spammer@example.com', 'mallory@example.com');
      await pf.waitForQueue((q) => q.length === 20 && q.every((m) => m.queue_name === 'deferred'), 60_000);
      expect(await monitor.tick()).toBe('alerted');
      expect(await monitor.tick()).toBe('open');
      const [alert] = await sink.waitFor(1);
      expect(alert.to).toEqual(['admin@example.com']);
      expect(alert.headers['auto-submitted']).toBe('auto-generated');
      expect(alert.headers['message-id']).toMatch(/^<[^@<>]+@localhost>$/) // the default domain's mailwarden@;
      expect(alert.headers.subject).toContain('20 messages');
      expect(alert.body).toMatch(/deferred\s+20\s/);
      expect(alert.body).toMatch(/Top senders by queued messages:\r\n\s+15 {2}spammer@example\.com\r\n\s+5 {2}newsletter@example\.org/);
      expect(alert.body).toMatch(/Top SASL users by queued messages:\r\n\s+15 {2}mallory@example\.com/);
      expect(alert.body).toContain('mailwarden queue hold --sender spammer@example.com');

      // The real queue in the Prometheus metrics.
      expect(await app.metrics.text()).toMatch(/^postfix_queue_length\{queue="deferred"\} 20$/m);

      pf.postsuper(['-d', 'ALL']);
      await pf.waitForQueue((q) => q.length === 0);
      expect(await monitor.tick()).toBe('recovered');
      expect(await monitor.tick()).toBe('ok');
      const mails = await sink.waitFor(2);
      await new Promise((r) => setTimeout(r, 500)); // nothing else arrives
      expect(sink.mails).toHaveLength(2);
      expect(mails[1].headers.subject).toContain('recovered');
      expect(mails[1].body).toContain('peaked at 20 messages');
    } finally {
      await app.close();
    }
  });

  it('PostfixQueue counts the real queue directories like postqueue lists them', async () => {
    for (let i = 0; i < 3; i++) await submit(pf, `s${i}@example.com`);
    const listed = await pf.waitForQueue((q) => q.length === 3 && q.every((m) => m.queue_name === 'deferred'), 60_000);
    const q = new PostfixQueue({ configDir: pf.dir, postqueuePath: 'postqueue', postsuperPath: 'postsuper', postconfPath: 'postconf' }, new ManualClock(Date.now()), { debug() {}, info() {}, warn() {}, error() {} });
    const c = await q.counts();
    expect(c.deferred.length).toBe(3);
    expect(c.deferred.bytes).toBeGreaterThan(listed.reduce((n, m) => n + m.message_size, 0));
    const ids: string[] = [];
    for await (const m of q.messages()) ids.push(m.queueId);
    expect(ids.sort()).toEqual(listed.map((m) => m.queue_id).sort());
    pf.postsuper(['-d', 'ALL']);
  });
});
