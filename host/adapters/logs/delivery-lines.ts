import type { MailEvent } from '../../../shared';
import { lower, own, text } from '../../tools/maillog/keys';
import { findIn, K_DELIVERY, K_QUEUED, newMailEvent, recognise, STATUS_DEFERRED, STATUS_SENT } from '../../tools/maillog/recognise';
import { newLineParts, scanLine } from '../../tools/maillog/tokenizer';

/*
 * Postfix delivery lines as MailEvents: the log follower hands them to the
 * plugins' onMail, `logs scan` to the plugins' report sections.
 */

/** Queue IDs whose sender (qmgr `from=<…>`) is remembered for their delivery lines. */
const MAX_SENDERS = 20_000;
/** The reason text kept: remote servers write it; plugins bound their own reading too. */
const MAX_REASON = 2000;

/** What one delivery line says, with the sender of its queue ID when the follower saw it. */
export interface LoggedDelivery {
  readonly queueId: string;
  readonly sender: string;
  readonly recipient: string;
  readonly status: 'sent' | 'deferred' | 'bounced';
  readonly relay?: string;
  readonly dsn?: string;
  readonly reason?: string;
}

/** Postfix `QID: to=<r>, relay=…, dsn=…, status=… (reason)` lines, with qmgr's senders remembered per queue ID. */
export class DeliveryLines {
  private readonly p = newLineParts();
  private readonly e = newMailEvent();
  private readonly senders = new Map<string, string>();

  constructor(private readonly onDelivery: (d: LoggedDelivery) => void) {}

  line(s: string, start: number, end: number): void {
    if (!scanLine(s, start, end, this.p)) return;
    const k = recognise(s, this.p, this.e);
    if (k !== K_QUEUED && k !== K_DELIVERY) return;
    const qid = own(s.slice(this.p.qidStart, this.p.qidEnd));
    if (k === K_QUEUED) {
      if (this.senders.size >= MAX_SENDERS && !this.senders.has(qid)) this.senders.delete(this.senders.keys().next().value as string);
      this.senders.set(qid, lower(text(s, this.e.addrStart, this.e.addrEnd)));
      return;
    }
    const e = this.e;
    // `expired` is Postfix giving up on a deferred message: a bounce for the sender.
    const status = e.n === STATUS_SENT ? 'sent' : e.n === STATUS_DEFERRED ? 'deferred' : 'bounced';
    const fields = e.textStart - STATUS_KEY_LENGTH;
    const open = findIn(s, ' (', e.textStart, Math.min(this.p.end, e.textStart + 12));
    const close = s.charCodeAt(this.p.end - 1) === 41 ? this.p.end - 1 : this.p.end;
    this.onDelivery({
      queueId: qid,
      sender: this.senders.get(qid) ?? '',
      recipient: lower(text(s, e.addrStart, e.addrEnd)),
      status,
      ...field(s, 'relay', ', relay=', e.addrEnd, fields),
      ...field(s, 'dsn', ', dsn=', e.addrEnd, fields),
      ...(open >= 0 && close > open + 2 ? { reason: text(s, open + 2, Math.min(close, open + 2 + MAX_REASON)) } : {}),
    });
  }
}

const STATUS_KEY_LENGTH = ', status='.length;

/** `, key=value` between from and end (the value runs to the next comma), as { name: value }. */
function field(s: string, name: 'relay' | 'dsn', key: string, from: number, end: number): Partial<Record<'relay' | 'dsn', string>> {
  const k = findIn(s, key, from, end);
  if (k < 0) return {};
  let j = k + key.length;
  while (j < end && j - k < 300 && s.charCodeAt(j) !== 44) j++;
  return j > k + key.length ? { [name]: own(s.slice(k + key.length, j)) } : {};
}

/** The MailEvent of a delivery line; the settings that apply are the sending domain's, as for the policy gateway. */
export function mailEventOf(d: LoggedDelivery, defaultDomain: string, at: number): MailEvent {
  const s = d.sender.lastIndexOf('@');
  const r = d.recipient.lastIndexOf('@');
  return {
    kind: d.status,
    queueId: d.queueId,
    sender: d.sender,
    recipients: [d.recipient],
    domain: s > 0 ? d.sender.slice(s + 1) : defaultDomain,
    at,
    ...(d.relay !== undefined ? { relay: d.relay } : {}),
    ...(d.dsn !== undefined ? { dsn: d.dsn } : {}),
    ...(d.reason !== undefined ? { reason: d.reason } : {}),
    ...(r > 0 ? { recipientDomain: d.recipient.slice(r + 1) } : {}),
  };
}
