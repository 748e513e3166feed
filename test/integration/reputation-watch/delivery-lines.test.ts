import { DeliveryLines, type LoggedDelivery } from '../../../host/adapters/logs/delivery-lines';

/** The follower's delivery lines, fed as LogTail feeds them (one line per call). */
function read(lines: string[]): LoggedDelivery[] {
  const got: LoggedDelivery[] = [];
  const d = new DeliveryLines((x) => got.push(x));
  for (const l of lines) d.line(l, 0, l.length);
  return got;
}

const QMGR = 'Nov 29 20:05:01 mx1 postfix/qmgr[123]: 4ABCDEF0123: from=<Alice@Example.com>, size=345, nrcpt=2 (queue active)';

test('deferred, bounced and sent lines, each with the sender of its queue ID; qmgr\'s expired line is not a delivery agent\'s', () => {
  const got = read([
    QMGR,
    'Nov 29 20:05:02 mx1 postfix/smtp[124]: 4ABCDEF0123: to=<Bob@example.net>, relay=mx.example.net[198.51.100.9]:25, delay=0.1, delays=0.01/0/0.05/0, dsn=5.7.1, status=bounced (host mx.example.net[198.51.100.9] said: 554 5.7.1 Service unavailable; Client host [203.0.113.7] blocked using zen.spamhaus.org (in reply to RCPT TO command))',
    'Nov 29 20:05:02 mx1 postfix/smtp[124]: 4ABCDEF0123: to=<carol@example.org>, orig_to=<c@example.org>, relay=mx.example.org[2001:db8::25]:25, delay=1, delays=1/0/0/0, dsn=4.7.0, status=deferred (host mx.example.org[2001:db8::25] said: 421 4.7.0 [TSS04] Messages from 203.0.113.7 temporarily deferred due to unexpected volume or user complaints)',
    '2026-11-29T20:05:04.123456+00:00 mx1 postfix/smtp[1]: 5BCDEF01234: to=<dave@example.com>, relay=mx[192.0.2.1]:25, delay=1, delays=1/0/0/0, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 99)',
    'Nov 29 20:05:05 mx1 postfix/qmgr[123]: 6CDEF012345: from=<eve@example.com>, status=expired, returned to sender',
    // The hand-off to a content filter on the loopback (amavis) that queued the message again: not a delivery.
    'Nov 29 20:05:05 mx1 postfix/smtp[127]: 4ABCDEF0123: to=<bob@example.net>, relay=127.0.0.1[127.0.0.1]:10024, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 7DEF0123456)',
    // local(8) forwarding as a new message: that message's own delivery is the event.
    'Nov 29 20:05:05 mx1 postfix/local[126]: 4ABCDEF0123: to=<info@mx1.example.com>, orig_to=<info@example.com>, relay=local, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (forwarded as 7DEF0123456)',
    // qmgr and retry defer without trying, repeating the reason the smtp agent gave: not another refusal.
    'Nov 29 20:05:06 mx1 postfix/qmgr[123]: 4ABCDEF0123: to=<dan@example.org>, relay=none, delay=1, delays=1/0/0/0, dsn=4.7.0, status=deferred (delivery temporarily suspended: host mx.example.org[2001:db8::25] said: 421 4.7.0 [TSS04] Messages from 203.0.113.7 temporarily deferred)',
    'Nov 29 20:05:06 mx1 postfix/retry[125]: 4ABCDEF0123: to=<fay@example.org>, relay=none, delay=1, delays=1/0/0/0, dsn=4.7.0, status=deferred (delivery temporarily suspended: host mx.example.org[2001:db8::25] said: 421 4.7.0 [TSS04] Messages from 203.0.113.7 temporarily deferred)',
  ]);
  expect(got).toEqual([
    { queueId: '4ABCDEF0123', sender: 'alice@example.com', recipient: 'bob@example.net', status: 'bounced', relay: 'mx.example.net[198.51.100.9]:25', dsn: '5.7.1', reason: 'host mx.example.net[198.51.100.9] said: 554 5.7.1 Service unavailable; Client host [203.0.113.7] blocked using zen.spamhaus.org (in reply to RCPT TO command)' },
    { queueId: '4ABCDEF0123', sender: 'alice@example.com', recipient: 'carol@example.org', status: 'deferred', relay: 'mx.example.org[2001:db8::25]:25', dsn: '4.7.0', reason: 'host mx.example.org[2001:db8::25] said: 421 4.7.0 [TSS04] Messages from 203.0.113.7 temporarily deferred due to unexpected volume or user complaints' },
    { queueId: '5BCDEF01234', sender: '', recipient: 'dave@example.com', status: 'sent', relay: 'mx[192.0.2.1]:25', dsn: '2.0.0', reason: '250 2.0.0 Ok: queued as 99' },
  ]);
});

test('hostile and broken lines: bounded, never a crash, nothing invented', () => {
  const long = 'x'.repeat(12_000);
  const got = read([
    QMGR,
    `Nov 29 20:05:02 mx1 postfix/smtp[124]: 4ABCDEF0123: to=<bob@example.net>, relay=mx[198.51.100.9]:25, dsn=5.7.1, status=bounced (${long})`,
    'Nov 29 20:05:02 mx1 postfix/smtp[124]: 4ABCDEF0123: to=<bob@example.net>, status=bounced',
    'Nov 29 20:05:02 mx1 postfix/smtp[124]: 4ABCDEF0123: to=<bob@example.net, relay=x, status=bounced (y)',
    'Nov 29 20:05:02 mx1 postfix/smtp[124]: 4ABCDEF0123: to=<bob@example.net>, relay=x, status=weird (y)',
    'garbage',
    '',
  ]);
  expect(got).toHaveLength(2);
  expect(got[0].reason).toHaveLength(2000);
  expect(got[1]).toEqual({ queueId: '4ABCDEF0123', sender: 'alice@example.com', recipient: 'bob@example.net', status: 'bounced' });
});

test('a sender is remembered while its message is in the queue: forgotten at qmgr\'s removed, kept for one still queued however many pass', () => {
  const qmgr = (qid: string, from: string) => `Nov 29 20:05:01 mx1 postfix/qmgr[123]: ${qid}: from=<${from}>, size=345, nrcpt=1 (queue active)`;
  const deferred = (qid: string) => `Nov 29 20:05:02 mx1 postfix/smtp[124]: ${qid}: to=<bob@example.net>, relay=mx[198.51.100.9]:25, dsn=4.4.1, status=deferred (connect to mx[198.51.100.9]:25: Connection timed out)`;
  const removed = (qid: string) => `Nov 29 20:05:03 mx1 postfix/qmgr[123]: ${qid}: removed`;
  // 30,000 messages pass (more than the index holds at once), each removed after its delivery; one stays queued all along.
  const lines = [qmgr('1AAAA', 'Stuck@Example.com')];
  for (let i = 0; i < 30_000; i++) {
    const qid = (0x20000 + i).toString(16).toUpperCase();
    lines.push(qmgr(qid, i % 2 ? 'Alice@Example.com' : 'bob@example.com'), deferred(qid), removed(qid));
  }
  lines.push(deferred('1AAAA'), removed('1AAAA'), deferred('1AAAA'));
  const got = read(lines);
  expect(got).toHaveLength(30_002);
  expect(got[0].sender).toBe('bob@example.com');
  expect(got[1].sender).toBe('alice@example.com');
  expect(got[30_000]).toMatchObject({ queueId: '1AAAA', sender: 'stuck@example.com' });
  // A line of a message after its removal (a log cut and pasted, a reused ID) has no sender to borrow.
  expect(got[30_001]).toMatchObject({ queueId: '1AAAA', sender: '' });
});
