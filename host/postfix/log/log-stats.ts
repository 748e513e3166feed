import { type LineParts, newLineParts, scanLine } from './log-line';
import { type PackedTable, TablePacker, unpackTable } from './packed-table';
import { QueueIndex } from './queue-index';

/*
 * What `logs scan` counts, line by line, in bounded memory: every table is
 * capped (past the cap new keys go to an "other" count), and the queue-ID
 * index that links a message's lines is evicted oldest first.
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
export interface ClientStats {
  messages: number;
  relayed: number;
}

/** A message's owner, from its `client=` or `pickup` line, until `removed`. */
interface Owner {
  login?: string;
  client?: string;
  counted?: boolean;
}

/**
 * Plain data (structured-clone safe) for passing between worker threads and
 * merging. The tables that grow large are packed (packed-table.ts); the two
 * that hold lists per key are rarely large and stay as pairs.
 */
export interface StatsState {
  lines: number;
  parsed: number;
  unparsed: number;
  postfix: number;
  authFailures: number;
  authByClient: Array<[string, AuthFailStats]>;
  /** login; failures */
  authByLogin: PackedTable;
  senders: Array<[string, SenderStats]>;
  /** client; messages, relayed */
  unauth: PackedTable;
  /** client; rejects */
  relayDenied: PackedTable;
  /** submitter; messages */
  local: PackedTable;
  dropped: number;
  /** Queue IDs still open at the end (queue ID, login, client; has login, has client, counted): the next range's orphans may belong to them. */
  open: PackedTable;
  /** Lines whose message began before this range (queue ID; 0 for nrcpt or 1 for sent, amount). */
  orphans: PackedTable;
}

function packCounts(m: Map<string, number>): PackedTable {
  const p = new TablePacker(1, 1, m.size);
  for (const [k, v] of m) p.add([k], [v]);
  return p.done();
}

export interface StatsLimits {
  /** Keys per table. */
  readonly maxKeys: number;
  /** Distinct client addresses kept per login / logins per failing client. */
  readonly maxMembers: number;
  /** Queue IDs tracked at once. */
  readonly maxOpen: number;
}

/** Sized so that a scan stays well under 200 MB even when every table is full. */
export const DEFAULT_LIMITS: StatsLimits = { maxKeys: 50_000, maxMembers: 50, maxOpen: 100_000 };

/**
 * A copy of a slice of the chunk being scanned. V8 keeps a slice as a view on
 * its parent string, so a key kept in a table would otherwise pin the whole
 * megabyte chunk it came from.
 */
export function own(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

function bump(m: Map<string, number>, k: string, by: number, max: number): boolean {
  const v = m.get(k);
  if (v !== undefined) m.set(k, v + by);
  else if (m.size < max) m.set(own(k), by);
  else return false;
  return true;
}

function addMember(list: string[], v: string, max: number): void {
  if (list.length < max && !list.includes(v)) list.push(own(v));
}

/** A login's client addresses: a Set beside the list, as this runs for every message. */
const seenClients = new WeakMap<SenderStats, Set<string>>();
function addClient(st: SenderStats, ip: string, max: number): void {
  let set = seenClients.get(st);
  if (!set) seenClients.set(st, (set = new Set(st.clients)));
  if (st.clients.length < max && !set.has(ip)) {
    const o = own(ip);
    st.clients.push(o);
    set.add(o);
  }
}

/** Lower case without allocating when the text already is (logins usually are). */
function lower(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return s.toLowerCase();
  }
  return s;
}

/** The address inside `host[addr]` starting at or after `from`; [start, end] or undefined. */
function bracketed(s: string, from: number, end: number): [number, number] | undefined {
  let open = -1;
  const limit = Math.min(end, from + 300);
  for (let i = from; i < limit; i++) {
    const c = s.charCodeAt(i);
    if (c === 91) open = i;
    else if (c === 93 && open >= 0) return [open + 1, i];
  }
  return undefined;
}

/** Index of `needle` in s[from, end), or -1: a scan bounded by the line, never past it. */
export function findIn(s: string, needle: string, from: number, end: number): number {
  const c0 = needle.charCodeAt(0);
  const last = end - needle.length;
  for (let i = from; i <= last; i++) if (s.charCodeAt(i) === c0 && s.startsWith(needle, i)) return i;
  return -1;
}

/** Value of `key` (e.g. `sasl_username=`) in s[from, end), up to `,` or the end. */
function field(s: string, key: string, from: number, end: number): string | undefined {
  const at = findIn(s, key, from, end);
  if (at < 0) return undefined;
  const v = at + key.length;
  let e = v;
  while (e < end && s.charCodeAt(e) !== 44) e++;
  return e > v ? s.slice(v, e) : undefined;
}

/** The decimal number after `key` in s[from, end), or -1. */
function numberField(s: string, key: string, from: number, end: number): number {
  const at = findIn(s, key, from, end);
  if (at < 0) return -1;
  let n = 0;
  let i = at + key.length;
  const start = i;
  for (; i < end && i - start < 9; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return i > start ? n : -1;
}

export class LogStats {
  lines = 0;
  parsed = 0;
  unparsed = 0;
  postfix = 0;
  authFailures = 0;
  readonly authByClient = new Map<string, AuthFailStats>();
  readonly authByLogin = new Map<string, number>();
  readonly senders = new Map<string, SenderStats>();
  readonly unauth = new Map<string, ClientStats>();
  readonly relayDenied = new Map<string, number>();
  readonly local = new Map<string, number>();
  /** Keys that did not fit a capped table. */
  dropped = 0;
  private readonly open: QueueIndex<Owner>;
  private readonly orphans: Array<[string, 'nrcpt' | 'sent', number]> = [];
  private readonly p: LineParts = newLineParts();
  /** The timestamp text of the last line that needed one: a log has many lines per second. */
  private time = '';

  private timeOf(s: string): string {
    const p = this.p;
    const n = p.timeEnd - p.timeStart;
    if (this.time.length !== n || !s.startsWith(this.time, p.timeStart)) this.time = own(s.slice(p.timeStart, p.timeEnd));
    return this.time;
  }

  /**
   * `keepOrphans`: record lines whose message began before this range (a
   * worker's range, merged by `absorb`). A whole-input scan has no earlier
   * range to match them against, so it skips the bookkeeping.
   */
  constructor(
    private readonly limits: StatsLimits = DEFAULT_LIMITS,
    private readonly keepOrphans = true,
  ) {
    this.open = new QueueIndex(limits.maxOpen);
  }

  /** One line: s[start, end), without its newline. */
  line(s: string, start: number, end: number): void {
    this.lines++;
    const p = this.p;
    if (!scanLine(s, start, end, p)) {
      this.unparsed++;
      return;
    }
    this.parsed++;
    // Postfix's programs; the instance part of the tag (postfix-in/, postfix/submission/) does not matter.
    if (p.progStart === p.tagStart) return;
    this.postfix++;
    const prog = p.progStart;
    const m = p.msgStart;
    const first = s.charCodeAt(m);
    const len = p.tagEnd - prog;
    // Programs told apart by length and two characters (this runs on every line).
    const c0 = s.charCodeAt(prog);
    const c1 = s.charCodeAt(prog + 1);
    if (len === 5 && c0 === 115 && c1 === 109 && s.charCodeAt(prog + 4) === 100) {
      // smtpd
      if (p.qidStart >= 0) {
        if (first === 99 && s.startsWith('client=', m)) this.client(s, m + 7, end);
        else if (first === 114 && p.qidEnd - p.qidStart === 7 && s.startsWith('reject: RCPT from ', m)) this.reject(s, m + 18, end);
      } else if (first === 119 && s.startsWith('warning: ', m)) this.warning(s, m + 9, end);
    } else if (p.qidStart < 0) {
      return;
    } else if (len === 4 && c0 === 113 && c1 === 109) {
      // qmgr
      if (first === 102 && s.startsWith('from=<', m)) this.nrcpt(s, m, end);
      else if (first === 114 && s.startsWith('removed', m)) this.open.delete(s.slice(p.qidStart, p.qidEnd));
    } else if (len === 4 && c0 === 115 && c1 === 109) {
      // smtp
      if (first === 116 && s.charCodeAt(m + 1) === 111 && s.charCodeAt(m + 2) === 61) this.delivery(s, m, end);
    } else if (len === 6 && c0 === 112 && c1 === 105 && s.startsWith('pickup', prog)) {
      if (first === 117 && s.startsWith('uid=', m)) this.pickup(s, m, end);
    }
  }

  private remember(qid: string, o: Owner): void {
    this.open.set(own(qid), o);
  }

  private orphan(qid: string, kind: 'nrcpt' | 'sent', n: number): void {
    if (this.keepOrphans && this.orphans.length < this.limits.maxOpen) this.orphans.push([qid, kind, n]);
  }

  /** `client=host[ip](, sasl_method=M, sasl_username=U)?` */
  private client(s: string, from: number, end: number): void {
    const b = bracketed(s, from, end);
    if (!b) return;
    const ip = s.slice(b[0], b[1]);
    const qid = s.slice(this.p.qidStart, this.p.qidEnd);
    const raw = b[1] + 1 < end ? field(s, 'sasl_username=', b[1] + 1, end) : undefined;
    if (raw !== undefined) {
      // Dovecot logins are case-insensitive: Admin and admin are one account.
      const login = lower(raw);
      const time = this.timeOf(s);
      let st = this.senders.get(login);
      if (!st) {
        if (this.senders.size >= this.limits.maxKeys) {
          this.dropped++;
          return;
        }
        st = { messages: 0, recipients: 0, clients: [], firstSeen: time, lastSeen: '' };
        this.senders.set(own(login), st);
      }
      st.messages++;
      st.lastSeen = time;
      addClient(st, ip, this.limits.maxMembers);
      this.remember(qid, { login: own(login) });
    } else {
      let c = this.unauth.get(ip);
      if (!c) {
        if (this.unauth.size >= this.limits.maxKeys) {
          this.dropped++;
          return;
        }
        c = { messages: 0, relayed: 0 };
        this.unauth.set(own(ip), c);
      }
      c.messages++;
      this.remember(qid, { client: own(ip) });
    }
  }

  /** qmgr `from=<s>, size=N, nrcpt=N (queue active)`: printed again on every retry, counted once. */
  private nrcpt(s: string, from: number, end: number): void {
    const n = numberField(s, 'nrcpt=', from, end);
    if (n < 0) return;
    const qid = s.slice(this.p.qidStart, this.p.qidEnd);
    const o = this.open.get(qid);
    if (!o) {
      this.orphan(qid, 'nrcpt', n);
      return;
    }
    this.countRecipients(o, n);
  }

  private countRecipients(o: Owner, n: number): void {
    if (o.counted) return;
    o.counted = true;
    if (o.login !== undefined) {
      const st = this.senders.get(o.login);
      if (st) st.recipients += n;
    }
  }

  /** smtp `to=<r>, relay=…, status=sent`: mail from an unauthenticated client that left the server. */
  private delivery(s: string, from: number, end: number): void {
    const qid = s.slice(this.p.qidStart, this.p.qidEnd);
    const o = this.open.get(qid);
    // Only mail from unauthenticated clients matters here; skip the scan for the rest.
    if (o !== undefined && o.client === undefined) return;
    const at = findIn(s, ', status=', from, end);
    if (at < 0 || !s.startsWith('sent', at + 9)) return;
    if (!o) this.orphan(qid, 'sent', 1);
    else this.countRelayed(o, 1);
  }

  private countRelayed(o: Owner, n: number): void {
    if (o.client === undefined) return;
    const c = this.unauth.get(o.client);
    if (c) c.relayed += n;
  }

  /** `warning: host[ip]: SASL LOGIN authentication failed: …(, sasl_username=U)?` */
  private warning(s: string, from: number, end: number): void {
    const b = bracketed(s, from, Math.min(end, from + 300));
    if (!b || !s.startsWith(']: SASL ', b[1])) return;
    if (findIn(s, ' authentication failed', b[1] + 8, Math.min(end, b[1] + 60)) < 0) return;
    this.authFailures++;
    const ip = s.slice(b[0], b[1]);
    const login = field(s, 'sasl_username=', b[1], end)?.toLowerCase();
    let a = this.authByClient.get(ip);
    if (!a) {
      if (this.authByClient.size < this.limits.maxKeys) this.authByClient.set(own(ip), (a = { count: 0, logins: [] }));
      else this.dropped++;
    }
    if (a) {
      a.count++;
      if (login !== undefined) addMember(a.logins, login, this.limits.maxMembers);
    }
    if (login !== undefined && !bump(this.authByLogin, login, 1, this.limits.maxKeys)) this.dropped++;
  }

  /** `NOQUEUE: reject: RCPT from host[ip]: 554 5.7.1 <r>: Relay access denied; …` */
  private reject(s: string, from: number, end: number): void {
    const b = bracketed(s, from, end);
    if (!b) return;
    if (findIn(s, ': Relay access denied', b[1], Math.min(end, b[1] + 400)) < 0) return;
    if (!bump(this.relayDenied, s.slice(b[0], b[1]), 1, this.limits.maxKeys)) this.dropped++;
  }

  /** pickup `uid=33 from=<www-data>`: mail submitted on the server itself (a web app…). */
  private pickup(s: string, from: number, end: number): void {
    const sp = s.slice(from, Math.min(end, from + 400));
    const f = sp.indexOf(' from=<');
    if (f < 0) return;
    const close = sp.indexOf('>', f);
    const key = `${sp.slice(4, f)} ${sp.slice(f + 6, close < 0 ? sp.length : close + 1)}`;
    if (!bump(this.local, key, 1, this.limits.maxKeys)) this.dropped++;
  }

  toState(): StatsState {
    const unauth = new TablePacker(1, 2, this.unauth.size);
    for (const [k, c] of this.unauth) unauth.add([k], [c.messages, c.relayed]);
    const open = new TablePacker(3, 3, this.open.size);
    for (const [k, o] of this.open.entries()) open.add([k, o.login ?? '', o.client ?? ''], [o.login !== undefined ? 1 : 0, o.client !== undefined ? 1 : 0, o.counted ? 1 : 0]);
    const orphans = new TablePacker(1, 2, this.orphans.length);
    for (const [qid, kind, n] of this.orphans) orphans.add([qid], [kind === 'nrcpt' ? 0 : 1, n]);
    return {
      lines: this.lines, parsed: this.parsed, unparsed: this.unparsed, postfix: this.postfix, authFailures: this.authFailures,
      authByClient: [...this.authByClient], authByLogin: packCounts(this.authByLogin), senders: [...this.senders], unauth: unauth.done(),
      relayDenied: packCounts(this.relayDenied), local: packCounts(this.local), dropped: this.dropped, open: open.done(), orphans: orphans.done(),
    };
  }

  /**
   * Adds the state of the range that followed this one: its orphan lines are
   * matched against the messages still open here, then everything is summed.
   */
  absorb(next: StatsState): void {
    unpackTable(next.orphans, ([qid], v, at) => {
      const o = this.open.get(qid);
      if (!o) return;
      if (v[at] === 0) this.countRecipients(o, v[at + 1]);
      else this.countRelayed(o, v[at + 1]);
    });
    this.lines += next.lines;
    this.parsed += next.parsed;
    this.unparsed += next.unparsed;
    this.postfix += next.postfix;
    this.authFailures += next.authFailures;
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
    unpackTable(next.authByLogin, ([k], v, at) => {
      if (!bump(this.authByLogin, k, v[at], max)) this.dropped++;
    });
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
    unpackTable(next.unauth, ([k], v, at) => {
      const c = this.unauth.get(k);
      if (c) {
        c.messages += v[at];
        c.relayed += v[at + 1];
      } else if (this.unauth.size < max) this.unauth.set(k, { messages: v[at], relayed: v[at + 1] });
      else this.dropped++;
    });
    unpackTable(next.relayDenied, ([k], v, at) => {
      if (!bump(this.relayDenied, k, v[at], max)) this.dropped++;
    });
    unpackTable(next.local, ([k], v, at) => {
      if (!bump(this.local, k, v[at], max)) this.dropped++;
    });
    // Messages the next range opened stay open for the range after it; its own orphans were resolved above.
    this.open.clear();
    unpackTable(next.open, ([k, login, client], v, at) => {
      const o: Owner = {};
      if (v[at] === 1) o.login = login;
      if (v[at + 1] === 1) o.client = client;
      if (v[at + 2] === 1) o.counted = true;
      this.open.set(k, o);
    });
  }
}
