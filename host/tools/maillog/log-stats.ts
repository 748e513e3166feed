import { ByteIntern } from './byte-intern';
import { ClientTable, type PackedClients } from './client-table';
import { AuthFailureReader, type LoggedAuthFailure } from './auth-failures';
import { bytesAt, bytesOf, latin1, textAt } from './bytes';
import { absorbCounts, bump, ipAt, loginAt, lower, own, packCounts } from './keys';
import { R_OVERLONG, R_UNPARSED, RECORD, readRecord } from './line-ring';
import { lineTime } from './line-time';
import { type PackedTable, TablePacker, unpackTable } from './packed-table';
import { QueueIndex, type QueueKey, queueIdOf, queueKeyAt, queueKeyOf } from './queue-index';
import {
  K_AUTH_FAIL, K_CLIENT, K_DELIVERY, K_DISCARD, K_EXPIRED, K_HOLD, K_REJECT_WARNING, K_LOGIN_FAIL, K_MALFORMED, K_PICKUP, K_QUEUED, K_REJECT, K_REMOVED, K_SASL_FAIL,
  type MailEvent, nextHopIsLocal, P_DOVECOT, P_LMTP, P_SMTP, requeued, STATUS_BOUNCED, STATUS_DEFERRED, STATUS_SENT, isPostfix, newMailEvent, recognise,
} from './recognise';
import { type LineParts, newLineParts, scanLine } from './tokenizer';
import { Traffic, type TrafficState } from './traffic';
import { normalizeDomain } from '../../../shared/address';

/*
 * What `logs scan` and `relay audit` count, line by line, in bounded memory:
 * every table is capped (past the cap new keys are counted as dropped), and
 * the queue-ID index that links a message's lines is evicted oldest first.
 */

export interface SenderStats {
  messages: number;
  recipients: number;
  clients: string[];
  firstSeen: string;
  lastSeen: string;
}
export interface AuthFailStats {
  count: number;
  logins: string[];
}
export type { ClientStats } from './client-table';

/** A message's owner, from its `client=` or `pickup` line, until `removed`. */
class Owner {
  /** nrcpt, size and sender counted (qmgr logs them again on every retry). */
  counted = false;
  /** Relayed recipients and their latest status (unauthenticated clients only). */
  rcpts: Map<string, number> | undefined = undefined;
  /**
   * The relay row of the hour, once looked up: a relayed message has a
   * delivery line per recipient, and each looked it up by a string made for the purpose.
   */
  hourRow: number[] | undefined = undefined;
  /**
   * The message this one continues, when a content filter on this machine
   * (amavis) queued it again: its relaying counts for that message's client.
   * UNKNOWN when that message began before this range or the log.
   */
  via: Owner | undefined = undefined;

  /*
   * One class, every field set here: the index holds hundreds of thousands
   * of these, and owners of different shapes ({login}, {client, hour}, {})
   * made every read of them in the hot path a polymorphic lookup.
   */
  constructor(
    readonly login: string | undefined,
    /** The unauthenticated client's id in the client table (-1: not in it, past its cap). */
    readonly cid: number | undefined,
    /** Hour (epoch hours) of the client= line, for relay per hour. */
    readonly hour: number,
    /** Opened by a qmgr line whose client= line was not seen (before this range or the log). */
    readonly stub: boolean,
  ) {}
}

/** A message owned by nobody the scan itemises (a pickup, a client past a table's cap). */
const unowned = () => new Owner(undefined, undefined, 0, false);

/** The owner of a message not seen: what continues it relays for nobody the scan knows (or the merge finds). */
const UNKNOWN = new Owner(undefined, undefined, 0, true);

/** Whom a message's relaying counts for: its own client, or the one whose message it continues. */
const relayOwner = (o: Owner | undefined): Owner | undefined => (o === undefined ? undefined : o.via ?? o);

/**
 * Plain data (structured-clone safe) for passing between worker threads and
 * merging. The tables that grow large are packed (packed-table.ts); the two
 * that hold lists per key are rarely large and stay as pairs.
 */
export interface StatsState {
  lines: number;
  parsed: number;
  unparsed: number;
  unparsedSamples: string[];
  outside: number;
  postfix: number;
  dovecot: number;
  authFailures: number;
  serverFaults: number;
  authByClient: Array<[string, AuthFailStats]>;
  authByLogin: PackedTable;
  senders: Array<[string, SenderStats]>;
  unauth: PackedClients;
  /** `client hour`; messages, recipients */
  relayHours: PackedTable;
  relayDenied: PackedTable;
  local: PackedTable;
  dropped: number;
  traffic: TrafficState;
  /** Queue IDs still open at the end: the next range's orphans may belong to them. */
  open: PackedTable;
  /**
   * Lines whose message began before this range: queue ID, then the
   * recipient (relay lines) or sender (qmgr lines); kind, n, size.
   */
  orphans: PackedTable;
  /** Dovecot auth-process lines not yet summed by a login-process line: login, address; lines. */
  authPending: PackedTable;
  /** Each (login, address)'s first login-process summary here: login, address; attempts (capped), auth lines before it here. */
  authSummaries: PackedTable;
  /** Postfix SASL failures here that found no Dovecot auth line pending, before that key's first summary: login, address; lines. */
  authUnmatched: PackedTable;
}

export interface StatsLimits {
  /** Keys per table. */
  readonly maxKeys: number;
  /** Distinct client addresses kept per login / logins per failing client. */
  readonly maxMembers: number;
  /** Queue IDs tracked at once. */
  readonly maxOpen: number;
}

/** Sized so that a scan stays well under 150 MB even when every table is full. */
export const DEFAULT_LIMITS: StatsLimits = { maxKeys: 50_000, maxMembers: 50, maxOpen: 100_000 };

export interface StatsOptions {
  readonly limits?: StatsLimits;
  /**
   * Record lines whose message began before this range (a worker's range,
   * merged by `absorb`). A whole-input scan has no earlier range to match
   * them against, so it skips the bookkeeping (the default). A range that
   * keeps them leaves what the range before it may have counted already
   * (a message's sender and size) to the merge.
   */
  readonly keepOrphans?: boolean;
  /** Lines not understood kept as samples (`--unparsed N`). */
  readonly keepUnparsed?: number;
  /** Only lines in [since, until) (epoch ms) are counted. */
  readonly since?: number;
  readonly until?: number;
  /**
   * since and until are moments (given with a zone): a line with an offset
   * is compared by its true time. Otherwise they are in the log's own clock
   * (a date without a zone, `2h`, `today`), and every line is compared by
   * the time it writes (lineTime's `written`).
   */
  readonly windowZoned?: boolean;
  /** Reference time for year-less timestamps. */
  readonly now?: number;
  /**
   * Domains whose mail this server takes in (`--local-domain`): mail from an
   * unauthenticated client to a recipient there is inbound mail passed on
   * (an MX gateway forwarding to the mail store, a content filter on another
   * host), not relaying. As normalizeDomain returns them (lower-case, A-labels); matched whole (a subdomain is another domain).
   */
  readonly localDomains?: readonly string[];
  /** Called with each failure counted (the same ones the followers report). */
  readonly onFailure?: (f: LoggedAuthFailure) => void;
  /**
   * Called with each line counted (not those outside --since/--until nor
   * those not understood), as tokenized and recognised: its bytes, parts and
   * event, valid during the call only. The plugins' report sections read the
   * scan's delivery lines so, without reading them again.
   */
  readonly onEvent?: (b: Buffer, p: LineParts, e: MailEvent) => void;
}

const ORPHAN_NRCPT = 0;
const ORPHAN_RELAY = 1;
const ORPHAN_REMOVED = 2;
const ORPHAN_EXPIRED = 3;
const ORPHAN_CONTINUED = 4;
const HOUR = 3_600_000;
const SAMPLE_CHARS = 300;
/** Longer timestamps (none of the known forms is) are decoded every time. */
const MAX_STAMP = 48;

function addMember(list: string[], v: string, max: number): void {
  if (list.length < max && !list.includes(v)) list.push(own(v));
}

/** A login's client addresses: a Set beside the list, as this runs for every message. */
const seenClients = new WeakMap<SenderStats, Set<string>>();
function addClient(st: SenderStats, ip: string, max: number): void {
  if (st.clients.length >= max) return;
  let set = seenClients.get(st);
  if (!set) seenClients.set(st, (set = new Set(st.clients)));
  if (!set.has(ip)) {
    const o = own(ip);
    st.clients.push(o);
    set.add(o);
  }
}

/** AuthFailureReader's `login\naddress` as two strings (packed tables separate strings with newlines). */
function splitAuthKey(k: string): [string, string] {
  const i = k.indexOf('\n');
  return [k.slice(0, i), k.slice(i + 1)];
}

export class LogStats {
  lines = 0;
  parsed = 0;
  unparsed = 0;
  readonly unparsedSamples: string[] = [];
  /** Lines outside --since/--until. */
  outside = 0;
  postfix = 0;
  dovecot = 0;
  authFailures = 0;
  readonly authByClient = new Map<string, AuthFailStats>();
  readonly authByLogin = new Map<string, number>();
  readonly senders = new Map<string, SenderStats>();
  readonly unauth: ClientTable;
  /** Logins of client= lines, decoded once each (up to the senders' cap). */
  private readonly logins: ByteIntern;
  readonly relayHours = new Map<string, number[]>();
  readonly relayDenied = new Map<string, number>();
  readonly local = new Map<string, number>();
  readonly traffic: Traffic;
  /** Keys that did not fit a capped table. */
  dropped = 0;
  private readonly failures: AuthFailureReader;
  private readonly open: QueueIndex<Owner>;
  /** During a merge: messages of the next range that continue one open here (ORPHAN_CONTINUED), until that range's open messages are taken in. */
  private readonly continuations = new Map<QueueKey, Owner>();
  private readonly orphans: Array<[QueueKey, string, number, number, number]> = [];
  private readonly p: LineParts = newLineParts();
  private readonly e: MailEvent = newMailEvent();
  private readonly limits: StatsLimits;
  private readonly keepOrphans: boolean;
  private readonly keepUnparsed: number;
  private readonly windowed: boolean;
  private readonly now: number;
  private readonly localDomains: ReadonlySet<string>;
  /**
   * The timestamp of the last line that needed one, as bytes, and its text
   * and epoch once asked for: a log has many lines per second.
   */
  private readonly stamp = new Uint8Array(MAX_STAMP);
  private stampLength = 0;
  private stampText: string | undefined;
  private stampEpoch: number | undefined;
  private stampWritten: number | undefined;

  constructor(private readonly o: StatsOptions = {}) {
    this.limits = o.limits ?? DEFAULT_LIMITS;
    this.keepOrphans = o.keepOrphans ?? false;
    this.failures = new AuthFailureReader({ recordFirstSummaries: this.keepOrphans });
    this.keepUnparsed = o.keepUnparsed ?? 0;
    this.windowed = o.since !== undefined || o.until !== undefined;
    this.now = o.now ?? Date.now();
    this.localDomains = new Set(o.localDomains);
    this.open = new QueueIndex(this.limits.maxOpen);
    this.unauth = new ClientTable(this.limits.maxKeys);
    this.logins = new ByteIntern(this.limits.maxKeys, loginAt);
    this.traffic = new Traffic(this.limits.maxKeys);
  }

  get serverFaults(): number {
    return this.failures.serverFaults;
  }

  /** Makes the current line's timestamp the one `stamp` holds. */
  private toStamp(b: Buffer): void {
    const { timeStart, timeEnd } = this.p;
    const n = timeEnd - timeStart;
    if (n === this.stampLength) {
      let k = n - 1;
      while (k >= 0 && this.stamp[k] === b[timeStart + k]) k--;
      if (k < 0) return;
    }
    this.stampText = undefined;
    this.stampEpoch = undefined;
    this.stampWritten = undefined;
    if (n > MAX_STAMP) {
      this.stampLength = 0;
      return;
    }
    this.stampLength = n;
    for (let k = 0; k < n; k++) this.stamp[k] = b[timeStart + k];
  }

  private timeOf(b: Buffer): string {
    this.toStamp(b);
    return (this.stampText ??= latin1(b, this.p.timeStart, this.p.timeEnd));
  }

  private epochOf(b: Buffer): number {
    this.toStamp(b);
    return (this.stampEpoch ??= lineTime(b, this.p, this.now));
  }

  private notUnderstood(b: Buffer, start: number, end: number): void {
    // journalctl's own lines between entries (`-- Boot 3f2e… --`, `-- No entries --`): not the log's, not a mistake.
    if (end - start >= 6 && bytesAt(b, '-- ', start, end) && bytesAt(b, ' --', end - 3, end)) return;
    this.unparsed++;
    if (this.unparsedSamples.length < this.keepUnparsed) this.unparsedSamples.push(textAt(b, start, Math.min(end, start + SAMPLE_CHARS)));
  }

  /** A line too long to look at (the splitter's cap). */
  overlong(): void {
    this.lines++;
    this.unparsed++;
    if (this.unparsedSamples.length < this.keepUnparsed) this.unparsedSamples.push('(a line longer than the 16 KB limit)');
  }

  /** One line: s[start, end) of log bytes (or of text, read as its bytes), without its newline. */
  line(s: Buffer | string, start: number, end: number): void {
    const b = typeof s === 'string' ? bytesOf(s) : s;
    this.lines++;
    if (!scanLine(b, start, end, this.p)) {
      this.notUnderstood(b, start, end);
      return;
    }
    // Before recognising: with --since, most of a log may be outside.
    if (this.windowed && this.outsideWindow(b)) return;
    this.count(b, start, end, recognise(b, this.p, this.e));
  }

  /**
   * Lines another thread split, tokenized and recognised (line-producer.ts):
   * `n` records of line-ring.ts over the bytes `b`, counted as `line` would.
   */
  records(b: Buffer, r: Int32Array, n: number): void {
    for (let at = 0; at < n * RECORD; at += RECORD) {
      const kind = r[at + 2];
      if (kind === R_OVERLONG) {
        this.overlong();
        continue;
      }
      this.lines++;
      if (kind === R_UNPARSED) {
        this.notUnderstood(b, r[at], r[at + 1]);
        continue;
      }
      readRecord(r, at, this.p, this.e);
      if (this.windowed && this.outsideWindow(b)) continue;
      this.count(b, r[at], r[at + 1], kind);
    }
  }

  /** The time the line writes, offset aside (lineTime's `written`): the log's own clock. */
  private writtenOf(b: Buffer): number {
    this.toStamp(b);
    return (this.stampWritten ??= lineTime(b, this.p, this.now, true));
  }

  private outsideWindow(b: Buffer): boolean {
    const t = this.o.windowZoned ? this.epochOf(b) : this.writtenOf(b);
    if ((this.o.since !== undefined && t < this.o.since) || (this.o.until !== undefined && t >= this.o.until)) {
      this.outside++;
      return true;
    }
    return false;
  }

  /** A tokenized line of kind `kind`, its parts and event in `p` and `e`. */
  private count(b: Buffer, start: number, end: number, kind: number): void {
    this.parsed++;
    const e = this.e;
    if (isPostfix(this.p, e.program)) this.postfix++;
    else if (e.program === P_DOVECOT || kind === K_LOGIN_FAIL || kind === K_AUTH_FAIL) this.dovecot++;
    switch (kind) {
      case K_CLIENT:
        this.client(b);
        break;
      case K_QUEUED:
        this.queued(b);
        break;
      case K_DELIVERY:
        this.delivery(b);
        break;
      case K_REMOVED:
        this.removed(b);
        break;
      case K_EXPIRED:
        this.expired(b);
        break;
      case K_SASL_FAIL:
      case K_LOGIN_FAIL:
      case K_AUTH_FAIL:
        this.failure(b);
        break;
      case K_REJECT:
        this.reject(b);
        break;
      case K_PICKUP:
        this.pickup(b);
        break;
      case K_HOLD:
        this.traffic.held++;
        break;
      case K_REJECT_WARNING:
        this.traffic.rejectWarnings++;
        break;
      case K_DISCARD:
        this.traffic.discarded++;
        break;
      case K_MALFORMED:
        this.parsed--;
        this.notUnderstood(b, start, end);
        return;
      default:
    }
    this.o.onEvent?.(b, this.p, e);
  }

  /** The hour as the log writes it (as pflogsumm counts): a host's lines, with an offset or without, fall in the same hours. */
  private hour(b: Buffer): number {
    return Math.floor(this.writtenOf(b) / HOUR);
  }

  private remember(qid: QueueKey, o: Owner): void {
    this.open.set(qid, o);
  }

  /**
   * `client=host[ip](, sasl_method=M, sasl_username=U)?`. A client past the
   * table's cap is not itemised, but its message is still opened (owned by
   * nobody): its later lines are then counted as the message's, not
   * mistaken for lines of a message begun before the range (in a flood of
   * new clients those would fill the orphan list a merge must replay).
   */
  private client(b: Buffer): void {
    const e = this.e;
    const qid = queueKeyAt(b, this.p.qidStart, this.p.qidEnd);
    const hour = this.hour(b);
    this.traffic.received(hour);
    if (e.loginStart >= 0) {
      const login = this.logins.get(b, e.loginStart, e.loginEnd);
      const time = this.timeOf(b);
      let st = this.senders.get(login);
      if (!st) {
        if (this.senders.size >= this.limits.maxKeys) {
          this.dropped++;
          this.remember(qid, unowned());
          return;
        }
        st = { messages: 0, recipients: 0, clients: [], firstSeen: time, lastSeen: '' };
        this.senders.set(login, st);
      }
      st.messages++;
      st.lastSeen = time;
      // The address is decoded only while the login's list has room (a compromised login sends from hundreds).
      if (st.clients.length < this.limits.maxMembers) addClient(st, ipAt(b, e.ipStart, e.ipEnd), this.limits.maxMembers);
      this.remember(qid, new Owner(login, undefined, 0, false));
    } else {
      const c = this.unauth.idAt(b, e.ipStart, e.ipEnd);
      if (c < 0) {
        this.dropped++;
        this.remember(qid, unowned());
        return;
      }
      this.unauth.message(c);
      if (e.nameEnd > e.nameStart) this.unauth.addNameAt(c, b, e.nameStart, e.nameEnd);
      this.remember(qid, new Owner(undefined, c, hour, false));
    }
  }

  /** qmgr `from=<s>, size=N, nrcpt=N (queue active)`: printed again on every retry, counted once. */
  private queued(b: Buffer): void {
    const e = this.e;
    const qid = queueKeyAt(b, this.p.qidStart, this.p.qidEnd);
    let o = this.open.get(qid);
    if (!o) {
      // A message not received in this range: a placeholder dedupes its retries here. Its sender and
      // size are counted only if it was received (as pflogsumm counts, bytes received): not if it
      // began before the log or Postfix made it (a bounce, local(8) forwarding as a new message). The
      // range before may hold its client= line: the merge counts it then, if that range did not.
      const stub = new Owner(undefined, undefined, 0, true);
      stub.counted = true;
      this.remember(qid, stub);
      if (this.keepOrphans) this.orphan(qid, textAt(b, e.addrStart, e.addrEnd), ORPHAN_NRCPT, e.n, e.size);
      return;
    }
    if (o.counted) return;
    this.countRecipients(o, e.n);
    o.counted = true;
    this.traffic.queued(b, e.addrStart, e.addrEnd, e.size);
  }

  private removed(b: Buffer): void {
    const qid = queueKeyAt(b, this.p.qidStart, this.p.qidEnd);
    if (this.keepOrphans) {
      // The range before may hold the message open: the merge closes it there too.
      const o = this.open.get(qid);
      if (o === undefined || o.stub) this.orphan(qid, '', ORPHAN_REMOVED, 0, 0);
    }
    this.open.delete(qid);
  }

  private countRecipients(o: Owner, n: number): void {
    if (o.login !== undefined) {
      const st = this.senders.get(o.login);
      if (st) st.recipients += n;
    }
  }

  /** Whether the line was kept for the merge (not when the scan is whole, nor past the cap). */
  private orphan(qid: QueueKey, text: string, kind: number, n: number, size: number): boolean {
    if (!this.keepOrphans || this.orphans.length >= this.limits.maxOpen) return false;
    this.orphans.push([qid, text, kind, n, size]);
    return true;
  }

  /** A delivery line: pflogsumm's totals, and mail from an unauthenticated client that left the server. */
  private delivery(b: Buffer): void {
    const e = this.e;
    const status = e.n;
    this.traffic.delivery(b, e.addrStart, e.addrEnd, status, this.hour(b));
    const agent = e.program === P_SMTP || e.program === P_LMTP;
    if (agent && status === STATUS_SENT && requeued(b, e) && this.handedOff(b)) return;
    // The smtp agent's, or a deferral for a remote destination held as dead (flag): relaying.
    if (e.program !== P_SMTP && !e.flag) return;
    const qid = queueKeyAt(b, this.p.qidStart, this.p.qidEnd);
    const o = relayOwner(this.open.get(qid));
    // Only mail from unauthenticated clients is relaying; skip the rest. Nor is mail for this machine (a content filter on the loopback).
    if ((o !== undefined && o.cid === undefined && !o.stub) || (e.program === P_SMTP && nextHopIsLocal(b, this.p, e))) return;
    const rcpt = latin1(b, e.addrStart, e.addrEnd);
    if (this.localDomains.size > 0 && this.isLocal(rcpt)) return;
    if (!o || o.stub) this.orphan(qid, rcpt, ORPHAN_RELAY, status, 0);
    else this.relayed(o, rcpt, status);
  }

  /** Whether the recipient's domain is one of localDomains (the address as the log has it: latin1 of its bytes). */
  private isLocal(rcpt: string): boolean {
    const at = rcpt.lastIndexOf('@');
    if (at < 0) return false;
    const domain = rcpt.slice(at + 1);
    // Non-ASCII bytes are UTF-8: decoded before lower-casing (lower would change the bytes' latin1 chars).
    return this.localDomains.has(lower(domain)) || (HIGH_BYTE.test(domain) && this.localDomains.has(asciiDomain(domain)));
  }

  /**
   * Whether the line hands the message to a content filter on this machine
   * that queued it again (`… queued as QID`, the filter's re-injection
   * through smtpd, whose `client=` line came first; not relaying): the new
   * message continues this one, and its relaying counts for this one's
   * client, not for the filter's loopback address.
   */
  private handedOff(b: Buffer): boolean {
    const e = this.e;
    const next = this.open.get(queueKeyAt(b, e.nextStart, e.nextEnd));
    // A remote server's own queue ID names no entry of this log (asked first: the next hop costs a scan); in a range, the entry may be the range before's.
    if ((next === undefined && !this.keepOrphans) || !nextHopIsLocal(b, this.p, e)) return false;
    const qid = queueKeyAt(b, this.p.qidStart, this.p.qidEnd);
    const root = relayOwner(this.open.get(qid));
    if (root !== undefined && !root.stub) {
      if (next !== undefined) next.via = root;
      return true;
    }
    // This message began before this range (the merge links them) or the log (nobody's).
    if (next !== undefined) next.via = UNKNOWN;
    this.orphan(qid, latin1(b, e.nextStart, e.nextEnd), ORPHAN_CONTINUED, 0, 0);
    return true;
  }

  /**
   * qmgr's `from=<s>, status=expired, returned to sender`: Postfix gave up on
   * the message, and its recipients still deferred bounce (without a line of
   * their own). A relay's spam that sat deferred for days ends so.
   */
  private expired(b: Buffer): void {
    this.traffic.expiredMessage(this.hour(b));
    const qid = queueKeyAt(b, this.p.qidStart, this.p.qidEnd);
    // A content filter's re-queued message holds its original's relayed recipients.
    const o = relayOwner(this.open.get(qid));
    if (!o || o.stub) this.orphan(qid, '', ORPHAN_EXPIRED, 0, 0);
    else this.expire(o);
  }

  private expire(o: Owner): void {
    if (o.rcpts === undefined) return;
    for (const [rcpt, status] of o.rcpts) if (status === STATUS_DEFERRED) this.relayed(o, rcpt, STATUS_BOUNCED);
  }

  /** A recipient of `o` relayed with `status`: counted once per message, by its latest status. */
  private relayed(o: Owner, rcpt: string, status: number): void {
    const c = o.cid!;
    if (c < 0) return;
    if (!o.rcpts) {
      o.rcpts = new Map();
      this.unauth.relayedMessage(c);
      this.relayHour(o, 1, 0);
    }
    const before = o.rcpts.get(rcpt);
    if (before === status) return;
    if (before === undefined) {
      if (o.rcpts.size >= 1000) return;
      o.rcpts.set(own(rcpt), status);
      this.relayHour(o, 0, 1);
    } else {
      o.rcpts.set(rcpt, status);
      this.unauth.tally(c, before, -1);
    }
    this.unauth.tally(c, status, 1);
  }

  private relayHour(o: Owner, messages: number, recipients: number): void {
    let v = o.hourRow;
    if (!v) {
      const k = `${this.unauth.keyOf(o.cid!)} ${o.hour ?? 0}`;
      v = this.relayHours.get(k);
      if (!v) {
        if (this.relayHours.size >= this.limits.maxKeys) {
          this.dropped++;
          return;
        }
        this.relayHours.set(k, (v = [0, 0]));
      }
      o.hourRow = v;
    }
    v[0] += messages;
    v[1] += recipients;
  }

  private failure(b: Buffer): void {
    const f = this.failures.read(b, this.e);
    if (!f) return;
    this.o.onFailure?.(f);
    this.authFailures += f.attempts;
    let a = this.authByClient.get(f.remoteIp);
    if (!a) {
      if (this.authByClient.size < this.limits.maxKeys) this.authByClient.set(f.remoteIp, (a = { count: 0, logins: [] }));
      else this.dropped++;
    }
    if (a) {
      a.count += f.attempts;
      if (f.login !== undefined) addMember(a.logins, f.login, this.limits.maxMembers);
    }
    if (f.login !== undefined && !bump(this.authByLogin, f.login, f.attempts, this.limits.maxKeys)) this.dropped++;
  }

  /** `NOQUEUE: reject: RCPT from host[ip]: 554 5.7.1 <r>: Relay access denied; …` */
  private reject(b: Buffer): void {
    const e = this.e;
    this.traffic.reject(this.hour(b));
    if (e.flag && !bump(this.relayDenied, ipAt(b, e.ipStart, e.ipEnd), 1, this.limits.maxKeys)) this.dropped++;
  }

  /** pickup `uid=33 from=<www-data>`: mail submitted on the server itself (a web app…). */
  private pickup(b: Buffer): void {
    const e = this.e;
    this.traffic.received(this.hour(b));
    const key = `${e.n} <${textAt(b, e.addrStart, e.addrEnd)}>`;
    if (!bump(this.local, key, 1, this.limits.maxKeys)) this.dropped++;
    // Opened, owned by nobody: its later lines are this message's, not orphans for a merge to replay.
    if (this.p.qidStart >= 0) this.remember(queueKeyAt(b, this.p.qidStart, this.p.qidEnd), unowned());
  }

  toState(): StatsState {
    const hours = new TablePacker(1, 2, this.relayHours.size);
    for (const [k, v] of this.relayHours) hours.add([k], v);
    const open = new TablePacker(4, 5, this.open.size);
    for (const [k, own] of this.open.entries()) {
      // A message continuing another goes as that one's relaying (its client, hour, recipients); 4: the one it continues is the merge's to find.
      const o = own.via !== undefined && !own.via.stub ? own.via : own;
      const rcpts = o.rcpts ? [...o.rcpts].map(([r, st]) => `${r}\u0002${st}`).join('\u0001') : '';
      open.add([queueIdOf(k), o.login ?? '', o.cid !== undefined && o.cid >= 0 ? this.unauth.keyOf(o.cid) : '', rcpts], [o.login !== undefined ? 1 : 0, o.cid !== undefined ? 1 : 0, own.counted ? 1 : 0, o.hour ?? 0, (o.rcpts ? 1 : 0) | (own.stub ? 2 : 0) | (own.via?.stub ? 4 : 0)]);
    }
    const orphans = new TablePacker(2, 3, this.orphans.length);
    for (const [qid, text, kind, n, size] of this.orphans) orphans.add([queueIdOf(qid), text], [kind, n, size]);
    const pending = new TablePacker(2, 1, 0);
    for (const [k, n] of this.failures.pendingEntries()) pending.add(splitAuthKey(k), [n]);
    const firsts = this.failures.firstSummaries;
    const summaries = new TablePacker(2, 2, firsts?.size ?? 0);
    if (firsts) for (const [k, v] of firsts) summaries.add(splitAuthKey(k), v);
    const unmatchedSasl = this.failures.unmatchedSasl;
    const unmatched = new TablePacker(2, 1, unmatchedSasl?.size ?? 0);
    if (unmatchedSasl) for (const [k, n] of unmatchedSasl) unmatched.add(splitAuthKey(k), [n]);
    return {
      lines: this.lines, parsed: this.parsed, unparsed: this.unparsed, unparsedSamples: this.unparsedSamples, outside: this.outside,
      postfix: this.postfix, dovecot: this.dovecot, authFailures: this.authFailures, serverFaults: this.failures.serverFaults,
      authByClient: [...this.authByClient], authByLogin: packCounts(this.authByLogin), senders: [...this.senders], unauth: this.unauth.pack(),
      relayHours: hours.done(), relayDenied: packCounts(this.relayDenied), local: packCounts(this.local), dropped: this.dropped,
      traffic: this.traffic.toState(), open: open.done(), orphans: orphans.done(), authPending: pending.done(), authSummaries: summaries.done(),
      authUnmatched: unmatched.done(),
    };
  }

  /**
   * The next range's first Dovecot summary per (login, address) counted the
   * attempts its auth lines had not; auth lines left pending here count
   * against it too, as in a whole scan. Then `pending` is a whole scan's.
   */
  private absorbAuthPending(next: StatsState): void {
    const adjust = (login: string, ip: string, d: number): void => {
      if (d === 0) return;
      this.authFailures += d;
      const a = this.authByClient.get(ip);
      if (a) a.count += d;
      const n = login ? this.authByLogin.get(login) : undefined;
      if (n !== undefined) this.authByLogin.set(login, n + d);
    };
    // First the SASL lines that took none of the next range's auth lines: they take this range's.
    unpackTable(next.authUnmatched, ([login, ip], v, at) => adjust(login, ip, -this.failures.matchSasl(`${login}\n${ip}`, v[at])));
    const summarised: string[] = [];
    unpackTable(next.authSummaries, ([login, ip], v, at) => {
      const key = `${login}\n${ip}`;
      summarised.push(key);
      adjust(login, ip, this.failures.correction(key, v[at], v[at + 1]));
    });
    const pending: Array<[string, number]> = [];
    unpackTable(next.authPending, ([login, ip], v, at) => void pending.push([`${login}\n${ip}`, v[at]]));
    this.failures.absorbPending(pending, summarised);
  }

  /**
   * Adds the state of the range that followed this one: its orphan lines are
   * matched against the messages still open here, then everything is summed.
   */
  absorb(next: StatsState): void {
    unpackTable(next.orphans, ([qid, text], v, at) => {
      const o = this.open.get(queueKeyOf(qid));
      if (v[at] === ORPHAN_REMOVED) this.open.delete(queueKeyOf(qid));
      else if (v[at] === ORPHAN_EXPIRED) {
        const r = relayOwner(o ?? this.continuations.get(queueKeyOf(qid)));
        if (r !== undefined && !r.stub) this.expire(r);
      } else if (v[at] === ORPHAN_CONTINUED) {
        const root = relayOwner(o) ?? UNKNOWN;
        const next = queueKeyOf(text);
        const n = this.open.get(next);
        if (n !== undefined) n.via = root;
        // Opened in the next range: its owner comes with that range's open messages, below.
        else this.continuations.set(next, root);
      }
      else if (v[at] === ORPHAN_NRCPT) {
        // Counted for a message received here, unless this range's own qmgr line did already (a stub is counted).
        if (o === undefined || o.counted) return;
        this.countRecipients(o, v[at + 1]);
        o.counted = true;
        this.traffic.queuedText(text, v[at + 2]);
      } else {
        const r = relayOwner(o ?? this.continuations.get(queueKeyOf(qid)));
        if (r?.cid !== undefined) this.relayed(r, text, v[at + 1]);
      }
    });
    this.lines += next.lines;
    this.parsed += next.parsed;
    this.unparsed += next.unparsed;
    for (const u of next.unparsedSamples) if (this.unparsedSamples.length < this.keepUnparsed) this.unparsedSamples.push(u);
    this.outside += next.outside;
    this.postfix += next.postfix;
    this.dovecot += next.dovecot;
    this.authFailures += next.authFailures;
    this.failures.serverFaults += next.serverFaults;
    this.dropped += next.dropped;
    const max = this.limits.maxKeys;
    for (const [k, v] of next.authByClient) {
      const a = this.authByClient.get(k);
      if (a) {
        a.count += v.count;
        for (const l of v.logins) addMember(a.logins, l, this.limits.maxMembers);
      } else if (this.authByClient.size < max) this.authByClient.set(k, v);
      else this.dropped++;
    }
    this.dropped += absorbCounts(this.authByLogin, next.authByLogin, max);
    this.absorbAuthPending(next);
    for (const [k, v] of next.senders) {
      const st = this.senders.get(k);
      if (st) {
        st.messages += v.messages;
        st.recipients += v.recipients;
        st.lastSeen = v.lastSeen;
        for (const c of v.clients) addClient(st, c, this.limits.maxMembers);
      } else if (this.senders.size < max) this.senders.set(k, v);
      else this.dropped++;
    }
    this.dropped += this.unauth.absorb(next.unauth);
    unpackTable(next.relayHours, ([k], v, at) => {
      const h = this.relayHours.get(k);
      if (h) {
        h[0] += v[at];
        h[1] += v[at + 1];
      } else if (this.relayHours.size < max) this.relayHours.set(k, [v[at], v[at + 1]]);
      else this.dropped++;
    });
    this.dropped += absorbCounts(this.relayDenied, next.relayDenied, max);
    this.dropped += absorbCounts(this.local, next.local, max);
    this.traffic.absorb(next.traffic);
    // Messages open here that the next range did not remove (its orphans, above) stay open for
    // the range after it, beside those the next range opened; the next range's placeholder for
    // a message open here knows less than this range's owner, which took its lines above.
    unpackTable(next.open, ([k, login, client, rcpts], v, at) => {
      const qid = queueKeyOf(k);
      if (v[at + 4] & 2 && this.open.get(qid) !== undefined) return;
      const o = new Owner(v[at] === 1 ? login : undefined, v[at + 1] === 1 ? (client ? this.unauth.has(client) : -1) : undefined, v[at + 3], (v[at + 4] & 2) !== 0);
      if (v[at + 2] === 1) o.counted = true;
      if (v[at + 4] & 1) o.rcpts = new Map(rcpts ? rcpts.split('\u0001').map((r) => r.split('\u0002')).map(([r, st]) => [r, Number(st)]) : []);
      if (v[at + 4] & 4) o.via = this.continuations.get(qid) ?? UNKNOWN;
      this.open.set(qid, o);
    });
    this.continuations.clear();
  }
}

const HIGH_BYTE = /[\x80-\xff]/;

/**
 * An internationalised domain as an SMTPUTF8 log writes it (UTF-8 bytes,
 * here as latin1 chars) in the form localDomains hold (normalizeDomain's
 * A-labels: `bücher.example` is `xn--bcher-kva.example`); '' when it is not a domain name.
 */
function asciiDomain(latin1Text: string): string {
  try {
    return normalizeDomain(Buffer.from(latin1Text, 'latin1').toString('utf8'));
  } catch {
    return '';
  }
}
