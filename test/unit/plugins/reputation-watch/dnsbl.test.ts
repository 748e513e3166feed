import { listSpecs, withDefaults } from '../../../../plugins/reputation-watch/config';
import { checkServer, type ALookup, type DnsClient } from '../../../../plugins/reputation-watch/dns-client';
import { interpretAnswer, queryName } from '../../../../plugins/reputation-watch/dnsbl-answer';
import { checkLists } from '../../../../plugins/reputation-watch/dnsbl-check';
import { isPublic, outboundAddresses } from '../../../../plugins/reputation-watch/outbound-ips';
import { MemoryStateStore } from '../../../../shared/testing';

/** Answers from a table; counts the questions. */
class TableDns implements DnsClient {
  asked: string[] = [];
  constructor(public answers: Record<string, ALookup>, public texts: Record<string, string[]> = {}) {}
  async a(name: string): Promise<ALookup> {
    this.asked.push(name);
    return this.answers[name] ?? { kind: 'nxdomain' };
  }
  async txt(name: string): Promise<string[]> {
    return this.texts[name] ?? [];
  }
}

test('query names: IPv4 reversed octets, IPv6 reversed nibbles (RFC 5782 §2.1, §2.4)', () => {
  expect(queryName('192.0.2.99', 'zen.spamhaus.org')).toBe('99.2.0.192.zen.spamhaus.org');
  // RFC 5782 §2.4's own example: 2001:db8:1:2:3:4:567:89ab
  expect(queryName('2001:db8:1:2:3:4:567:89ab', 'bl.example')).toBe('b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.example');
  expect(queryName('2001:db8::1', 'x.test')).toBe(`1.${'0.'.repeat(23)}8.b.d.0.1.0.0.2.x.test`);
  expect(queryName('not-an-ip', 'x.test')).toBeUndefined();
  expect(queryName('1.2.3.4; rm -rf /', 'x.test')).toBeUndefined();
});

test('answers: Spamhaus sub-lists, the 127.255.255.x errors are never listings, odd answers are errors', () => {
  const zen = listSpecs(withDefaults(undefined)).find((l) => l.zone === 'zen.spamhaus.org')!;
  expect(interpretAnswer(['127.0.0.2'], zen.codes)).toEqual({ status: 'listed', codes: ['127.0.0.2'], subLists: ['SBL'] });
  expect(interpretAnswer(['127.0.0.4', '127.0.0.10'], zen.codes)).toMatchObject({ status: 'listed', subLists: ['PBL (ISP maintained)', 'XBL'] });
  expect(interpretAnswer(['127.255.255.254'], zen.codes)).toMatchObject({ status: 'resolver-refused', subLists: [] });
  expect(interpretAnswer(['127.255.255.255'])).toMatchObject({ status: 'rate-limited' });
  expect(interpretAnswer(['127.255.255.252'])).toMatchObject({ status: 'error', detail: expect.stringContaining('mistyped') });
  expect(interpretAnswer(['127.255.255.253'])).toMatchObject({ status: 'error' });
  // A listing mixed with an error code is not trusted
  expect(interpretAnswer(['127.0.0.2', '127.255.255.254'])).toMatchObject({ status: 'resolver-refused' });
  // A resolver rewriting NXDOMAIN to an ad server, and 127.0.0.1 ("listing the world")
  expect(interpretAnswer(['198.51.100.80'])).toMatchObject({ status: 'error' });
  expect(interpretAnswer(['127.0.0.1'])).toMatchObject({ status: 'error' });
  expect(interpretAnswer([])).toMatchObject({ status: 'error' });
  // Spamhaus DQS (a key in the zone name) answers with ZEN's codes
  const dqs = listSpecs(withDefaults({ lists: [{ zone: 'abcdefkey.zen.dq.spamhaus.net' }] }))[0];
  expect(dqs).toMatchObject({ minIntervalSeconds: 0, delistUrl: 'https://check.spamhaus.org/' });
  expect(interpretAnswer(['127.0.0.3'], dqs.codes)).toMatchObject({ status: 'listed', subLists: ['SBL CSS'] });
  // A list without a published code table reports the code itself
  expect(interpretAnswer(['127.0.0.3'])).toEqual({ status: 'listed', codes: ['127.0.0.3'], subLists: ['127.0.0.3'] });
});

test('resolver entries: addresses with optional port only', () => {
  expect(checkServer('127.0.0.1:5353')).toBe('127.0.0.1:5353');
  expect(checkServer('[::1]:53')).toBe('[::1]:53');
  expect(checkServer('2001:db8::53')).toBe('2001:db8::53');
  for (const bad of ['dns.example', '127.0.0.1:99999', '1.2.3', '', '[::1', '127.0.0.1:53; x']) expect(() => checkServer(bad)).toThrow(/is not an address/);
});

test('a public list is never asked more often than its floor, even when the config asks for it; TTL lengthens the wait', async () => {
  const store = new MemoryStateStore();
  const name = '7.113.0.203.zen.spamhaus.org';
  const dns = new TableDns({ [name]: { kind: 'answer', addresses: ['127.0.0.2'], ttl: 7200 } }, { [name]: ['Listed by SBL, see https://check.spamhaus.org/sbl/query/SBL1'] });
  const lists = listSpecs(withDefaults({ lists: [{ zone: 'zen.spamhaus.org', minIntervalSeconds: 0 }], checkIntervalSeconds: 3600 }));
  expect(lists).toEqual([expect.objectContaining({ zone: 'zen.spamhaus.org', minIntervalSeconds: 300 })]);
  const t0 = 1_700_000_000_000;
  const first = await checkLists(dns, store, lists, ['203.0.113.7'], t0, { intervalSeconds: 3600 });
  expect(first.queried).toBe(1);
  expect(first.results[0]).toMatchObject({ status: 'listed', subLists: ['SBL'], reason: 'Listed by SBL, see https://check.spamhaus.org/sbl/query/SBL1', delistUrl: 'https://check.spamhaus.org/', listedSince: t0 });
  // "check now" 299 s later: under the list's floor, the kept answer
  expect((await checkLists(dns, store, lists, ['203.0.113.7'], t0 + 299_000, { intervalSeconds: 0 })).queried).toBe(0);
  // at 300 s "check now" may ask; the periodic check waits for the TTL (7200 s > 3600 s)
  expect((await checkLists(dns, store, lists, ['203.0.113.7'], t0 + 300_000, { intervalSeconds: 0 })).queried).toBe(1);
  const t1 = t0 + 300_000;
  expect((await checkLists(dns, store, lists, ['203.0.113.7'], t1 + 3_600_000, { intervalSeconds: 3600 })).queried).toBe(0);
  const later = await checkLists(dns, store, lists, ['203.0.113.7'], t1 + 7_200_000, { intervalSeconds: 3600 });
  expect(later.queried).toBe(1);
  expect(later.results[0].listedSince).toBe(t0);
  expect(dns.asked).toEqual([name, name, name]);
});

test('NXDOMAIN is not listed, REFUSED is the resolver refusing, a timeout is an error; IPv6 is asked by nibbles', async () => {
  const store = new MemoryStateStore();
  const v6 = queryName('2001:db8::7', 'refusing.test')!;
  const dns = new TableDns({
    [v6]: { kind: 'refused' },
    [queryName('2001:db8::7', 'slow.test')!]: { kind: 'error', code: 'ETIMEOUT' },
  });
  const lists = listSpecs(withDefaults({ lists: [{ zone: 'clean.test' }, { zone: 'refusing.test' }, { zone: 'slow.test' }] }));
  const r = await checkLists(dns, store, lists, ['2001:db8::7'], 1000, { intervalSeconds: 60 });
  expect(r.results.map((x) => [x.zone, x.status])).toEqual([
    ['clean.test', 'not-listed'],
    ['refusing.test', 'resolver-refused'],
    ['slow.test', 'error'],
  ]);
  expect(r.results[2].detail).toBe('lookup failed: ETIMEOUT');
});

test('outbound addresses: the config, else postconf, else public interface addresses; junk from postconf is ignored', async () => {
  expect(await outboundAddresses(['203.0.113.7', 'junk'], ['postconf'], async () => '')).toEqual({ ips: ['203.0.113.7'], source: 'config' });
  expect(await outboundAddresses([], ['postconf', '-h', 'smtp_bind_address', 'smtp_bind_address6'], async () => '198.51.100.25\n2001:db8::25\n')).toEqual({ ips: ['198.51.100.25', '2001:db8::25'], source: 'postconf' });
  const failed = await outboundAddresses([], ['postconf'], async () => {
    throw new Error('postconf: fatal: open /etc/postfix/main.cf: No such file');
  });
  expect(failed).toMatchObject({ source: 'interfaces', problem: expect.stringContaining('postconf failed') });
  expect(failed.ips.every(isPublic)).toBe(true);
  expect(await outboundAddresses([], ['postconf'], async () => '\n$(reboot)\n0.0.0.0\n')).toMatchObject({ source: 'interfaces' });
  expect(['10.1.2.3', '127.0.0.1', '192.168.1.1', '172.20.0.1', '100.64.0.1', 'fe80::1', 'fd00::1', '::1'].filter(isPublic)).toEqual([]);
  expect(['203.0.113.7', '2001:db8::1', '8.8.8.8'].every(isPublic)).toBe(true);
});
