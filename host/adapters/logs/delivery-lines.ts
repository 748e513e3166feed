import type { MailEvent } from '../../../shared';
import { ByteIntern } from '../../tools/maillog/byte-intern';
import { bytesOf, indexIn, latin1, textAt } from '../../tools/maillog/bytes';
import { lower } from '../../tools/maillog/keys';
import { QueueIndex, queueKeyAt } from '../../tools/maillog/queue-index';
import { K_DELIVERY, K_QUEUED, K_REMOVED, type MailEvent as LineEvent, newMailEvent, nextHopIsLocal, P_LMTP, P_LOCAL, P_SMTP, recognise, requeued, STATUS_DEFERRED, STATUS_FORWARDED, STATUS_SENT } from '../../tools/maillog/recognise';
import { type LineParts, newLineParts, scanLine } from '../../tools/maillog/tokenizer';

/*
 * Postfix delivery lines as MailEvents: the log follower hands them to the
 * plugins' onMail, `logs scan` to the plugins' report sections.
 */

/**
 * Queue IDs whose sender (qmgr `from=<…>`) is remembered for their delivery
 * lines, until qmgr's `removed`: the messages in the queue, the oldest
 * forgotten first past this many.
 */
const MAX_SENDERS = 20_000;
/** Distinct senders decoded once each (a sender sends many messages); past this, decoded per message. */
const MAX_SENDER_NAMES = 20_000;
/** The reason text kept: remote servers write it; plugins bound their own reading too. */
const MAX_REASON = 2000;

/** What one delivery line says, with the sender of its queue ID when the follower saw it. */
export interface LoggedDelivery {
  readonly queueId: string;
  readonly sender: string;
  readonly recipient: string;
  readonly status: 'sent' | 'deferred' | 'bounced';
  readonly relay: string | undefined;
  readonly dsn: string | undefined;
  readonly reason: string | undefined;
}

/** Postfix `QID: to=<r>, relay=…, dsn=…, status=… (reason)` lines, with qmgr's senders remembered per queue ID. */
export class DeliveryLines {
  private readonly p = newLineParts();
  private readonly e = newMailEvent();
  /** The sender of each queued message (qmgr's line), when kept. */
  private readonly senders: QueueIndex<string> | undefined;
  private readonly senderNames = new ByteIntern(MAX_SENDER_NAMES, (b, start, end) => lower(textAt(b, start, end)));

  /**
   * `statuses`: the deliveries wanted (default: all); the others are not
   * decoded at all. `keepSenders` false: no sender is remembered (qmgr's
   * line of every message), and deliveries carry an empty one.
   */
  constructor(
    private readonly onDelivery: (d: LoggedDelivery) => void,
    private readonly statuses?: ReadonlySet<LoggedDelivery['status']>,
    keepSenders = true,
  ) {
    this.senders = keepSenders ? new QueueIndex<string>(MAX_SENDERS) : undefined;
  }

  /** A line as text (the follower's), read as its bytes. */
  line(s: string, start: number, end: number): void {
    const b = bytesOf(s);
    if (!scanLine(b, start, end, this.p)) return;
    recognise(b, this.p, this.e);
    this.recognised(b, this.p, this.e);
  }

  /** A line already tokenized and recognised (by the scan, which counts it too): its bytes, parts and event. */
  recognised(b: Buffer, p: LineParts, e: LineEvent): void {
    if (e.kind === K_QUEUED) {
      this.senders?.set(queueKeyAt(b, p.qidStart, p.qidEnd), this.senderNames.get(b, e.addrStart, e.addrEnd));
      return;
    }
    if (e.kind === K_REMOVED) {
      // Its last line. Kept past it, every message stayed until evicted: the index sat full and evicted as fast as messages came.
      this.senders?.delete(queueKeyAt(b, p.qidStart, p.qidEnd));
      return;
    }
    // The delivery agents' lines: qmgr's and error/retry's echo an agent's reason for recipients they did not try.
    if (e.kind !== K_DELIVERY || (e.program !== P_SMTP && e.program !== P_LMTP && e.program !== P_LOCAL)) return;
    if (e.n === STATUS_FORWARDED) return;
    const status = e.n === STATUS_SENT ? 'sent' : e.n === STATUS_DEFERRED ? 'deferred' : 'bounced';
    if (this.statuses && !this.statuses.has(status)) return;
    // Passed on as a new message, whose own delivery is the event: by local(8) (above), or by a content filter on this machine (amavis) that queued it again.
    if (e.program !== P_LOCAL && e.n === STATUS_SENT && requeued(b, e) && nextHopIsLocal(b, p, e)) return;
    const fields = e.textStart - STATUS_KEY_LENGTH;
    const open = indexIn(b, ' (', e.textStart, Math.min(p.end, e.textStart + 12));
    const close = b[p.end - 1] === 41 ? p.end - 1 : p.end;
    // One object of one shape per line, built in one go: this runs on every delivery line of a scan.
    this.onDelivery({
      queueId: latin1(b, p.qidStart, p.qidEnd),
      sender: this.senders?.get(queueKeyAt(b, p.qidStart, p.qidEnd)) ?? '',
      recipient: lower(textAt(b, e.addrStart, e.addrEnd)),
      status,
      relay: valueOf(b, ', relay=', e.addrEnd, fields),
      dsn: valueOf(b, ', dsn=', e.addrEnd, fields),
      reason: open >= 0 && close > open + 2 ? textAt(b, open + 2, Math.min(close, open + 2 + MAX_REASON)) : undefined,
    });
  }
}

const STATUS_KEY_LENGTH = ', status='.length;

/** The value of `, key=value` between from and end (it runs to the next comma), or undefined. */
function valueOf(b: Buffer, key: string, from: number, end: number): string | undefined {
  const k = indexIn(b, key, from, end);
  if (k < 0) return undefined;
  let j = k + key.length;
  while (j < end && j - k < 300 && b[j] !== 44) j++;
  return j > k + key.length ? latin1(b, k + key.length, j) : undefined;
}

/** The MailEvent of a delivery line; the settings that apply are the sending domain's, as for the policy gateway. */
export function mailEventOf(d: LoggedDelivery, defaultDomain: string, at: number): MailEvent {
  const s = d.sender.lastIndexOf('@');
  const r = d.recipient.lastIndexOf('@');
  // What the line does not say is absent from the event, not undefined (plugins may ask `'relay' in event`).
  const event: { -readonly [K in keyof MailEvent]: MailEvent[K] } = {
    kind: d.status,
    queueId: d.queueId,
    sender: d.sender,
    recipients: [d.recipient],
    domain: s > 0 ? d.sender.slice(s + 1) : defaultDomain,
    at,
  };
  if (d.relay !== undefined) event.relay = d.relay;
  if (d.dsn !== undefined) event.dsn = d.dsn;
  if (d.reason !== undefined) event.reason = d.reason;
  if (r > 0) event.recipientDomain = d.recipient.slice(r + 1);
  return event;
}
