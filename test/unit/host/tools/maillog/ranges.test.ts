import * as fs from 'node:fs';
import * as path from 'node:path';
import { LogStats } from '../../../../../host/tools/maillog/log-stats';
import { buildReport } from '../../../../../host/tools/maillog/scan-report';

const NOW = Date.UTC(2026, 11, 1);
const fixtures = ['shapes.log', 'formats.log'].map((f) => path.join(__dirname, '../../../../fixtures/maillog', f));

function stats(lines: string[], keepOrphans: boolean): LogStats {
  const s = new LogStats({ now: NOW, keepOrphans });
  for (const l of lines) s.line(l, 0, l.length);
  return s;
}

/*
 * The parts of the report a merge keeps exact wherever the cut falls. Two
 * are not (known, at most a message or a login per cut): a qmgr line
 * repeated on both sides of the cut counts its sender and size twice, and
 * Dovecot attempts logged by the auth process before the cut and summed by
 * the login process after it count twice.
 */
function exact(r: ReturnType<typeof buildReport>) {
  const { lines, postfixLines, dovecotLines, unparsed, senders, unauthenticated, relayDenied, localSubmissions } = r;
  const { received, delivered, deferred, bounced, expired, rejected, held, perHour, topRecipients, topRecipientDomains } = r.traffic;
  return { lines, postfixLines, dovecotLines, unparsed, senders, unauthenticated, relayDenied, localSubmissions, received, delivered, deferred, bounced, expired, rejected, held, perHour, topRecipients, topRecipientDomains };
}

// What worker threads do with a large file: ranges scanned apart, each range's state (queue IDs as text) merged in order.
test.each(fixtures)('a log cut anywhere into two ranges and merged counts as the whole: %s', (file) => {
  const lines = fs.readFileSync(file, 'latin1').trimEnd().split('\n');
  const whole = exact(buildReport(stats(lines, false), 20));
  for (let cut = 1; cut < lines.length; cut++) {
    const first = stats(lines.slice(0, cut), true);
    first.absorb(structuredClone(stats(lines.slice(cut), true).toState()));
    expect(exact(buildReport(first, 20))).toEqual(whole);
  }
});
