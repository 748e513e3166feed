import { QUEUE_NAMES } from '../../shared';
import type { Breakdown, Ranked } from './breakdown';
import { total, type Counts, type Incident } from './incident';

/** A name safe to print on one line of the mail (it comes from whoever sent the mail). */
function printable(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    out += c < 32 || c === 127 || (c >= 0x80 && c < 0xa0) || c === 0x2028 || c === 0x2029 ? '?' : ch;
  }
  return out;
}

const SAFE = /^[A-Za-z0-9@%+=:,./_-]+$/;

/** POSIX shell quoting: the command pastes as it reads, whatever the address holds. */
export function shellQuote(s: string): string {
  return SAFE.test(s) ? s : `'${s.split("'").join(`'\\''`)}'`;
}

export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${(seconds % 60).toString().padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${(m % 60).toString().padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${(h % 24).toString().padStart(2, '0')}h`;
}

function table(c: Counts): string[] {
  const rows = QUEUE_NAMES.map((q) => [q, String(c[q].length), String(c[q].bytes), formatAge(c[q].oldestAgeSeconds)]);
  rows.unshift(['queue', 'messages', 'bytes', 'oldest']);
  const w = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => `  ${r[0].padEnd(w[0])}  ${r[1].padStart(w[1])}  ${r[2].padStart(w[2])}  ${r[3].padStart(w[3])}`);
}

function ranking(title: string, list: readonly Ranked[], empty: string): string[] {
  if (list.length === 0) return [title, `  ${empty}`];
  const w = Math.max(...list.map((r) => String(r.messages).length));
  return [title, ...list.map((r) => `  ${String(r.messages).padStart(w)}  ${r.name === '' ? '<> (bounces)' : printable(r.name)}`)];
}

/**
 * The hold commands for the top senders; `<>` is the null sender of bounces
 * (a bounce storm is backscatter of spam). Unprintable senders get none: the
 * command shown would not match them.
 */
export function holdCommands(senders: readonly Ranked[]): string[] {
  return senders
    .filter((s) => printable(s.name) === s.name)
    .map((s) => `mailwarden queue hold --sender ${shellQuote(s.name === '' ? '<>' : s.name)}`);
}

export interface AlertInput {
  readonly host: string;
  readonly counts: Counts;
  readonly incident: Incident;
  readonly threshold: number;
  readonly breakdown: Breakdown;
}

export function alertMail(a: AlertInput): { subject: string; text: string } {
  const t = total(a.counts);
  const oldest = Math.max(...QUEUE_NAMES.map((q) => a.counts[q].oldestAgeSeconds));
  const cmds = holdCommands(a.breakdown.senders);
  const lines = [
    `The Postfix queue on ${a.host} holds ${t} messages (alert threshold ${a.threshold}).`,
    `Why: ${a.incident.reasons.join('; ')}.`,
    `Oldest message: ${formatAge(oldest)}.`,
    '',
    ...table(a.counts),
    '',
    ...ranking('Top senders by queued messages:', a.breakdown.senders, '(none)'),
    '',
    ...ranking('Top SASL users by queued messages:', a.breakdown.saslUsernames, '(none authenticated, or not known)'),
    ...(a.breakdown.problem ? ['', `Note: ${a.breakdown.problem}.`] : []),
    '',
    'A queue that fills up fast is usually an account or a relay sending spam.',
    ...(cmds.length ? ['To hold the queued mail of a sender (release it later with `mailwarden queue release`):', ...cmds.map((c) => `  ${c}`)] : []),
    '',
    'You get one alert per incident, and one notice when the queue is back to normal.',
  ];
  return { subject: `[mailwarden] Postfix queue alert on ${a.host}: ${t} messages`, text: lines.join('\n') + '\n' };
}

export function recoveryMail(host: string, counts: Counts, incident: Incident, now: number): { subject: string; text: string } {
  const t = total(counts);
  const lines = [
    `The Postfix queue on ${host} is back to normal: ${t} messages.`,
    `The incident lasted ${formatAge(Math.max(0, Math.floor((now - incident.openedAt) / 1000)))}; the queue peaked at ${incident.peak} messages.`,
    '',
    ...table(counts),
  ];
  return { subject: `[mailwarden] Postfix queue recovered on ${host}: ${t} messages`, text: lines.join('\n') + '\n' };
}
