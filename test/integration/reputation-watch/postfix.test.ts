import { Readable } from 'node:stream';
import { GLOBAL } from '../../../host/core/domains/domain-settings';
import { AuthLogFollower } from '../../../host/adapters/logs/auth-log-follower';
import { ManualClock } from '../../../host/core/services/clock';
import type { StoredAlert } from '../../../host/core/services/notifier';
import type { ReputationWatcher } from '../../../plugins/reputation-watch/watcher';
import { describePostfix, PostfixInstance } from '../../harness/postfix';
import { testApp } from '../../helpers/test-app';
import { reputationPluginDir } from '../../helpers/reputation-plugin-dir';
import { SmtpSink } from '../../helpers/smtp-sink';

jest.setTimeout(120_000);

const REPLY = '554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org';

async function until<T>(what: string, ms: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describePostfix('reputation-watch against the real Postfix', () => {
  let next: SmtpSink;
  let pf: PostfixInstance;

  beforeAll(async () => {
    // The next hop listens on 127.0.0.2, so the reply's [127.0.0.1] is our address, not the relay's.
    next = await new SmtpSink(REPLY).start('127.0.0.2');
    pf = await PostfixInstance.start({ prefix: 'mw-rep-', mainCf: { relayhost: `[127.0.0.2]:${next.port}`, smtp_bind_address: '127.0.0.1' } });
  });
  afterAll(async () => {
    await pf?.stop();
    await next?.stop();
  });

  it('a 554 "blocked using zen.spamhaus.org" from the next hop: the follower reports it, the plugin alerts with the evidence within its interval, the metric shows the listing', async () => {
    const { app } = await testApp({
      pluginDir: await reputationPluginDir(),
      clock: new ManualClock(Date.now()),
      // No DNSBL queries here (that is dnsbl.test.ts): only what the log says. Our address comes from this Postfix's smtp_bind_address.
      config: { plugins: { 'reputation-watch': { lists: [], postconfCommand: ['postconf', '-c', pf.dir, '-h', 'smtp_bind_address', 'smtp_bind_address6'] } } } as never,
    });
    const sent: StoredAlert[] = [];
    app.notifier.addTransport({ name: 'capture', send: async (a) => void sent.push(a) });
    expect(await app.loadPlugins({ startServices: false })).toEqual([]);
    const plugin = app.registry.get('reputation-watch')!;
    // Off by default (it queries public DNSBLs): enabled here as an admin would.
    await app.settings.setEnabled(GLOBAL, plugin, true, 'test');
    await app.settings.setConfig(GLOBAL, plugin, { intervalSeconds: 1 }, 'test');
    const watcher = plugin.services[0] as unknown as ReputationWatcher;
    await watcher.start(app.serviceContext(plugin));
    const follower = new AuthLogFollower(app, pf.maillog, { pollMs: 200 });
    await follower.start();
    try {
      const r = await pf.sendMail({ from: 'alice@example.com', to: ['bob@example.net'], subject: 'hello' });
      expect(r.accepted).toBe(true);
      const line = await pf.waitForLog((l) => /status=bounced \(host 127\.0\.0\.2\[127\.0\.0\.2\] said: 554 5\.7\.1 Service unavailable; Client host \[127\.0\.0\.1\] blocked using zen\.spamhaus\.org/.test(l), 60_000);
      expect(line).toBeTruthy();
      const started = Date.now();
      const alert = await until('the listing alert', 10_000, () => sent.find((a) => a.subject.includes('127.0.0.1 listed on zen.spamhaus.org')));
      // The follower polls every 200 ms, the service evaluates every second.
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(alert).toMatchObject({ severity: 'critical', source: 'reputation-watch' });
      expect(alert.text).toMatch(/bounced to=<bob@example\.net> relay=127\.0\.0\.2\[127\.0\.0\.2\]:\d+ dsn=5\.7\.1 \(host 127\.0\.0\.2\[127\.0\.0\.2\] said: 554 5\.7\.1 Service unavailable; Client host \[127\.0\.0\.1\] blocked using zen\.spamhaus\.org/);
      expect(alert.text).toMatch(/Receiving domains: .*example\.net/);
      expect(alert.text).toContain('Look up / request removal: https://check.spamhaus.org/');
      expect(alert.data).toMatchObject({ ip: '127.0.0.1', source: 'zen.spamhaus.org', kind: 'dnsbl' });
      const metrics = await app.metrics.text();
      expect(metrics).toMatch(/^mailwarden_blocklist_listed\{list="zen.spamhaus.org",ip="127.0.0.1"\} 1$/m);
      expect(metrics).toMatch(/^mailwarden_reputation_rejections_total\{source="zen.spamhaus.org",kind="dnsbl",status="bounced"\} [1-9]/m);
      expect(next.refused).toContain('bob@example.net');
      // `reputation status` names the address Postfix binds to, the listing, its evidence and the removal link
      let out = '';
      const io = { stdout: { write: (t: string) => ((out += t), true) }, stderr: { write: () => true }, stdin: Readable.from([]), actor: 'cli:test' } as never;
      expect(await plugin.commands[0].run(['status'], io)).toBe(0);
      expect(out).toContain('Outbound addresses (postconf): 127.0.0.1');
      expect(out).toMatch(/127\.0\.0\.1 — zen\.spamhaus\.org \(dnsbl; seen by refusals\) \[incident open\]/);
      expect(out).toContain('removal: https://check.spamhaus.org/');
      expect(out).toContain('blocked using zen.spamhaus.org');
      // One alert per incident, however many rounds pass
      await new Promise((r) => setTimeout(r, 2_500));
      expect(sent.filter((a) => a.subject.includes('listed on zen.spamhaus.org'))).toHaveLength(1);
    } finally {
      await follower.stop();
      await watcher.stop();
      await app.close();
    }
  });
});
