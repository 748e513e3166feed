import { KeyCounter, NO_DOMAIN, type PackedKeys } from './key-counter';
import { lower } from './keys';
import { type PackedTable, TablePacker, unpackTable } from './packed-table';
import { STATUS_BOUNCED, STATUS_DEFERRED, STATUS_FORWARDED, STATUS_SENT } from './recognise';

/*
 * pflogsumm's totals, so an admin can retire it: messages received
 * (smtpd client= and pickup), recipients delivered, forwarded, deferred,
 * bounced, messages expired, rejects, reject warnings, holds, discards,
 * bytes received; traffic per hour; top senders, recipients
 * and their domains. Tables are capped like every scan table.
 */

/** Columns of an hour's row. */
export const HOUR_COLUMNS = ['received', 'delivered', 'deferred', 'bounced', 'rejected'] as const;
const H_RECEIVED = 0;
const H_DELIVERED = 1;
const H_DEFERRED = 2;
const H_BOUNCED = 3;
const H_REJECTED = 4;

export interface TrafficState {
  totals: number[];
  /** epoch hour; the five columns */
  hours: PackedTable;
  senders: PackedKeys;
  senderDomains: PackedKeys;
  recipients: PackedKeys;
  recipientDomains: PackedKeys;
  /** Keys that did not fit the capped tables. */
  dropped: number;
}

const BOUNCE_SENDER = '<>';

/** Keys per top-N table (senders, recipients, their domains). */
const TOP_KEYS = 20_000;

export class Traffic {
  receivedMessages = 0;
  delivered = 0;
  deferred = 0;
  bounced = 0;
  expired = 0;
  /** Recipients local(8) passed on as a new message (not delivered here: the new message's lines count). */
  forwarded = 0;
  rejected = 0;
  rejectWarnings = 0;
  held = 0;
  discarded = 0;
  /**
   * Bytes received, in a Float64Array: the total passes 2^31 in a day of
   * mail, and a field that starts as a small integer and then outgrows it
   * changes the object's hidden class mid-scan, which throws away the
   * compiled code of every function that touched this object.
   */
  private readonly byteTotal = new Float64Array(1);
  readonly hours = new Map<number, number[]>();
  readonly senders: KeyCounter;
  readonly senderDomains: KeyCounter;
  /** Recipients delivered to. */
  readonly recipients: KeyCounter;
  readonly recipientDomains: KeyCounter;

  constructor(maxKeys: number) {
    // Top-N lists: the heavy hitters show up early, and a smaller table stays
    // in cache (this is looked up on every delivery line) and in the memory budget.
    const cap = Math.min(maxKeys, TOP_KEYS);
    this.senders = new KeyCounter(cap);
    this.senderDomains = new KeyCounter(cap);
    this.recipients = new KeyCounter(cap);
    this.recipientDomains = new KeyCounter(cap);
  }

  get bytes(): number {
    return this.byteTotal[0];
  }

  /** Keys other ranges could not fit (merged in by absorb). */
  private droppedElsewhere = 0;

  get dropped(): number {
    return this.droppedElsewhere + this.senders.dropped + this.senderDomains.dropped + this.recipients.dropped + this.recipientDomains.dropped;
  }

  private lastHour = -1;
  private lastRow: number[] = [];

  private row(hour: number): number[] {
    if (hour === this.lastHour) return this.lastRow;
    let r = this.hours.get(hour);
    if (!r) this.hours.set(hour, (r = [0, 0, 0, 0, 0]));
    this.lastHour = hour;
    this.lastRow = r;
    return r;
  }

  received(hour: number): void {
    this.receivedMessages++;
    this.row(hour)[H_RECEIVED]++;
  }

  reject(hour: number): void {
    this.rejected++;
    this.row(hour)[H_REJECTED]++;
  }

  /** A message's first qmgr line: its sender and size. */
  queued(b: Buffer, start: number, end: number, size: number): void {
    if (size > 0) this.byteTotal[0] += size;
    if (end > start) this.senders.addAddress(b, start, end, this.senderDomains);
    else this.senders.addText(BOUNCE_SENDER, 1);
  }

  /**
   * `queued` for a sender held as text (decoded as `queued` decodes it, not
   * yet lower-cased): a range's qmgr line whose message began in the range
   * before it, counted at the merge once that range says it was not already.
   */
  queuedText(sender: string, size: number): void {
    if (size > 0) this.byteTotal[0] += size;
    if (!sender) {
      this.senders.addText(BOUNCE_SENDER, 1);
      return;
    }
    const t = lower(sender);
    this.senders.addText(t, 1);
    const at = t.lastIndexOf('@');
    this.senderDomains.addText(at < 0 ? NO_DOMAIN : t.slice(at + 1), 1);
  }

  delivery(b: Buffer, start: number, end: number, status: number, hour: number): void {
    const r = this.row(hour);
    if (status === STATUS_SENT) {
      this.delivered++;
      r[H_DELIVERED]++;
      this.recipients.addAddress(b, start, end, this.recipientDomains);
    } else if (status === STATUS_DEFERRED) {
      this.deferred++;
      r[H_DEFERRED]++;
    } else if (status === STATUS_BOUNCED) {
      this.bounced++;
      r[H_BOUNCED]++;
    } else if (status === STATUS_FORWARDED) this.forwarded++;
  }

  /** qmgr's `status=expired, returned to sender`: a message (not a recipient) given up on, bounced to its sender. */
  expiredMessage(hour: number): void {
    this.expired++;
    this.row(hour)[H_BOUNCED]++;
  }

  toState(): TrafficState {
    const hours = new TablePacker(1, 5, this.hours.size);
    for (const [h, r] of this.hours) hours.add([String(h)], r);
    return {
      totals: [this.receivedMessages, this.delivered, this.deferred, this.bounced, this.expired, this.rejected, this.held, this.bytes, this.forwarded, this.rejectWarnings, this.discarded],
      hours: hours.done(), senders: this.senders.pack(), senderDomains: this.senderDomains.pack(),
      recipients: this.recipients.pack(), recipientDomains: this.recipientDomains.pack(), dropped: this.dropped,
    };
  }

  absorb(t: TrafficState): void {
    const [received, delivered, deferred, bounced, expired, rejected, held, bytes, forwarded, rejectWarnings, discarded] = t.totals;
    this.receivedMessages += received;
    this.delivered += delivered;
    this.deferred += deferred;
    this.bounced += bounced;
    this.expired += expired;
    this.forwarded += forwarded;
    this.rejectWarnings += rejectWarnings;
    this.discarded += discarded;
    this.rejected += rejected;
    this.held += held;
    this.byteTotal[0] += bytes;
    unpackTable(t.hours, ([h], v, at) => {
      const r = this.row(Number(h));
      for (let k = 0; k < 5; k++) r[k] += v[at + k];
    });
    this.droppedElsewhere += t.dropped;
    this.senders.absorb(t.senders);
    this.senderDomains.absorb(t.senderDomains);
    this.recipients.absorb(t.recipients);
    this.recipientDomains.absorb(t.recipientDomains);
  }
}
