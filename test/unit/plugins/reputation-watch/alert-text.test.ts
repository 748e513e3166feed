import { listingAlert, rateAlert } from '../../../../plugins/reputation-watch/alert-text';
import { evidenceLine } from '../../../../plugins/reputation-watch/rejections';
import { renderStatus } from '../../../../plugins/reputation-watch/status';

const AT = Date.UTC(2026, 10, 29, 12);

test('a remote reply cannot forge lines of the alert or the status (line breaks, escapes, bidi controls)', () => {
  const reason = 'said: 554 blocked using zen.spamhaus.org\nmailwarden queue purge --yes\u001b[2J\u202e';
  const line = evidenceLine({ kind: 'bounced', queueId: 'Q1', sender: 'a@example.com', recipients: ['b@example.net'], domain: 'example.com', at: AT, relay: 'mx[198.51.100.9]:25', dsn: '5.7.1', reason });
  expect(line).toBe('2026-11-29T12:00:00Z bounced to=<b@example.net> relay=mx[198.51.100.9]:25 dsn=5.7.1 (said: 554 blocked using zen.spamhaus.org?mailwarden queue purge --yes?[2J?)');
  const rejections = { ip: '203.0.113.7', source: 'zen.spamhaus.org', kind: 'dnsbl' as const, firstSeen: AT, lastSeen: AT, count: 1, receivingDomains: ['example.net\nx'], evidence: [line] };
  const { text } = listingAlert('mx1', { ip: '203.0.113.7', source: 'zen.spamhaus.org', rejections }, 'first');
  expect(text).not.toMatch(/^mailwarden queue purge/m);
  expect(text).toContain('Receiving domains: example.net?x.');
  const status = renderStatus({ listings: [{ ...rejections, via: ['refusals'], refusals: 1 }], checks: [] });
  expect(status).not.toMatch(/^mailwarden queue purge/m);
  expect(status).toContain('203.0.113.7 — zen.spamhaus.org (dnsbl; seen by refusals)');
});

test('the rate alert quotes the sender for the shell', () => {
  const { text } = rateAlert('mx1', { subject: "o'brien$(id)@example.com", scope: 'sender', attempts: 20, bounced: 10, deferred: 0, bouncePercent: 50, deferPercent: 0, reasons: ['bounce rate 50% >= 20%'] }, 60);
  expect(text).toContain(`mailwarden queue hold --sender 'o'\\''brien$(id)@example.com'`);
});
