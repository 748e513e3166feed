import { type Cidr, cidrContains, parseCidrTable, parseIp } from '../../../../../shared';
import { LogStats } from '../../../../../host/tools/maillog/log-stats';
import { type RelayAuditOptions, relayClients } from '../../../../../host/tools/maillog/relay-report';

/** The relay audit over the same statistics as logs scan. */
class RelayAudit {
  private readonly stats: LogStats;
  constructor(
    private readonly o: RelayAuditOptions,
    localDomains?: string[],
  ) {
    this.stats = new LogStats({ now: NOW, localDomains });
  }
  addLine(l: string): void {
    this.stats.line(l, 0, l.length);
  }
  report() {
    return relayClients(this.stats, this.o);
  }
  get linesRead() {
    return this.stats.lines;
  }
  get linesParsed() {
    return this.stats.parsed;
  }
}

const NOW = Date.UTC(2026, 5, 30);

/** One relayed message in Postfix's words. */
function message(id: string, time: string, client: string, rcpts: string[], sasl = false, status = 'sent (250 ok)'): string[] {
  return [
    `Jun 21 ${time} mx postfix/smtpd[10]: ${id}: client=${client}${sasl ? ', sasl_method=LOGIN, sasl_username=admin' : ''}`,
    `Jun 21 ${time} mx postfix/qmgr[11]: ${id}: from=<x@example.com>, size=100, nrcpt=${rcpts.length} (queue active)`,
    ...rcpts.map((r) => `Jun 21 ${time} mx postfix/smtp[12]: ${id}: to=<${r}>, relay=mx.example.net[192.0.2.50]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=${status}`),
    `Jun 21 ${time} mx postfix/qmgr[11]: ${id}: removed`,
  ];
}

describe('RelayAudit', () => {
  const trusted = parseCidrTable('# t\n192.168.122.0/24 permit\n');
  const containsIp = (nets: readonly Cidr[], ip: string) => nets.some((n) => cidrContains(n, parseIp(ip)!));

  it('counts unauthenticated relays per client and hour, skipping SASL and local delivery', () => {
    const a = new RelayAudit({ isTrusted: (ip) => containsIp(trusted, ip) });
    const lines = [
      ...message('A1B2C3D4E5', '08:01:00', 'gateway[192.168.122.111]', ['a@x.test', 'b@x.test']),
      ...message('A1B2C3D4E6', '08:02:00', 'gateway[192.168.122.111]', ['c@x.test']),
      ...message('A1B2C3D4E7', '09:02:00', 'gateway[192.168.122.111]', ['d@x.test']),
      ...message('B1B2C3D4E7', '09:03:00', 'unknown[46.48.93.60]', ['e@x.test'], true),
      'Jun 21 09:04:00 mx postfix/smtpd[10]: C1B2C3D4E7: client=inbound[203.0.113.5]',
      'Jun 21 09:04:01 mx postfix/local[13]: C1B2C3D4E7: to=<me@mx.local>, relay=local, status=sent (delivered)',
      'Jun 21 09:04:01 mx postfix/qmgr[11]: C1B2C3D4E7: removed',
      'garbage line',
    ];
    for (const l of lines) a.addLine(l);
    const r = a.report();
    expect(r).toEqual([{
      client: '192.168.122.111', names: ['gateway'], messages: 3, recipients: 4, sent: 4, deferred: 0, bounced: 0, trusted: true, flags: [],
      hours: [{ hour: '2026-06-21T08:00', messages: 2, recipients: 3 }, { hour: '2026-06-21T09:00', messages: 1, recipients: 1 }],
    }]);
    expect(a.linesRead).toBe(lines.length);
    expect(a.linesParsed).toBe(lines.length - 1);
  });

  it('flags a client that is not, or no longer, trusted', () => {
    const removedHow = (ip: string) => (ip === '10.9.1.1' ? '10.9.0.0/16 removed by cli:root at 2026-06-22T00:00:00.000Z' : undefined);
    const a = new RelayAudit({ isTrusted: (ip) => containsIp(trusted, ip), removedHow });
    for (const l of [...message('D1', '08:00:00', 'old[10.9.1.1]', ['a@x.test']), ...message('D2', '08:00:01', 'stranger[198.51.100.7]', ['a@x.test'])]) a.addLine(l.replace(/ D(\d): /, ' DDDDD$1: '));
    const r = Object.fromEntries(a.report().map((c) => [c.client, c.flags]));
    expect(r['10.9.1.1']).toEqual(['no longer trusted (10.9.0.0/16 removed by cli:root at 2026-06-22T00:00:00.000Z)']);
    expect(r['198.51.100.7']).toEqual(['not a trusted entry']);
  });

  it('flags an hour whose volume jumps against the usual', () => {
    const a = new RelayAudit({ isTrusted: () => true, jumpFactor: 3, jumpMinimum: 10 });
    let n = 0;
    const send = (hour: string, count: number) => {
      for (let i = 0; i < count; i++) for (const l of message(`E${(n++).toString(16).toUpperCase().padStart(8, '0')}`, `${hour}:00:00`, 'gw[192.168.122.5]', ['a@x.test'])) a.addLine(l);
    };
    send('01', 4);
    send('02', 5);
    send('03', 4);
    send('04', 40);
    const [c] = a.report();
    expect(c.flags).toEqual(['volume jump at 2026-06-21T04:00: 40 messages (usually 4/hour)']);
  });

  it('counts the spam of a relay already on blocklists: deferred and bounced recipients are relay attempts, each once by its latest status', () => {
    const a = new RelayAudit({ isTrusted: () => true });
    const lines = [
      ...message('F1B2C3D4E5', '08:00:00', 'gw[192.168.122.7]', ['a@x.test', 'b@x.test'], false, 'deferred (connect to mx.x.test[192.0.2.1]:25: Connection timed out)'),
      // the retry: a is deferred again, b goes through
      'Jun 21 08:30:00 mx postfix/qmgr[11]: F1B2C3D4E5: from=<x@example.com>, size=100, nrcpt=2 (queue active)',
      'Jun 21 08:30:01 mx postfix/smtp[12]: F1B2C3D4E5: to=<a@x.test>, relay=none, delay=1, dsn=4.4.1, status=deferred (timeout)',
      'Jun 21 08:30:01 mx postfix/smtp[12]: F1B2C3D4E5: to=<b@x.test>, relay=mx.x.test[192.0.2.1]:25, delay=1, dsn=2.0.0, status=sent (250 ok)',
      ...message('F1B2C3D4E6', '08:01:00', 'gw[192.168.122.7]', ['c@x.test'], false, 'bounced (554 5.7.1 blocked using zen.spamhaus.org)'),
    ].filter((l) => !l.includes(': removed') || l.includes('F1B2C3D4E6'));
    for (const l of lines) a.addLine(l);
    expect(a.report()).toEqual([expect.objectContaining({ client: '192.168.122.7', messages: 2, recipients: 3, sent: 1, deferred: 1, bounced: 1 })]);
  });

  it('an MX gateway passing inbound mail on to the mail store, or a content filter on another host: with --local-domain, recipients there are not relayed', () => {
    // From the Internet, for two of our users (one in capitals, as clients write them), one outsider and a subdomain of ours.
    const inbound = (id: string, time: string) => [
      `Jun 21 ${time} mx postfix/smtpd[10]: ${id}: client=mail-ed1.example.net[198.51.100.9]`,
      `Jun 21 ${time} mx postfix/qmgr[11]: ${id}: from=<news@example.net>, size=100, nrcpt=4 (queue active)`,
      `Jun 21 ${time} mx postfix/smtp[12]: ${id}: to=<alice@example.com>, relay=store.example.com[10.0.0.20]:25, delay=1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4XbVq21Zz1)`,
      `Jun 21 ${time} mx postfix/smtp[12]: ${id}: to=<Bob@EXAMPLE.COM>, relay=store.example.com[10.0.0.20]:25, delay=1, dsn=4.4.1, status=deferred (connect to store.example.com[10.0.0.20]:25: Connection refused)`,
      `Jun 21 ${time} mx postfix/smtp[12]: ${id}: to=<carol@other.test>, relay=mx.other.test[192.0.2.8]:25, delay=1, dsn=2.0.0, status=sent (250 ok)`,
      `Jun 21 ${time} mx postfix/smtp[12]: ${id}: to=<dan@lab.example.com>, relay=mx.lab.example.com[192.0.2.9]:25, delay=1, dsn=2.0.0, status=sent (250 ok)`,
      `Jun 21 ${time} mx postfix/qmgr[11]: ${id}: removed`,
    ];
    const lines = [...inbound('A1B2C3D4E5', '08:00:00'), ...inbound('A1B2C3D4E6', '08:00:01')];
    const without = new RelayAudit({ isTrusted: () => false });
    const withDomains = new RelayAudit({ isTrusted: () => false }, ['example.com']);
    for (const l of lines) {
      without.addLine(l);
      withDomains.addLine(l);
    }
    expect(without.report()).toEqual([expect.objectContaining({ client: '198.51.100.9', messages: 2, recipients: 8, sent: 6, deferred: 2 })]);
    expect(withDomains.report()).toEqual([expect.objectContaining({ client: '198.51.100.9', messages: 2, recipients: 4, sent: 4, deferred: 0 })]);
    // Only our own users: nothing relayed at all.
    const ours = new RelayAudit({ isTrusted: () => false }, ['example.com', 'lab.example.com', 'other.test']);
    for (const l of lines) ours.addLine(l);
    expect(ours.report()).toEqual([]);
  });

  it('--local-domain matches an internationalised domain whether the log writes it in UTF-8 (SMTPUTF8) or as A-labels', () => {
    // The log's bytes: UTF-8 for bücher.example, one char per byte as the scanners read them.
    const bytes = (l: string) => Buffer.from(l, 'utf8').toString('latin1');
    const lines = [
      'Jun 21 08:00:00 mx postfix/smtpd[10]: A1B2C3D4E5: client=mail-ed1.example.net[198.51.100.9]',
      'Jun 21 08:00:00 mx postfix/qmgr[11]: A1B2C3D4E5: from=<news@example.net>, size=100, nrcpt=3 (queue active)',
      'Jun 21 08:00:01 mx postfix/smtp[12]: A1B2C3D4E5: to=<anna@Bücher.example>, relay=store.example.com[10.0.0.20]:25, delay=1, dsn=2.0.0, status=sent (250 ok)',
      'Jun 21 08:00:01 mx postfix/smtp[12]: A1B2C3D4E5: to=<ben@xn--bcher-kva.example>, relay=store.example.com[10.0.0.20]:25, delay=1, dsn=2.0.0, status=sent (250 ok)',
      'Jun 21 08:00:01 mx postfix/smtp[12]: A1B2C3D4E5: to=<carl@bücherei.example>, relay=mx.other.test[192.0.2.8]:25, delay=1, dsn=2.0.0, status=sent (250 ok)',
      'Jun 21 08:00:02 mx postfix/qmgr[11]: A1B2C3D4E5: removed',
    ].map(bytes);
    const a = new RelayAudit({ isTrusted: () => false }, ['xn--bcher-kva.example']);
    for (const l of lines) a.addLine(l);
    // Only bücherei.example (another domain) is relayed.
    expect(a.report()).toEqual([expect.objectContaining({ client: '198.51.100.9', messages: 1, recipients: 1, sent: 1 })]);
  });
});
