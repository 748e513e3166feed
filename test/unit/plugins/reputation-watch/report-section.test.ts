import type { MailEvent } from '../../../../shared';
import { REFUSALS_SECTION, RefusalsReport } from '../../../../plugins/reputation-watch/report-section';

const event = (kind: MailEvent['kind'], relay: string, reason: string): MailEvent => ({ kind, queueId: 'Q', sender: 'a@example.com', recipients: ['b@example.net'], domain: 'example.com', at: 0, relay, reason });
const SPAMHAUS = 'host mx.example.net[198.51.100.9] said: 554 5.7.1 Service unavailable; Client host [203.0.113.7] blocked using zen.spamhaus.org (in reply to RCPT TO command)';

describe('reputation-watch log-report section', () => {
  it('counts refusals that name a blocklist per remote host and list; other answers are not its business', () => {
    const r = new RefusalsReport();
    expect(r.id).toBe(REFUSALS_SECTION);
    const s = r.createSection();
    s.add(event('bounced', 'mx.example.net[198.51.100.9]:25', SPAMHAUS));
    s.add(event('deferred', 'mx.example.net[198.51.100.9]:25', SPAMHAUS));
    s.add(event('deferred', 'mx2.example.net[198.51.100.10]:25', 'host mx2 said: 550 5.7.1 Access denied, banned sending IP [203.0.113.7]. To request removal from this list please visit https://sender.office.com/'));
    s.add(event('sent', 'mx.example.net[198.51.100.9]:25', '250 2.0.0 Ok'));
    s.add(event('deferred', 'mx.example.org[2001:db8::25]:25', 'host said: 421 4.7.0 [TSS04] Messages from 203.0.113.7 temporarily deferred due to unexpected volume or user complaints'));
    s.add(event('deferred', 'mx.example.org[192.0.2.1]:25', 'connect to mx.example.org[192.0.2.1]:25: Connection timed out'));
    const t = s.result();
    expect(t.columns).toEqual(['REMOTE HOST', 'LIST', 'KIND', 'REFUSALS', 'DEFERRED', 'BOUNCED', 'EXAMPLE']);
    expect(t.rows.map((row) => row.slice(0, 6))).toEqual([
      ['mx.example.net[198.51.100.9]', 'zen.spamhaus.org', 'dnsbl', 2, 1, 1],
      ['mx2.example.net[198.51.100.10]', 'microsoft-365', 'provider-block', 1, 1, 0],
    ]);
    expect(t.summary).toBe('3 refusal(s) naming a blocklist');
  });

  it('each scan gets its own section', () => {
    const r = new RefusalsReport();
    const a = r.createSection();
    a.add(event('bounced', 'mx[198.51.100.9]:25', SPAMHAUS));
    expect(r.createSection().result().rows).toEqual([]);
    expect(a.result().rows).toHaveLength(1);
  });

  it('a reply seen again counts as it did the first time, with its relay: past thousands of distinct replies too', () => {
    const s = new RefusalsReport().createSection();
    // 5,000 distinct replies (more than the section keeps classified), each naming the list, then the first again.
    const own = (i: number) => `host mx${i}.example.net said: 554 5.7.1 Client host [203.0.113.${i % 250}] blocked using bl.spamcop.net; message ${i}`;
    for (let i = 0; i < 5000; i++) s.add(event('deferred', `mx${i}.example.net[198.51.100.9]:25`, own(i)));
    s.add(event('bounced', 'mx0.example.net[198.51.100.9]:25', own(0)));
    // The same text from another relay: the relay is part of what was classified (its address is not ours).
    s.add(event('bounced', 'mx.example.org[203.0.113.0]:25', own(0)));
    s.add(event('deferred', 'mx.example.org[203.0.113.0]:25', 'connect to mx.example.org[203.0.113.0]:25: Connection timed out'));
    s.add(event('deferred', 'mx.example.org[203.0.113.0]:25', 'connect to mx.example.org[203.0.113.0]:25: Connection timed out'));
    const t = s.result();
    expect(t.summary).toBe('5002 refusal(s) naming a blocklist');
    expect(t.rows[0].slice(0, 6)).toEqual(['mx0.example.net[198.51.100.9]', 'bl.spamcop.net', 'dnsbl', 2, 1, 1]);
    expect(t.rows.find((r) => r[0] === 'mx.example.org[203.0.113.0]')?.slice(0, 6)).toEqual(['mx.example.org[203.0.113.0]', 'bl.spamcop.net', 'dnsbl', 1, 0, 1]);
  });
});
