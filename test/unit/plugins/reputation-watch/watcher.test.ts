import * as path from 'node:path';
import { Readable } from 'node:stream';
import type { MailEvent } from '../../../../shared';
import { ManualClock, loadPlugin } from '../../../../shared/testing';
import type { ALookup, DnsClient } from '../../../../plugins/reputation-watch/dns-client';
import type { ReputationWatcher } from '../../../../plugins/reputation-watch/watcher';

const MIN = 60_000;
const SPAMHAUS = 'host mx.example.net[198.51.100.9] said: 554 5.7.1 Service unavailable; Client host [203.0.113.7] blocked using zen.spamhaus.org (in reply to RCPT TO command)';

class TableDns implements DnsClient {
  answers: Record<string, ALookup> = {};
  async a(name: string): Promise<ALookup> {
    return this.answers[name] ?? { kind: 'nxdomain' };
  }
  async txt(): Promise<string[]> {
    return ['Listed by SBL'];
  }
}

/** reputation-watch loaded by the SDK harness, its DNS answered from a table, its service started. */
async function setup(config: Record<string, unknown> = {}) {
  const clock = new ManualClock(Date.UTC(2026, 10, 29, 12));
  const h = await loadPlugin({
    dir: path.join(__dirname, '../../../../plugins/reputation-watch'),
    clock,
    hostSettings: { outboundIps: ['203.0.113.7'], lists: [{ zone: 'zen.spamhaus.org' }] },
    config: { cooldownMinutes: 30, quietMinutes: 60, rejectionRate: { count: 3, minutes: 10 }, ...config },
  });
  const dns = new TableDns();
  const watcher = h.services[0] as unknown as ReputationWatcher;
  watcher.dnsFactory = () => dns;
  await h.start();
  const onMail = (e: MailEvent) => h.run('onMail', e);
  return { h, clock, sent: h.notifier.sent, dns, watcher, onMail, metrics: h.metrics };
}

function delivery(at: number, over: Partial<MailEvent> = {}): MailEvent {
  return { kind: 'bounced', queueId: 'ABC123', sender: 'alice@example.com', recipients: ['bob@example.net'], domain: 'example.com', at, relay: 'mx.example.net[198.51.100.9]:25', dsn: '5.7.1', reason: SPAMHAUS, recipientDomain: 'example.net', ...over };
}

test('a refusal naming a blocklist: one alert with the evidence, a rate alert, nothing during the incident, then one recovery', async () => {
  const { h, clock, sent, watcher, onMail, metrics } = await setup({ cooldownMinutes: 120 });
  try {
    await onMail(delivery(clock.now()));
    expect(metrics.gauge('blocklist_listed', { list: 'zen.spamhaus.org', ip: '203.0.113.7' })).toBe(1);
    expect(await watcher.tick()).toMatchObject({ alerts: 1, open: 1 });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ severity: 'critical', subject: expect.stringContaining('203.0.113.7 listed on zen.spamhaus.org'), source: 'reputation-watch' });
    expect(sent[0].text).toContain('blocked using zen.spamhaus.org');
    expect(sent[0].text).toContain('Look up / request removal: https://check.spamhaus.org/');
    expect(sent[0].text).toContain('Receiving domains: example.net.');
    expect(await watcher.tick()).toMatchObject({ alerts: 0, open: 1 });

    clock.advance(MIN);
    await onMail(delivery(clock.now()));
    await onMail(delivery(clock.now(), { recipients: ['carol@example.org'], recipientDomain: 'example.org' }));
    expect(await watcher.tick()).toMatchObject({ alerts: 1 });
    expect(sent[1].subject).toContain('still');
    expect(sent[1].text).toContain('3 or more refusals within 10 min');
    expect(await watcher.tick()).toMatchObject({ alerts: 0 });

    clock.advance(59 * MIN);
    expect(await watcher.tick()).toMatchObject({ recoveries: 0, open: 1 });
    clock.advance(MIN);
    expect(await watcher.tick()).toMatchObject({ recoveries: 1, open: 0 });
    expect(sent[2]).toMatchObject({ severity: 'info', subject: expect.stringContaining('recovered') });
    expect(metrics.gauge('blocklist_listed', { list: 'zen.spamhaus.org', ip: '203.0.113.7' })).toBe(0);
    expect(metrics.counter('reputation_rejections', { source: 'zen.spamhaus.org', kind: 'dnsbl', status: 'bounced' })).toBe(3);

    // A new incident inside the cooldown (120 min from the last alert, at 1 min) waits for it to end
    clock.advance(MIN);
    await onMail(delivery(clock.now()));
    expect(await watcher.tick()).toMatchObject({ alerts: 0, held: 1 });
    clock.advance(59 * MIN);
    await onMail(delivery(clock.now()));
    expect(await watcher.tick()).toMatchObject({ alerts: 1 });
    expect(sent).toHaveLength(4);
  } finally {
    await h.stop();
  }
});

test('a DNSBL listing alone opens an incident; status and check show it; a clean answer ends it', async () => {
  const { h, clock, sent, dns, watcher } = await setup({ quietMinutes: 1 });
  try {
    dns.answers['7.113.0.203.zen.spamhaus.org'] = { kind: 'answer', addresses: ['127.0.0.2'], ttl: 60 };
    expect(await watcher.tick()).toMatchObject({ queried: 1, alerts: 1 });
    expect(sent[0].text).toContain('203.0.113.7 is listed on zen.spamhaus.org (SBL)');
    expect(sent[0].text).toContain('The list says: Listed by SBL');

    const cmd = h.commands[0];
    let out = '';
    const io = { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: () => true }, stdin: Readable.from([]), actor: 'cli:test' } as never;
    expect(await cmd.run(['status', '--json'], io)).toBe(0);
    const report = JSON.parse(out);
    expect(report.listings).toEqual([expect.objectContaining({ ip: '203.0.113.7', source: 'zen.spamhaus.org', via: ['dnsbl'], subLists: ['SBL'], delistUrl: 'https://check.spamhaus.org/' })]);
    out = '';
    expect(await cmd.run(['status'], io)).toBe(0);
    expect(out).toMatch(/203\.0\.113\.7\s+zen\.spamhaus\.org\s+LISTED/);
    await expect(cmd.run(['bogus'], io)).rejects.toThrow(/unknown subcommand "bogus"/);
    // The admin API answers what status --json prints
    const route = h.adminRoutes.find((r) => r.method === 'GET' && r.path === '/status')!;
    expect(JSON.parse(JSON.stringify(await route.handle({} as never)))).toEqual(report);

    delete dns.answers['7.113.0.203.zen.spamhaus.org'];
    clock.advance(3600_000);
    expect(await watcher.tick()).toMatchObject({ queried: 1, recoveries: 1 });
    expect(sent[1].subject).toContain('recovered');
  } finally {
    await h.stop();
  }
});

test('sender rates: a sender whose bounces jump against its own history gets one alert per window, to its domain', async () => {
  const { h, clock, sent, onMail } = await setup({ recipients: ['postmaster@example.com'], senderRates: { windowMinutes: 60, minAttempts: 10, maxBouncePercent: 50, maxDeferPercent: 90, baselineFactor: 3 } });
  try {
    const ok = (kind: MailEvent['kind']) => onMail(delivery(clock.now(), { kind, reason: kind === 'sent' ? '250 ok' : '550 5.1.1 unknown user' }));
    // Two quiet windows: 1 bounce in 10 → baseline 10 %
    for (let w = 0; w < 2; w++) {
      for (let i = 0; i < 9; i++) await ok('sent');
      await ok('bounced');
      clock.advance(61 * MIN);
    }
    // Now 3 in 10 bounce: 30 % ≥ 3 × 10 % and ≥ half of 50 %
    for (let i = 0; i < 7; i++) await ok('sent');
    for (let i = 0; i < 3; i++) await ok('bounced');
    await new Promise((r) => setImmediate(r));
    const rate = sent.filter((a) => a.subject.includes('delivery rates of alice@example.com'));
    expect(rate).toHaveLength(1);
    expect(rate[0]).toMatchObject({ domain: 'example.com', recipients: ['postmaster@example.com'] });
    expect(rate[0].text).toContain('bounce rate 30% is 3x or more its usual 10%');
    await ok('bounced');
    await new Promise((r) => setImmediate(r));
    expect(sent.filter((a) => a.subject.includes('delivery rates of alice@example.com'))).toHaveLength(1);
  } finally {
    await h.stop();
  }
});

test('bad events are ignored or repaired, never a crash', async () => {
  const { h, clock, sent, watcher, onMail } = await setup();
  try {
    const bad: Array<Partial<MailEvent>> = [
      { reason: undefined },
      { reason: 42 as never },
      { reason: 'x'.repeat(100_000) + ' blocked using zen.spamhaus.org' },
      { at: Number.NaN },
      { recipients: undefined as never },
      { recipients: [null, 7] as never },
      { sender: undefined as never },
      { relay: '[[[', dsn: undefined },
      { kind: 'accepted' },
      { reason: 'said: 554 blocked using zen.spamhaus.org', relay: undefined, recipients: [] },
    ];
    for (const b of bad) await onMail(delivery(clock.now(), b));
    expect(h.faults).toEqual([]);
    // Every usable refusal is on our one address: not on the remote's (a broken relay field), not on `unknown`.
    expect(await watcher.tick()).toMatchObject({ alerts: 1 });
    expect(sent.map((a) => a.subject)).toEqual(['[mailwarden] 203.0.113.7 listed on zen.spamhaus.org']);
  } finally {
    await h.stop();
  }
});
