import type { Notification } from '../../shared';
import type { Trigger } from './remediation';

export interface Evidence {
  readonly login?: string;
  /** For an unauthenticated trusted client: its address. */
  readonly client?: string;
  readonly domain: string;
  readonly trigger: Trigger;
  readonly summary: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly clientAddresses: readonly string[];
  readonly networks: readonly string[];
  readonly sampleRecipients: readonly string[];
  readonly senders: readonly string[];
  readonly queueIds: readonly string[];
  readonly at: number;
  readonly steps?: readonly string[];
  readonly held?: number;
}

/** Commands that undo what was done, once the account is safe again. */
export function undoCommands(ev: Evidence): string[] {
  const out: string[] = [];
  if (ev.login) out.push(`mailwarden account unlock ${ev.login}`);
  const senders = new Set<string>(ev.login ? [ev.login, ...ev.senders] : ev.senders);
  for (const s of senders) out.push(`mailwarden queue release --sender ${s}`);
  return out;
}

function purgeCommands(ev: Evidence): string[] {
  const senders = new Set<string>(ev.login ? [ev.login, ...ev.senders] : ev.senders);
  return [...senders].map((s) => `mailwarden queue purge --sender ${s} --queue hold`);
}

/** The one alert an incident produces: evidence first, then what was done and how to undo it. */
export function alertFor(ev: Evidence, remediated: boolean): Notification {
  const who = ev.login ?? `trusted client ${ev.client}`;
  const lines = [
    `mailwarden suspects that ${who} is sending spam: ${ev.summary}.`,
    '',
    'Evidence:',
    ...Object.entries(ev.counts).map(([k, v]) => `  ${k}: ${v}`),
    `  client addresses (last hour): ${ev.clientAddresses.join(', ') || '-'}`,
    `  client networks (last hour): ${ev.networks.join(', ') || '-'}`,
    `  envelope senders (last day): ${ev.senders.join(', ') || '-'}`,
    `  sample recipients: ${ev.sampleRecipients.join(', ') || '-'}`,
    `  queue IDs it queued (last day): ${ev.queueIds.slice(0, 50).join(' ') || '-'}${ev.queueIds.length > 50 ? ` (+${ev.queueIds.length - 50} more)` : ''}`,
    '',
    remediated ? 'Done automatically:' : 'Automatic remediation is off (remediate=false); nothing was changed.',
    ...(ev.steps ?? []).map((s) => `  - ${s}`),
    '',
    'Next: change the password, check the held mail (mailwarden queue list --queue hold --sender ...).',
    'To undo once the account is safe:',
    ...undoCommands(ev).map((c) => `  ${c}`),
    'To delete the held mail instead:',
    ...purgeCommands(ev).map((c) => `  ${c}`),
  ];
  return {
    subject: `Suspected compromised ${ev.login ? 'account' : 'relay'}: ${ev.login ?? ev.client}`,
    text: lines.join('\n') + '\n',
    severity: 'critical',
    kind: 'compromise',
    domain: ev.domain,
    data: { ...ev, undo: undoCommands(ev) },
    dedupeKey: `sender-ratelimit:compromise:${ev.login ?? ev.client}`,
  };
}
