import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../../host/adapters/cli/main';
import { GLOBAL } from '../../../host/core/domains/domain-settings';
import { ManualClock } from '../../../host/core/services/clock';
import type { StoredAlert } from '../../../host/core/services/notifier';
import type { ReputationWatcher } from '../../../plugins/reputation-watch/watcher';
import { tempDir } from '../../helpers/plugin-fixture';
import { testApp } from '../../helpers/test-app';
import { reputationPluginDir } from '../../helpers/reputation-plugin-dir';
import { type DnsReply, TestDnsServer, TYPE_A, TYPE_TXT } from './dns-server';

jest.setTimeout(60_000);

const LISTED: DnsReply = { a: ['127.0.0.2'], txt: ['Listed by SBL, see https://check.spamhaus.org/sbl/query/SBL999'], ttl: 60 };
const REFUSED_RESOLVER: DnsReply = { a: ['127.255.255.254'] };
const NXDOMAIN: DnsReply = { rcode: 3 };

/** Answers for zen.spamhaus.org by our address's reversed name; anything else: NXDOMAIN. */
function zen(byIp: Record<string, DnsReply>) {
  return (name: string, type: number): DnsReply => {
    for (const [ip, reply] of Object.entries(byIp)) {
      if (name !== `${ip.split('.').reverse().join('.')}.zen.spamhaus.org`) continue;
      if (type === TYPE_A || (type === TYPE_TXT && reply.txt)) return reply;
      return { rcode: 0 };
    }
    return NXDOMAIN;
  };
}

function capture() {
  const s = new PassThrough();
  let text = '';
  s.on('data', (c) => (text += c));
  return { s, text: () => text };
}

describe('reputation-watch against a DNS server on loopback', () => {
  let dns: TestDnsServer;
  beforeAll(async () => {
    dns = await new TestDnsServer(() => NXDOMAIN).start();
  });
  afterAll(() => dns.stop());

  test('`mailwarden reputation check` and `status`: 127.0.0.2 with its TXT reason is a listing, 127.255.255.254 is "resolver refused", NXDOMAIN "not listed"', async () => {
    dns.answer(zen({ '203.0.113.7': LISTED, '203.0.113.8': REFUSED_RESOLVER, '203.0.113.9': NXDOMAIN }));
    const dataDir = tempDir('mw-rep-cli-');
    const configFile = path.join(dataDir, 'mailwarden.json');
    fs.writeFileSync(configFile, JSON.stringify({
      dataDir,
      pluginDir: await reputationPluginDir(),
      plugins: { 'reputation-watch': { resolvers: [`127.0.0.1:${dns.port}`], outboundIps: ['203.0.113.7', '203.0.113.8', '203.0.113.9'], lists: [{ zone: 'zen.spamhaus.org' }], dnsTimeoutMs: 2000 } },
    }));
    const out = capture();
    const err = capture();
    const io = { stdout: out.s, stderr: err.s, stdin: new PassThrough(), env: {} };
    expect(await main(['reputation', 'check', '--json', '--config', configFile], io)).toBe(0);
    const r = JSON.parse(out.text());
    expect(r.outbound).toEqual({ ips: ['203.0.113.7', '203.0.113.8', '203.0.113.9'], source: 'config' });
    expect(r.queried).toBe(3);
    expect(r.results.map((x: { ip: string; status: string }) => [x.ip, x.status])).toEqual([
      ['203.0.113.7', 'listed'],
      ['203.0.113.8', 'resolver-refused'],
      ['203.0.113.9', 'not-listed'],
    ]);
    expect(r.results[0]).toMatchObject({ subLists: ['SBL'], reason: 'Listed by SBL, see https://check.spamhaus.org/sbl/query/SBL999', delistUrl: 'https://check.spamhaus.org/' });
    expect(dns.questions).toEqual(expect.arrayContaining([{ name: '7.113.0.203.zen.spamhaus.org', type: TYPE_A }, { name: '7.113.0.203.zen.spamhaus.org', type: TYPE_TXT }]));

    // Asked again at once: Spamhaus's floor (300 s) holds, the answers come from the store
    const asked = dns.questions.length;
    const out2 = capture();
    expect(await main(['reputation', 'check', '--config', configFile], { ...io, stdout: out2.s })).toBe(0);
    expect(dns.questions.length).toBe(asked);
    expect(out2.text()).toContain('Asked 0 list(s) now');
    expect(out2.text()).toMatch(/203\.0\.113\.7\s+zen\.spamhaus\.org\s+LISTED\s+\S+\s+SBL Listed by SBL/);
    expect(out2.text()).toMatch(/203\.0\.113\.8\s+zen\.spamhaus\.org\s+resolver refused\s+\S+\s+the list refused the query: it comes through a public\/open resolver/);
    expect(out2.text()).toMatch(/203\.0\.113\.9\s+zen\.spamhaus\.org\s+not listed/);

    const out3 = capture();
    expect(await main(['reputation', 'status', '--json', '--config', configFile], { ...io, stdout: out3.s })).toBe(0);
    const status = JSON.parse(out3.text());
    expect(status.listings).toEqual([expect.objectContaining({ ip: '203.0.113.7', source: 'zen.spamhaus.org', via: ['dnsbl'], subLists: ['SBL'], listReason: expect.stringContaining('SBL999'), delistUrl: 'https://check.spamhaus.org/' })]);
    // The refusing resolver is logged (once per streak), never reported as a listing
    expect(err.text()).toContain('"status":"resolver-refused"');
    expect(err.text()).not.toMatch(/"level":50/);
  });

  test('the service: a listing raises one alert and the metric; a refusing resolver and then NXDOMAIN end it without calling them listings', async () => {
    dns.answer(zen({ '198.51.100.77': LISTED }));
    const clock = new ManualClock(Date.UTC(2026, 10, 29, 12));
    const { app } = await testApp({
      pluginDir: await reputationPluginDir(),
      clock,
      config: { plugins: { 'reputation-watch': { resolvers: [`127.0.0.1:${dns.port}`], outboundIps: ['198.51.100.77'], lists: [{ zone: 'zen.spamhaus.org' }], checkIntervalSeconds: 600, dnsTimeoutMs: 2000 } } } as never,
    });
    const sent: StoredAlert[] = [];
    app.notifier.addTransport({ name: 'capture', send: async (a) => void sent.push(a) });
    expect(await app.loadPlugins({ startServices: false })).toEqual([]);
    const plugin = app.registry.get('reputation-watch')!;
    // Off by default (it queries public DNSBLs): enabled here as an admin would.
    await app.settings.setEnabled(GLOBAL, plugin, true, 'test');
    await app.settings.setConfig(GLOBAL, plugin, { quietMinutes: 5 }, 'test');
    const watcher = plugin.services[0] as unknown as ReputationWatcher;
    await watcher.start(app.serviceContext(plugin));
    try {
      expect(await watcher.tick()).toMatchObject({ queried: 1, alerts: 1, open: 1 });
      expect(sent[0]).toMatchObject({ severity: 'critical', subject: expect.stringContaining('198.51.100.77 listed on zen.spamhaus.org') });
      expect(sent[0].text).toContain('The list says: Listed by SBL, see https://check.spamhaus.org/sbl/query/SBL999');
      expect(await app.metrics.text()).toMatch(/^mailwarden_blocklist_listed\{list="zen.spamhaus.org",ip="198.51.100.77"\} 1$/m);

      dns.answer(zen({ '198.51.100.77': REFUSED_RESOLVER }));
      clock.advance(600_000);
      expect(await watcher.tick()).toMatchObject({ queried: 1, recoveries: 1 });
      expect(await app.metrics.text()).toMatch(/^mailwarden_reputation_dnsbl_queries_total\{list="zen.spamhaus.org",status="resolver-refused"\} 1$/m);
      expect(await app.metrics.text()).toMatch(/^mailwarden_blocklist_listed\{list="zen.spamhaus.org",ip="198.51.100.77"\} 0$/m);

      dns.answer(zen({}));
      clock.advance(600_000);
      expect(await watcher.tick()).toMatchObject({ queried: 1, alerts: 0, open: 0 });
      expect(await app.metrics.text()).toMatch(/^mailwarden_reputation_dnsbl_queries_total\{list="zen.spamhaus.org",status="not-listed"\} 1$/m);
      expect(sent.map((a) => a.severity)).toEqual(['critical', 'info']);
    } finally {
      await watcher.stop();
      await app.close();
    }
  });
});
