import { table } from '../text-table';
import type { ScanReport } from './scan-report';

/** The scan report for people: one small table per question, suspects first. */
export function reportText(r: ScanReport): string {
  const parts: string[] = [];
  parts.push(`${r.lines} lines, ${r.postfixLines} from Postfix, ${r.dovecotLines} from Dovecot, ${r.unparsed} not understood${r.outsideWindow ? `, ${r.outsideWindow} outside --since/--until` : ''}${r.dropped ? `, ${r.dropped} entries beyond the table limits not itemised` : ''}\n`);
  if (r.unparsedSamples.length) parts.push(`\nLINES NOT UNDERSTOOD (first ${r.unparsedSamples.length})\n${r.unparsedSamples.map((l) => `  ${JSON.stringify(l).slice(1, -1)}\n`).join('')}\n`);
  parts.push(`SUSPECTS (${r.suspects.length})\n`);
  parts.push(r.suspects.length ? table(['KIND', 'WHO', 'WHY'], r.suspects.flatMap((s) => s.reasons.map((why, i) => [i ? '' : s.kind, i ? '' : s.subject, why]))) : 'none\n');
  parts.push(`\nAUTHENTICATION FAILURES (${r.authFailures.total}${r.authFailures.serverFaults ? `; ${r.authFailures.serverFaults} more were the SASL server's fault, not counted` : ''}) BY CLIENT\n`);
  parts.push(r.authFailures.byClient.length ? table(['CLIENT', 'FAILURES', 'LOGINS TRIED'], r.authFailures.byClient.map((c) => [c.client, c.failures, c.logins.join(', ') || '-'])) : 'none\n');
  parts.push('\nAUTHENTICATION FAILURES BY LOGIN\n');
  parts.push(r.authFailures.byLogin.length ? table(['LOGIN', 'FAILURES'], r.authFailures.byLogin.map((l) => [l.login, l.failures])) : 'none (older Postfix does not log the login of a failure)\n');
  parts.push('\nAUTHENTICATED SENDERS (sasl_username)\n');
  parts.push(r.senders.length ? table(['LOGIN', 'MESSAGES', 'RECIPIENTS', 'CLIENT IPS', 'FIRST SEEN', 'LAST SEEN'], r.senders.map((s) => [s.login, s.messages, s.recipients, s.clients, s.firstSeen, s.lastSeen])) : 'none\n');
  parts.push('\nUNAUTHENTICATED CLIENTS (RELAYED = recipients handed on to other servers, by latest status)\n');
  parts.push(r.unauthenticated.length ? table(['CLIENT', 'MESSAGES', 'RELAYED', 'SENT', 'DEFERRED', 'BOUNCED'], r.unauthenticated.map((c) => [c.client, c.messages, c.relayed, c.sent, c.deferred, c.bounced])) : 'none\n');
  parts.push('\nRELAY ACCESS DENIED BY CLIENT\n');
  parts.push(r.relayDenied.length ? table(['CLIENT', 'REJECTS'], r.relayDenied.map((c) => [c.client, c.rejects])) : 'none\n');
  parts.push('\nLOCAL SUBMISSIONS (pickup)\n');
  parts.push(r.localSubmissions.length ? table(['UID AND SENDER', 'MESSAGES'], r.localSubmissions.map((l) => [l.submitter, l.messages])) : 'none\n');
  parts.push(trafficText(r.traffic));
  return parts.join('');
}

/** pflogsumm's summary: totals, traffic per hour, top senders and recipients. */
function trafficText(t: ScanReport['traffic']): string {
  const parts: string[] = ['\nTRAFFIC (as pflogsumm counts it)\n'];
  parts.push(table(['RECEIVED', 'DELIVERED', 'FORWARDED', 'DEFERRED', 'BOUNCED', 'EXPIRED', 'BYTES RECEIVED'], [[t.received, t.delivered, t.forwarded, t.deferred, t.bounced, t.expired, t.bytesReceived]]));
  parts.push('\n' + table(['REJECTED', 'REJECT WARNINGS', 'HELD', 'DISCARDED'], [[t.rejected, t.rejectWarnings, t.held, t.discarded]]));
  parts.push('\nPER HOUR (UTC)\n');
  parts.push(t.perHour.length ? table(['HOUR', 'RECEIVED', 'DELIVERED', 'DEFERRED', 'BOUNCED', 'REJECTED'], t.perHour.map((h) => [h.hour, h.received, h.delivered, h.deferred, h.bounced, h.rejected])) : 'none\n');
  parts.push('\nTOP SENDERS\n');
  parts.push(t.topSenders.length ? table(['SENDER', 'MESSAGES'], t.topSenders.map((x) => [x.sender, x.messages])) : 'none\n');
  parts.push('\nTOP SENDER DOMAINS\n');
  parts.push(t.topSenderDomains.length ? table(['DOMAIN', 'MESSAGES'], t.topSenderDomains.map((x) => [x.domain, x.messages])) : 'none\n');
  parts.push('\nTOP RECIPIENTS\n');
  parts.push(t.topRecipients.length ? table(['RECIPIENT', 'DELIVERED'], t.topRecipients.map((x) => [x.recipient, x.delivered])) : 'none\n');
  parts.push('\nTOP RECIPIENT DOMAINS\n');
  parts.push(t.topRecipientDomains.length ? table(['DOMAIN', 'DELIVERED'], t.topRecipientDomains.map((x) => [x.domain, x.delivered])) : 'none\n');
  return parts.join('');
}

/** `[#########.........]  45%  123 MB` on one terminal line. */
export function progressBar(bytes: number, total: number | undefined, width = 30): string {
  const mb = `${(bytes / 1e6).toFixed(0)} MB`;
  if (!total) return `\rscanning… ${mb}`;
  const f = Math.min(1, bytes / total);
  const n = Math.round(f * width);
  return `\r[${'#'.repeat(n)}${'.'.repeat(width - n)}] ${String(Math.round(f * 100)).padStart(3)}%  ${mb}`;
}
