import type { DnsblResult } from './dnsbl-check';
import type { RejectionRecord } from './rejections';
import type { RateBreach } from './sender-rates';
import { iso, printable, shellQuote } from './text';

/** What one incident is about: remote refusals, a DNSBL answer, or both, for one of our addresses and one list/provider. */
export interface Subject {
  readonly ip: string;
  readonly source: string;
  readonly rejections?: RejectionRecord;
  readonly dnsbl?: DnsblResult;
}

const KIND_WORDS: Record<string, string> = {
  dnsbl: 'a DNS blocklist lists it',
  'provider-block': "the provider's own block list holds it",
  reputation: 'the provider judges its mail as spam or its reputation as low',
  throttle: 'the provider slows its mail down for volume or user complaints',
};

function what(s: Subject): string {
  if (s.dnsbl?.status === 'listed') return `${s.ip} is listed on ${s.source}${s.dnsbl.subLists.length ? ` (${s.dnsbl.subLists.join(', ')})` : ''}`;
  const r = s.rejections!;
  return `${r.source === 'unnamed' ? 'remote servers' : r.source} refuse${r.source === 'unnamed' ? '' : 's'} mail from ${s.ip}${r.code ? ` (${r.code})` : ''}: ${KIND_WORDS[r.kind] ?? r.kind}`;
}

function delist(s: Subject): string | undefined {
  return s.dnsbl?.delistUrl ?? s.rejections?.delistUrl;
}

function facts(s: Subject): string[] {
  const out: string[] = [];
  const r = s.rejections;
  if (r) {
    out.push(`Refusals: ${r.count} since ${iso(r.firstSeen)}, the last at ${iso(r.lastSeen)}.`);
    if (r.receivingDomains.length) out.push(`Receiving domains: ${r.receivingDomains.map((d) => printable(d, 100)).join(', ')}.`);
  }
  const d = s.dnsbl;
  if (d) {
    out.push(`DNSBL ${d.zone} at ${iso(d.checkedAt)}: ${d.status}${d.codes.length ? ` (${d.codes.join(', ')})` : ''}.`);
    if (d.reason) out.push(`The list says: ${printable(d.reason, 300)}`);
  }
  const link = delist(s);
  if (link) out.push(`Look up / request removal: ${link}`);
  return out;
}

function todo(s: Subject): string[] {
  const kind = s.dnsbl?.status === 'listed' ? 'dnsbl' : s.rejections?.kind;
  const steps = [
    'What to do:',
    '  1. Find what sends the spam before asking for removal: `mailwarden queue` (top senders and SASL users),',
    '     the sender-rate alerts of this plugin, `mailwarden logs scan`; hold it with `mailwarden queue hold --sender …`',
    '     and lock a hijacked account with `mailwarden account lock …`.',
  ];
  if (kind === 'throttle') steps.push('  2. The provider defers, it has not blocked yet: slowing down and stopping the source is usually enough; deferred mail is retried.');
  else if (delist(s)) steps.push(`  2. Then request removal: ${delist(s)} (a removal asked while the spam goes on is refused or undone).`);
  else steps.push('  2. Then ask the list or provider for removal, following the link in its reply.');
  steps.push('  3. `mailwarden reputation status` shows every listing and its evidence; `mailwarden reputation check` asks the lists again.');
  return steps;
}

export function listingAlert(host: string, s: Subject, reason: 'first' | 'rate', rate?: { count: number; minutes: number }): { subject: string; text: string } {
  const head = reason === 'rate' ? `Still refused, now at a rate: ${rate!.count} or more refusals within ${rate!.minutes} min.` : 'First seen now.';
  const lines = [
    `On ${host}: ${what(s)}.`,
    head,
    '',
    ...facts(s),
    ...(s.rejections?.evidence.length ? ['', 'Evidence (the latest delivery lines):', ...s.rejections.evidence.map((l) => `  ${l}`)] : []),
    '',
    ...todo(s),
    '',
    'You get one alert per incident (and one if refusals keep coming at a rate), then one notice when it ends.',
  ];
  const subject = `[mailwarden] ${reason === 'rate' ? 'still ' : ''}${s.dnsbl?.status === 'listed' || s.rejections?.kind === 'dnsbl' ? `${s.ip} listed on ${s.source}` : `${s.source} refuses ${s.ip}`}`;
  return { subject: printable(subject, 200), text: lines.join('\n') + '\n' };
}

export function recoveryNotice(host: string, s: Subject, openedAt: number, now: number, quietMinutes: number): { subject: string; text: string } {
  const lines = [
    `On ${host}: ${s.ip} and ${s.source} look fine again: no refusal for ${quietMinutes} min${s.dnsbl ? ` and ${s.dnsbl.zone} answers ${s.dnsbl.status}` : ''}.`,
    `The incident opened at ${iso(openedAt)} and closed at ${iso(now)}.`,
    ...(s.rejections ? [`Refusals in all: ${s.rejections.count}.`] : []),
  ];
  return { subject: printable(`[mailwarden] recovered: ${s.ip} on ${s.source}`, 200), text: lines.join('\n') + '\n' };
}

export function rateAlert(host: string, b: RateBreach, windowMinutes: number): { subject: string; text: string } {
  const who = printable(b.subject, 200);
  const lines = [
    `On ${host}: ${b.scope === 'sender' ? 'the sender' : 'the sender domain'} ${who} is over its delivery limits in the last ${windowMinutes} min window:`,
    ...b.reasons.map((r) => `  - ${r}`),
    `Attempts ${b.attempts}: bounced ${b.bounced} (${b.bouncePercent}%), deferred ${b.deferred} (${b.deferPercent}%).`,
    `Its usual rates: bounced ${b.baselineBounce ?? '?'}%, deferred ${b.baselineDefer ?? '?'}% (no history yet: ?).`,
    '',
    'Many bounces and deferrals from one sender are the early sign of a hijacked account or a bad list, before blocklists react.',
    b.scope === 'sender' ? `To hold its queued mail: mailwarden queue hold --sender ${shellQuote(who)}` : 'See the top senders of this domain in `mailwarden queue`.',
  ];
  return { subject: printable(`[mailwarden] delivery rates of ${b.subject}: ${b.reasons[0]}`, 200), text: lines.join('\n') + '\n' };
}
