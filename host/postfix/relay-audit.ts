import { normalizeIp } from '../../shared';
import { parseLine } from './log/parse-line';

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
  readonly messages: number;
  readonly recipients: number;
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
  readonly now?: number;
}

interface Message {
  client: string;
  hour: string;
  recipients: Set<string>;
  relayed: boolean;
}

/** Bound on messages remembered while waiting for their delivery lines. */
const MAX_PENDING = 500_000;

function hourOf(t: number): string {
  return new Date(t).toISOString().slice(0, 13) + ':00Z';
}

/** `gateway[192.168.122.111]` at the start of `s` → [name, ip]. */
function clientOf(s: string): [string, string] | undefined {
  const open = s.indexOf('[');
  const close = s.indexOf(']', open + 1);
  if (open <= 0 || close < 0) return undefined;
  const ip = normalizeIp(s.slice(open + 1, close));
  return ip ? [s.slice(0, open), ip] : undefined;
}

/** `to=<addr>` in a delivery message → addr. */
function recipientOf(msg: string): string | undefined {
  if (!msg.startsWith('to=<')) return undefined;
  const end = msg.indexOf('>', 4);
  return end < 0 ? undefined : msg.slice(4, end).toLowerCase();
}

/**
 * Who relayed without authenticating, from a Postfix log: messages whose
 * smtpd `client=` line has no sasl_username and that were handed to the smtp
 * delivery agent (i.e. left for another server), counted per client and hour.
 */
export class RelayAudit {
  private readonly pending = new Map<string, Message>();
  private readonly clients = new Map<string, { names: Set<string>; hours: Map<string, { messages: number; recipients: number }> }>();
  linesRead = 0;
  linesParsed = 0;

  constructor(private readonly o: RelayAuditOptions) {}

  addLine(raw: string): void {
    this.linesRead++;
    const l = parseLine(raw, this.o.now);
    if (!l) return;
    this.linesParsed++;
    if (l.time === undefined) return;
    if (!l.queueId || l.queueId === 'NOQUEUE') return;
    const tag = l.tag;
    if (tag.endsWith('/smtpd') && l.message.startsWith('client=')) {
      if (l.message.includes('sasl_username=')) return;
      const c = clientOf(l.message.slice(7));
      if (!c) return;
      if (this.pending.size >= MAX_PENDING) this.flush(this.pending.keys().next().value as string);
      this.pending.set(l.queueId, { client: c[1], hour: hourOf(l.time), recipients: new Set(), relayed: false });
      this.client(c[1]).names.add(c[0]);
      return;
    }
    const m = this.pending.get(l.queueId);
    if (!m) return;
    if (tag.endsWith('/smtp')) {
      const r = recipientOf(l.message);
      if (r) {
        m.relayed = true;
        m.recipients.add(r);
      }
    } else if (tag.endsWith('/qmgr') && l.message === 'removed') this.flush(l.queueId);
  }

  private client(ip: string) {
    let c = this.clients.get(ip);
    if (!c) this.clients.set(ip, (c = { names: new Set(), hours: new Map() }));
    return c;
  }

  private flush(queueId: string): void {
    const m = this.pending.get(queueId);
    this.pending.delete(queueId);
    if (!m || !m.relayed) return;
    const h = this.client(m.client).hours;
    const v = h.get(m.hour) ?? { messages: 0, recipients: 0 };
    v.messages++;
    v.recipients += m.recipients.size;
    h.set(m.hour, v);
  }

  /** Every client that relayed, most messages first, with its flags. */
  report(): RelayClient[] {
    for (const id of [...this.pending.keys()]) this.flush(id);
    const factor = this.o.jumpFactor ?? 3;
    const minimum = this.o.jumpMinimum ?? 10;
    const out: RelayClient[] = [];
    for (const [ip, c] of this.clients) {
      const hours = [...c.hours.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([hour, v]) => ({ hour, ...v }));
      if (hours.length === 0) continue;
      const flags: string[] = [];
      const trusted = this.o.isTrusted(ip);
      if (!trusted) {
        const removed = this.o.removedHow?.(ip);
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
        client: ip, names: [...c.names], trusted, flags, hours,
        messages: hours.reduce((s, h) => s + h.messages, 0), recipients: hours.reduce((s, h) => s + h.recipients, 0),
      });
    }
    return out.sort((a, b) => b.messages - a.messages || (a.client < b.client ? -1 : 1));
  }
}
