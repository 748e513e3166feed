import { hourLabel } from './line-time';
import type { LogStats } from './log-stats';

/*
 * `relay audit`: who relayed without authenticating, read from the same scan
 * as `logs scan` (one set of rules, the same counts): messages whose smtpd
 * `client=` line has no sasl_username and that were handed to the smtp
 * delivery agent (i.e. left for another server), per client and hour of
 * arrival, with recipients by latest status.
 */

export interface HourVolume {
  /** `2026-06-21T08:00Z` (UTC). */
  readonly hour: string;
  readonly messages: number;
  readonly recipients: number;
}

export interface RelayClient {
  readonly client: string;
  /** Host names Postfix printed for it (`gateway` in `gateway[192.168.122.111]`). */
  readonly names: readonly string[];
  /** Messages with at least one recipient handed to another server. */
  readonly messages: number;
  /** Recipients relayed, whatever became of them; then by latest status. */
  readonly recipients: number;
  readonly sent: number;
  readonly deferred: number;
  readonly bounced: number;
  readonly hours: readonly HourVolume[];
  readonly trusted: boolean;
  readonly flags: readonly string[];
}

export interface RelayAuditOptions {
  /** Whether the client is a trusted entry now. */
  readonly isTrusted: (ip: string) => boolean;
  /** When it was trusted before and removed: a description (who, when). */
  readonly removedHow?: (ip: string) => string | undefined;
  /** An hour this many times the client's usual (median) hourly volume is flagged. */
  readonly jumpFactor?: number;
  /** Hours below this many messages are never a jump (a client going 1 → 4 is no story). */
  readonly jumpMinimum?: number;
}


/** Every client that relayed, most messages first, with its flags. */
export function relayClients(stats: LogStats, o: RelayAuditOptions): RelayClient[] {
  const byClient = new Map<string, Array<[number, number[]]>>();
  for (const [k, v] of stats.relayHours) {
    const sp = k.lastIndexOf(' ');
    const ip = k.slice(0, sp);
    let l = byClient.get(ip);
    if (!l) byClient.set(ip, (l = []));
    l.push([Number(k.slice(sp + 1)), v]);
  }
  const factor = o.jumpFactor ?? 3;
  const minimum = o.jumpMinimum ?? 10;
  const out: RelayClient[] = [];
  for (const [ip, rows] of byClient) {
    const c = stats.unauth.get(ip);
    if (!c || c.relayedMessages === 0) continue;
    const hours = rows.sort((a, b) => a[0] - b[0]).map(([h, v]) => ({ hour: hourLabel(h), messages: v[0], recipients: v[1] }));
    const flags: string[] = [];
    const trusted = o.isTrusted(ip);
    if (!trusted) {
      const removed = o.removedHow?.(ip);
      flags.push(removed ? `no longer trusted (${removed})` : 'not a trusted entry');
    }
    for (let k = 1; k < hours.length; k++) {
      const before = hours.slice(Math.max(0, k - 24), k).map((h) => h.messages).sort((a, b) => a - b);
      const median = before[Math.floor(before.length / 2)];
      if (hours[k].messages >= minimum && hours[k].messages >= factor * median) {
        flags.push(`volume jump at ${hours[k].hour}: ${hours[k].messages} messages (usually ${median}/hour)`);
      }
    }
    out.push({
      client: ip, names: c.names, trusted, flags, hours,
      messages: c.relayedMessages, recipients: c.sent + c.deferred + c.bounced, sent: c.sent, deferred: c.deferred, bounced: c.bounced,
    });
  }
  return out.sort((a, b) => b.messages - a.messages || (a.client < b.client ? -1 : 1));
}
