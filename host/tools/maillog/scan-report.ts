import { hourLabel } from './line-time';
import type { ClientStats, LogStats } from './log-stats';
import { top } from './top';
import { HOUR_COLUMNS } from './traffic';

export interface SuspectThresholds {
  /** Failed SASL logins from one client. */
  readonly authFailures: number;
  /** Distinct client addresses one SASL login sent from. */
  readonly clientsPerLogin: number;
  /** Recipients of one SASL login. */
  readonly recipientsPerLogin: number;
  /** Recipients one unauthenticated client had relayed (sent, deferred or bounced). */
  readonly relayedPerClient: number;
  /** `Relay access denied` for one client. */
  readonly relayDenied: number;
  /** Local submissions by one uid/sender. */
  readonly localSubmissions: number;
}

export const DEFAULT_THRESHOLDS: SuspectThresholds = {
  authFailures: 20,
  clientsPerLogin: 5,
  recipientsPerLogin: 1000,
  relayedPerClient: 500,
  relayDenied: 20,
  localSubmissions: 500,
};

export interface Suspect {
  readonly kind: 'login' | 'client' | 'local';
  readonly subject: string;
  readonly reasons: string[];
}

/** pflogsumm's totals. */
export interface TrafficReport {
  readonly received: number;
  readonly delivered: number;
  /** Recipients passed on by local(8) as a new message (an alias or .forward elsewhere). */
  readonly forwarded: number;
  readonly deferred: number;
  readonly bounced: number;
  readonly expired: number;
  readonly rejected: number;
  /** What warn_if_reject or a WARN action let through. */
  readonly rejectWarnings: number;
  readonly held: number;
  readonly discarded: number;
  readonly bytesReceived: number;
  /** Hours with traffic, oldest first (UTC, `2026-06-21T08:00Z`). */
  readonly perHour: Array<{ hour: string } & Record<(typeof HOUR_COLUMNS)[number], number>>;
  readonly topSenders: Array<{ sender: string; messages: number }>;
  readonly topSenderDomains: Array<{ domain: string; messages: number }>;
  readonly topRecipients: Array<{ recipient: string; delivered: number }>;
  readonly topRecipientDomains: Array<{ domain: string; delivered: number }>;
}

export interface ScanReport {
  readonly lines: number;
  readonly postfixLines: number;
  readonly dovecotLines: number;
  /** Lines not understood: no known prefix, or a known message kind in an unknown shape. */
  readonly unparsed: number;
  /** The first of them (`--unparsed N`). */
  readonly unparsedSamples: string[];
  /** Lines outside --since/--until. */
  readonly outsideWindow: number;
  /** Keys that did not fit the bounded tables (a flood of distinct addresses). */
  readonly dropped: number;
  readonly authFailures: {
    readonly total: number;
    /** SASL failures whose reason is the server's (`Connection lost to authentication server`): not counted against clients. */
    readonly serverFaults: number;
    readonly byClient: Array<{ client: string; failures: number; logins: string[] }>;
    readonly byLogin: Array<{ login: string; failures: number }>;
  };
  readonly senders: Array<{ login: string; messages: number; recipients: number; clients: number; clientAddresses: string[]; firstSeen: string; lastSeen: string }>;
  readonly unauthenticated: Array<{ client: string; names: string[]; messages: number; relayed: number; sent: number; deferred: number; bounced: number }>;
  readonly relayDenied: Array<{ client: string; rejects: number }>;
  readonly localSubmissions: Array<{ submitter: string; messages: number }>;
  readonly traffic: TrafficReport;
  readonly suspects: Suspect[];
}

const KIND_ORDER: Record<Suspect['kind'], number> = { login: 0, local: 1, client: 2 };

/** Relay attempts: a blocklisted relay's spam ends deferred or bounced rather than sent. */
export function relayed(c: ClientStats): number {
  return c.sent + c.deferred + c.bounced;
}


function trafficReport(s: LogStats, topN: number): TrafficReport {
  const tr = s.traffic;
  return {
    received: tr.receivedMessages, delivered: tr.delivered, forwarded: tr.forwarded, deferred: tr.deferred, bounced: tr.bounced, expired: tr.expired,
    rejected: tr.rejected, rejectWarnings: tr.rejectWarnings, held: tr.held, discarded: tr.discarded, bytesReceived: tr.bytes,
    perHour: [...tr.hours].sort((a, b) => a[0] - b[0]).map(([h, r]) => ({ hour: hourLabel(h), received: r[0], delivered: r[1], deferred: r[2], bounced: r[3], rejected: r[4] })),
    topSenders: tr.senders.top(topN).map(([sender, messages]) => ({ sender, messages })),
    topSenderDomains: tr.senderDomains.top(topN).map(([domain, messages]) => ({ domain, messages })),
    topRecipients: tr.recipients.top(topN).map(([recipient, delivered]) => ({ recipient, delivered })),
    topRecipientDomains: tr.recipientDomains.top(topN).map(([domain, delivered]) => ({ domain, delivered })),
  };
}

/** The report of a scan: the `top` largest rows of each table, and every suspect with its reasons. */
export function buildReport(s: LogStats, topN: number, t: SuspectThresholds = DEFAULT_THRESHOLDS): ScanReport {
  const suspects = new Map<string, Suspect>();
  const suspect = (kind: Suspect['kind'], subject: string, reason: string) => {
    const k = `${kind}:${subject}`;
    const e = suspects.get(k);
    if (e) e.reasons.push(reason);
    else suspects.set(k, { kind, subject, reasons: [reason] });
  };
  for (const [ip, a] of s.authByClient) {
    if (a.count >= t.authFailures) suspect('client', ip, `${a.count} failed SASL logins${a.logins.length ? ` (${a.logins.slice(0, 5).join(', ')}${a.logins.length > 5 ? ', …' : ''})` : ''}: password guessing`);
  }
  for (const [login, st] of s.senders) {
    if (st.clients.length > t.clientsPerLogin) suspect('login', login, `sent from ${st.clients.length}${st.clients.length >= 50 ? '+' : ''} different client addresses`);
    if (st.recipients >= t.recipientsPerLogin) suspect('login', login, `${st.recipients} recipients in ${st.messages} messages`);
    const guessedFrom = st.clients.filter((ip) => (s.authByClient.get(ip)?.count ?? 0) >= t.authFailures);
    if (guessedFrom.length) suspect('login', login, `logged in from ${guessedFrom.slice(0, 5).join(', ')}, which also failed ${s.authByClient.get(guessedFrom[0])!.count} logins: a guessed password`);
  }
  for (const id of s.unauth.ids()) {
    const n = s.unauth.relayed(id);
    if (n < t.relayedPerClient) continue;
    const c = s.unauth.stats(id);
    suspect('client', s.unauth.keyOf(id), `${n} recipient${n === 1 ? '' : 's'} relayed without authentication (${c.sent} sent, ${c.deferred} deferred, ${c.bounced} bounced): trusted network?`);
  }
  for (const [ip, n] of s.relayDenied) if (n >= t.relayDenied) suspect('client', ip, `${n} "Relay access denied" rejects: probing for an open relay`);
  for (const [who, n] of s.local) if (n >= t.localSubmissions) suspect('local', who, `${n} messages submitted on the server itself (a hijacked web application?)`);
  return {
    lines: s.lines,
    postfixLines: s.postfix,
    dovecotLines: s.dovecot,
    unparsed: s.unparsed,
    unparsedSamples: s.unparsedSamples,
    outsideWindow: s.outside,
    dropped: s.dropped + s.traffic.dropped,
    authFailures: {
      total: s.authFailures,
      serverFaults: s.serverFaults,
      byClient: top(s.authByClient, ([, a]) => a.count, topN).map(([client, a]) => ({ client, failures: a.count, logins: a.logins })),
      byLogin: top(s.authByLogin, ([, n]) => n, topN).map(([login, failures]) => ({ login, failures })),
    },
    senders: top(s.senders, ([, st]) => st.recipients * 1e6 + st.messages, topN).map(([login, st]) => ({ login, messages: st.messages, recipients: st.recipients, clients: st.clients.length, clientAddresses: st.clients, firstSeen: st.firstSeen, lastSeen: st.lastSeen })),
    unauthenticated: top(s.unauth.ids(), (id) => s.unauth.relayed(id) * 1e6 + s.unauth.messages(id), topN).map((id) => {
      const c = s.unauth.stats(id);
      return { client: s.unauth.keyOf(id), names: c.names, messages: c.messages, relayed: relayed(c), sent: c.sent, deferred: c.deferred, bounced: c.bounced };
    }),
    relayDenied: top(s.relayDenied, ([, n]) => n, topN).map(([client, rejects]) => ({ client, rejects })),
    localSubmissions: top(s.local, ([, n]) => n, topN).map(([submitter, messages]) => ({ submitter, messages })),
    traffic: trafficReport(s, topN),
    suspects: [...suspects.values()].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind]),
  };
}
