import { table } from '../../cli/table';
import type { ScanReport } from './scan-report';

/** The scan report for people: one small table per question, suspects first. */
export function reportText(r: ScanReport): string {
  const parts: string[] = [];
  parts.push(`${r.lines} lines, ${r.postfixLines} from Postfix, ${r.unparsed} not in a known log format${r.dropped ? `, ${r.dropped} entries beyond the table limits not itemised` : ''}\n`);
  parts.push(`SUSPECTS (${r.suspects.length})\n`);
  parts.push(r.suspects.length ? table(['KIND', 'WHO', 'WHY'], r.suspects.flatMap((s) => s.reasons.map((why, i) => [i ? '' : s.kind, i ? '' : s.subject, why]))) : 'none\n');
  parts.push(`\nAUTHENTICATION FAILURES (${r.authFailures.total}) BY CLIENT\n`);
  parts.push(r.authFailures.byClient.length ? table(['CLIENT', 'FAILURES', 'LOGINS TRIED'], r.authFailures.byClient.map((c) => [c.client, c.failures, c.logins.join(', ') || '-'])) : 'none\n');
  parts.push('\nAUTHENTICATION FAILURES BY LOGIN\n');
  parts.push(r.authFailures.byLogin.length ? table(['LOGIN', 'FAILURES'], r.authFailures.byLogin.map((l) => [l.login, l.failures])) : 'none (older Postfix does not log the login of a failure)\n');
  parts.push('\nAUTHENTICATED SENDERS (sasl_username)\n');
  parts.push(r.senders.length ? table(['LOGIN', 'MESSAGES', 'RECIPIENTS', 'CLIENT IPS', 'FIRST SEEN', 'LAST SEEN'], r.senders.map((s) => [s.login, s.messages, s.recipients, s.clients, s.firstSeen, s.lastSeen])) : 'none\n');
  parts.push('\nUNAUTHENTICATED CLIENTS (RELAYED = recipients sent on to other servers)\n');
  parts.push(r.unauthenticated.length ? table(['CLIENT', 'MESSAGES', 'RELAYED'], r.unauthenticated.map((c) => [c.client, c.messages, c.relayed])) : 'none\n');
  parts.push('\nRELAY ACCESS DENIED BY CLIENT\n');
  parts.push(r.relayDenied.length ? table(['CLIENT', 'REJECTS'], r.relayDenied.map((c) => [c.client, c.rejects])) : 'none\n');
  parts.push('\nLOCAL SUBMISSIONS (pickup)\n');
  parts.push(r.localSubmissions.length ? table(['UID AND SENDER', 'MESSAGES'], r.localSubmissions.map((l) => [l.submitter, l.messages])) : 'none\n');
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
