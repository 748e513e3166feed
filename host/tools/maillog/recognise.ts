import { byteIn, bytesAt, bytesOf, indexIn } from './bytes';
import { type LineParts, pidParen } from './tokenizer';

/*
 * The one set of message recognisers: what a tokenized line says, as a kind
 * and offsets into the line (no strings; consumers slice what they keep).
 * Every search is bounded by the line's end and done with indexOf-like scans
 * from left to right, never a backtracking regex: attackers write the
 * client names, logins and addresses these lines carry.
 *
 * Postfix (any instance or service: `postfix/smtpd`, `postfix-out/smtpd`,
 * `postfix/submission/smtpd`, and a bare `smtpd`):
 *   CONNECT    smtpd `connect from host[ip]`
 *   CLIENT     smtpd `QID: client=host[ip][:port][, sasl_method=M, sasl_username=U]`
 *   SASL_FAIL  smtpd `warning: host[ip][:port]: SASL M authentication failed: REASON[, sasl_username=U]`
 *   REJECT     smtpd `NOQUEUE: reject: RCPT from host[ip][:port]: 554 5.7.1 …; from=<s> to=<r> …`, postscreen `… RCPT from [ip]:port: …`
 *   QUEUED     qmgr `QID: from=<s>, size=N, nrcpt=N (queue active)`
 *   EXPIRED    qmgr `QID: from=<s>, status=expired|force-expired, returned to sender` (the message, too old, bounced)
 *   DELIVERY   smtp/lmtp/local/virtual/pipe/discard/error/retry and qmgr `QID: to=<r>, … status=sent|deferred|bounced|SOFTBOUNCE`
 *              (address verification's `deliverable`/`undeliverable` and `sendmail -bv`'s DSN actions: known, counted as nothing)
 *   HOLD       cleanup `QID: hold: …` (header/body checks), smtpd `QID: hold: …` (access HOLD), postsuper `QID: placed on hold`
 *   REJECT     also cleanup `QID: reject: …` and `QID: milter-reject: …` (content checks, milters), counted without a client
 *   REJECT_WARNING smtpd `QID|NOQUEUE: reject_warning: …`, cleanup `QID: warning: header|body|END-OF-MESSAGE …`
 *   DISCARD    smtpd and cleanup `QID: discard: …`, cleanup `QID: milter-discard: …`
 *   REMOVED    qmgr/postsuper `QID: removed`
 *   PICKUP     pickup `QID: uid=N from=<s>`
 * Dovecot 2.x (via syslog as `dovecot: SERVICE: …`, or its own log file as `SERVICE: Info: …`):
 *   LOGIN_FAIL imap-/pop3-/submission-/managesieve-login `Disconnected… (auth failed, N attempts …): user=<u>, method=M, rip=IP, …`
 *              (2.3), `Login aborted: … (auth failed, N attempts …) (auth_failed): user=<u>, …` (2.4, Debian 13)
 *   AUTH_FAIL  auth/auth-worker `DRIVER(user,ip[,<session>]): Password mismatch | unknown user | pam_authenticate() failed: …` (2.3),
 *              `auth(user,ip[,sasl:MECH])[<session>]: [Info: ][DRIVER: ]RESULT` and
 *              `auth-worker(user,ip,…)<pid>[<session>]: request [N]: …` (2.4: the service names the request, the driver follows)
 */

export const K_NONE = 0;
export const K_CONNECT = 1;
export const K_CLIENT = 2;
export const K_SASL_FAIL = 3;
export const K_REJECT = 4;
export const K_QUEUED = 5;
export const K_DELIVERY = 6;
export const K_HOLD = 7;
export const K_REMOVED = 8;
export const K_PICKUP = 9;
export const K_LOGIN_FAIL = 10;
export const K_AUTH_FAIL = 11;
/** A line of a kind above that does not have that kind's shape (counted as not understood). */
export const K_MALFORMED = 12;
export const K_EXPIRED = 13;
/** smtpd's `reject_warning:` (warn_if_reject), cleanup's `warning: header|body|END-OF-MESSAGE` (a WARN action): what would have been rejected. */
export const K_REJECT_WARNING = 14;
/** smtpd's and cleanup's `discard:` (a DISCARD action): accepted, then thrown away. */
export const K_DISCARD = 15;

/** A delivery line's status (MailEvent.n). */
export const STATUS_SENT = 0;
export const STATUS_DEFERRED = 1;
export const STATUS_BOUNCED = 2;
/** The status words above. */
export const STATUS_NAMES = ['sent', 'deferred', 'bounced'] as const;
/**
 * `status=sent (forwarded as QID)`: local(8) passed the recipient on (a
 * .forward or an alias to another address) as a new message, whose own
 * delivery lines count. pflogsumm counts these as forwarded, not delivered.
 */
export const STATUS_FORWARDED = 3;

/** Programs, told apart once per line. */
export const P_OTHER = 0;
export const P_SMTPD = 1;
export const P_QMGR = 2;
export const P_SMTP = 3;
export const P_LMTP = 4;
export const P_LOCAL = 5;
export const P_PICKUP = 6;
export const P_CLEANUP = 7;
export const P_POSTSUPER = 8;
export const P_DOVECOT = 9;
export const P_DOVECOT_SERVICE = 10;
/** pipe (dovecot-lda, filters) and discard: delivery agents whose lines pflogsumm counts too. */
export const P_PIPE = 11;
/** error and retry: they defer or bounce recipients without trying (a destination qmgr holds as dead). */
export const P_ERROR = 12;
/** postscreen: its `NOQUEUE: reject:` lines are rejects as smtpd's are (pflogsumm counts them). */
export const P_POSTSCREEN = 13;

/** Protocols of Dovecot's login processes, and of Postfix's submission/smtps services. */
export const PROTOCOLS = ['smtp', 'submission', 'imap', 'pop3', 'other'] as const;
export type LoggedProtocol = (typeof PROTOCOLS)[number];
const PR_SMTP = 0;
const PR_SUBMISSION = 1;
const PR_IMAP = 2;
const PR_POP3 = 3;
const PR_OTHER = 4;

/** What one line says: offsets into the line, -1 where absent. Reused between lines. */
export interface MailEvent {
  kind: number;
  program: number;
  /** Client address (`ip` of `host[ip]`, Dovecot's `rip=`). */
  ipStart: number;
  ipEnd: number;
  /** Client name (`host` of `host[ip]`). */
  nameStart: number;
  nameEnd: number;
  /** sasl_username, Dovecot's user. */
  loginStart: number;
  loginEnd: number;
  /** Sender or recipient address inside `<…>`. */
  addrStart: number;
  addrEnd: number;
  /** SASL failure reason; reject reply text; delivery status text. */
  textStart: number;
  textEnd: number;
  /** Dovecot attempts, qmgr nrcpt, pickup uid, delivery status, reject SMTP code. */
  n: number;
  /** qmgr size. */
  size: number;
  /**
   * SASL failure reason is the server's fault; reject is `Relay access denied`; Dovecot `unknown user`;
   * a qmgr/retry deferral is for a remote destination held as dead (`suspendedRemote`).
   */
  flag: boolean;
  protocol: number;
  /** Set by `requeued`, not by `recognise`: the queue ID a delivered message's reply names (`… queued as QID)`). */
  nextStart: number;
  nextEnd: number;
}

export function newMailEvent(): MailEvent {
  return { kind: K_NONE, program: P_OTHER, ipStart: -1, ipEnd: -1, nameStart: -1, nameEnd: -1, loginStart: -1, loginEnd: -1, addrStart: -1, addrEnd: -1, textStart: -1, textEnd: -1, n: 0, size: 0, flag: false, protocol: PR_OTHER, nextStart: -1, nextEnd: -1 };
}

function reset(e: MailEvent): void {
  e.kind = K_NONE;
  e.ipStart = e.ipEnd = e.nameStart = e.nameEnd = e.loginStart = e.loginEnd = e.addrStart = e.addrEnd = e.textStart = e.textEnd = e.nextStart = e.nextEnd = -1;
  e.n = 0;
  e.size = 0;
  e.flag = false;
  e.protocol = PR_OTHER;
}

const at = bytesAt;

/** The decimal number at `i` (at most nine digits), or -1. */
function numberAt(s: Uint8Array, i: number, end: number): number {
  let n = 0;
  const start = i;
  for (; i < end && i - start < 9; i++) {
    const c = s[i];
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return i > start ? n : -1;
}

/** The decimal number after `key` in s[from, end), or -1. */
function numberField(s: Uint8Array, key: string, from: number, end: number): number {
  const k = indexIn(s, key, from, end);
  return k < 0 ? -1 : numberAt(s, k + key.length, end);
}

const IPV6_PREFIX = 'IPv6:';

/**
 * `host[addr]` at `from` (the host runs to the first `[`): fills name and ip
 * and returns the index after `]` and an optional `:port`, or -1.
 */
function hostAddr(s: Uint8Array, from: number, end: number, e: MailEvent): number {
  const limit = Math.min(end, from + 300);
  let open = -1;
  let i = from;
  for (; i < limit; i++) {
    const c = s[i];
    if (c === 91) {
      open = i;
      break;
    }
    if (c === 32 || c === 93) return -1;
  }
  if (open < 0) return -1;
  let close = -1;
  for (i = open + 1; i < Math.min(end, open + 64); i++) {
    const c = s[i];
    if (c === 93) {
      close = i;
      break;
    }
    if (c === 32 || c === 91) return -1;
  }
  if (close <= open + 1) return -1;
  e.nameStart = from;
  e.nameEnd = open;
  e.ipStart = at(s, IPV6_PREFIX, open + 1, close) ? open + 1 + IPV6_PREFIX.length : open + 1;
  e.ipEnd = close;
  i = close + 1;
  // smtpd_client_port_logging: `host[ip]:port`
  if (i + 1 < end && s[i] === 58 && s[i + 1] !== 32) {
    const p = numberAt(s, i + 1, end);
    if (p >= 0) {
      i++;
      while (i < end && s[i] >= 48 && s[i] <= 57) i++;
    }
  }
  return i;
}

/** `<addr>` at `i`: fills addr and returns the index after `>`, or -1. */
function angled(s: Uint8Array, i: number, end: number, e: MailEvent): number {
  if (s[i] !== 60) return -1;
  const close = indexIn(s, '>', i + 1, Math.min(end, i + 1 + 512));
  if (close < 0) return -1;
  e.addrStart = i + 1;
  e.addrEnd = close;
  return close + 1;
}

/** Postfix's programs by the tag's last component (this runs on every line). */
export function programOf(s: Uint8Array, p: LineParts): number {
  const prog = p.progStart;
  const len = p.tagEnd - prog;
  const c0 = s[prog];
  const c1 = s[prog + 1];
  const slash = prog !== p.tagStart;
  switch (len) {
    case 4:
      if (c0 === 113 && c1 === 109 && at(s, 'qmgr', prog, p.tagEnd)) return P_QMGR;
      if (c1 === 109 && at(s, 'tp', prog + 2, p.tagEnd)) return c0 === 115 ? P_SMTP : c0 === 108 ? P_LMTP : P_OTHER;
      return slash && c0 === 112 && at(s, 'pipe', prog, p.tagEnd) ? P_PIPE : P_OTHER;
    case 5:
      if (c0 === 115 && c1 === 109 && at(s, 'smtpd', prog, p.tagEnd)) return P_SMTPD;
      if (slash && at(s, 'local', prog, p.tagEnd)) return P_LOCAL;
      if (slash && (at(s, 'error', prog, p.tagEnd) || at(s, 'retry', prog, p.tagEnd))) return P_ERROR;
      return P_OTHER;
    case 6:
      return c0 === 112 && at(s, 'pickup', prog, p.tagEnd) ? P_PICKUP : P_OTHER;
    case 7:
      if (c0 === 99 && at(s, 'cleanup', prog, p.tagEnd)) return P_CLEANUP;
      if (c0 === 100 && !slash && at(s, 'dovecot', prog, p.tagEnd)) return P_DOVECOT;
      if (slash && at(s, 'virtual', prog, p.tagEnd)) return P_LOCAL;
      if (slash && at(s, 'discard', prog, p.tagEnd)) return P_PIPE;
      return P_OTHER;
    case 9:
      return c0 === 112 && at(s, 'postsuper', prog, p.tagEnd) ? P_POSTSUPER : P_OTHER;
    case 10:
      return c0 === 112 && at(s, 'postscreen', prog, p.tagEnd) ? P_POSTSCREEN : P_OTHER;
    default:
      return P_OTHER;
  }
}

/** Whether the tag is Postfix's (a `…/program` tag, or one of its programs by name). */
export function isPostfix(p: LineParts, program: number): boolean {
  return p.progStart !== p.tagStart || (program !== P_OTHER && program !== P_DOVECOT);
}

/**
 * What the line says. `p` is the tokenizer's result for s[p.timeStart, p.end)
 * (log bytes, or text read as its bytes); `e` is filled and its kind returned.
 */
export function recognise(s: Uint8Array | string, p: LineParts, e: MailEvent): number {
  return recogniseBytes(typeof s === 'string' ? bytesOf(s) : s, p, e);
}

function recogniseBytes(s: Uint8Array, p: LineParts, e: MailEvent): number {
  reset(e);
  const program = programOf(s, p);
  e.program = program;
  const m = p.msgStart;
  const end = p.end;
  const first = s[m];
  const qid = p.qidStart >= 0;
  switch (program) {
    case P_SMTPD:
      if (qid) {
        if (first === 99 && at(s, 'client=', m, end)) return client(s, m + 7, end, e);
        if (first === 114 && at(s, 'reject: ', m, end)) return reject(s, m + 8, end, e);
        if (first === 114 && at(s, 'reject_warning: ', m, end)) return (e.kind = K_REJECT_WARNING);
        // An access map's HOLD and DISCARD actions.
        if (first === 104 && at(s, 'hold: ', m, end)) return (e.kind = K_HOLD);
        if (first === 100 && at(s, 'discard: ', m, end)) return (e.kind = K_DISCARD);
        return K_NONE;
      }
      if (first === 119 && at(s, 'warning: ', m, end)) return saslFailure(s, m + 9, end, p, e);
      if (first === 99 && at(s, 'connect from ', m, end)) return hostAddr(s, m + 13, end, e) < 0 ? (e.kind = K_MALFORMED) : (e.kind = K_CONNECT);
      return K_NONE;
    case P_QMGR:
      if (!qid) return K_NONE;
      if (first === 102 && at(s, 'from=<', m, end)) return queued(s, m + 5, end, e);
      if (first === 114 && at(s, 'removed', m, end)) return (e.kind = K_REMOVED);
      // Recipients qmgr defers without trying (their destination is held as dead), or expires.
      if (first === 116 && at(s, 'to=<', m, end)) return delivery(s, m + 3, end, e);
      return K_NONE;
    case P_SMTP:
    case P_LMTP:
    case P_LOCAL:
    case P_PIPE:
    case P_ERROR:
      if (qid && first === 116 && at(s, 'to=<', m, end)) return delivery(s, m + 3, end, e);
      return K_NONE;
    case P_POSTSCREEN:
      // `NOQUEUE: reject: RCPT from [ip]:port: 550 5.7.1 Service unavailable; client [ip] blocked using …`
      if (qid && first === 114 && at(s, 'reject: ', m, end)) return reject(s, m + 8, end, e);
      return K_NONE;
    case P_PICKUP:
      if (qid && first === 117 && at(s, 'uid=', m, end)) return pickup(s, m + 4, end, e);
      return K_NONE;
    case P_CLEANUP:
      if (qid && first === 104 && at(s, 'hold: ', m, end)) return (e.kind = K_HOLD);
      if (qid && first === 109 && at(s, 'milter-hold: ', m, end)) return (e.kind = K_HOLD);
      if (qid && ((first === 100 && at(s, 'discard: ', m, end)) || (first === 109 && at(s, 'milter-discard: ', m, end)))) return (e.kind = K_DISCARD);
      // A WARN action of header_checks/body_checks (or a milter's): logged, delivered all the same.
      if (qid && first === 119 && at(s, 'warning: ', m, end) && contentCheck(s, m + 9, end)) return (e.kind = K_REJECT_WARNING);
      // header_checks/body_checks, and a milter's verdict at end of message (rspamd, SpamAssassin): a reject, no client to blame.
      if (qid && ((first === 114 && at(s, 'reject: ', m, end)) || (first === 109 && at(s, 'milter-reject: ', m, end)))) return (e.kind = K_REJECT);
      return K_NONE;
    case P_POSTSUPER:
      if (qid && first === 112 && at(s, 'placed on hold', m, end)) return (e.kind = K_HOLD);
      if (qid && first === 114 && at(s, 'removed', m, end)) return (e.kind = K_REMOVED);
      return K_NONE;
    case P_DOVECOT: {
      // Dovecot 2.4's auth requests: `dovecot: auth(user,ip,…)…: …`.
      const paren = authRequestAt(s, m, end);
      if (paren >= 0) return authRequest(s, paren, end, e);
      // `dovecot: imap-login: …`: the service is the message's first word.
      const colon = indexIn(s, ': ', m, Math.min(end, m + 48));
      return colon < 0 ? K_NONE : dovecot(s, m, colon, colon + 2, end, e);
    }
    default:
      // Dovecot's own log file: the tag is the service.
      if (p.progStart === p.tagStart) {
        // 2.4's request: the tag is `auth(user,ip)<session>` whole, or `auth` (the tokenizer's requestTag, when a `:` inside the request ended it early).
        const paren = authRequestAt(s, p.tagStart, end);
        return paren >= 0 ? authRequest(s, paren, end, e) : dovecot(s, p.tagStart, p.tagEnd, m, end, e);
      }
      return K_NONE;
  }
}

/** What cleanup's content checks name: the part of the message that matched. */
function contentCheck(s: Uint8Array, i: number, end: number): boolean {
  return at(s, 'header ', i, end) || at(s, 'body ', i, end) || at(s, 'END-OF-MESSAGE ', i, end);
}

/** `host[ip][:port](, sasl_method=M, sasl_username=U)?` */
function client(s: Uint8Array, from: number, end: number, e: MailEvent): number {
  const i = hostAddr(s, from, end, e);
  if (i < 0) return (e.kind = K_MALFORMED);
  const u = indexIn(s, ', sasl_username=', i, end);
  if (u >= 0) {
    e.loginStart = u + 16;
    // Postfix may log more after the login (`, sasl_sender=…`).
    let j = e.loginStart;
    while (j < end && s[j] !== 44) j++;
    e.loginEnd = j;
    if (j === e.loginStart) e.loginStart = e.loginEnd = -1;
  }
  return (e.kind = K_CLIENT);
}

/** SASL reasons that say the server failed, not that the client guessed wrong. */
const SERVER_FAULTS = ['Connection lost to authentication server', 'Invalid authentication mechanism', 'Internal authentication server failure'];

/** `host[ip][:port]: SASL MECH authentication failed: REASON(, sasl_username=U)?` */
function saslFailure(s: Uint8Array, from: number, end: number, p: LineParts, e: MailEvent): number {
  const i = hostAddr(s, from, end, e);
  if (i < 0 || !at(s, ': SASL ', i, end)) return K_NONE;
  const f = indexIn(s, ' authentication failed', i + 7, Math.min(end, i + 60));
  if (f < 0) return K_NONE;
  let r = f + 22;
  if (s[r] === 58) r++;
  if (s[r] === 32) r++;
  // The login is the attacker's text and comes last: the first separator after the reason is Postfix's.
  const u = indexIn(s, ', sasl_username=', r - 2 > f ? r - 2 : r, end);
  e.textStart = r;
  e.textEnd = u >= 0 ? u : end;
  // Postfix writes `(unavailable)` when the SASL server named no user (smtpd_sasl_glue.c).
  if (u >= 0 && u + 16 < end && !(end - u - 16 === 13 && at(s, '(unavailable)', u + 16, end))) {
    e.loginStart = u + 16;
    e.loginEnd = end;
  }
  if (e.textStart > e.textEnd) e.textStart = e.textEnd;
  for (const fault of SERVER_FAULTS) if (at(s, fault, e.textStart, e.textEnd)) e.flag = true;
  // The service tells the protocol: submission (587) and smtps (465) are where clients authenticate.
  e.protocol = indexIn(s, 'submission/', p.tagStart, p.tagEnd) >= 0 || indexIn(s, 'smtps/', p.tagStart, p.tagEnd) >= 0 ? PR_SUBMISSION : PR_SMTP;
  return (e.kind = K_SASL_FAIL);
}

/** `reject: RCPT from host[ip]: 554 5.7.1 <r>: Relay access denied; from=<s> to=<r> proto=ESMTP helo=<h>` */
function reject(s: Uint8Array, from: number, end: number, e: MailEvent): number {
  const fromAt = indexIn(s, ' from ', from, Math.min(end, from + 24));
  if (fromAt < 0) return (e.kind = K_MALFORMED);
  const i = hostAddr(s, fromAt + 6, end, e);
  if (i < 0 || s[i] !== 58) return (e.kind = K_MALFORMED);
  e.n = numberAt(s, i + 2, end);
  e.textStart = i + 2;
  const semi = indexIn(s, '; from=<', i, end);
  e.textEnd = semi < 0 ? end : semi;
  e.flag = indexIn(s, ': Relay access denied', i, Math.min(e.textEnd, i + 400)) >= 0;
  if (semi >= 0) angled(s, semi + 7, end, e);
  return (e.kind = K_REJECT);
}

/** qmgr `<s>, size=N, nrcpt=N (queue active)`, or `<s>, status=expired, returned to sender` */
function queued(s: Uint8Array, from: number, end: number, e: MailEvent): number {
  const i = angled(s, from, end, e);
  if (i < 0) return (e.kind = K_MALFORMED);
  // The message outlived maximal_queue_lifetime (`force-expired`: postsuper -e), and its recipients not delivered bounce (qmgr_active.c).
  if (at(s, STATUS_KEY, i, end)) {
    const w = i + STATUS_KEY.length;
    return (e.kind = at(s, 'expired', w, end) || at(s, 'force-expired', w, end) ? K_EXPIRED : K_MALFORMED);
  }
  e.size = numberField(s, 'size=', i, end);
  e.n = numberField(s, 'nrcpt=', i, end);
  return (e.kind = e.n < 0 ? K_NONE : K_QUEUED);
}

const STATUS_KEY = ', status=';
/**
 * Statuses of a recipient tested, not mailed: address verification probes
 * (verify.c: `deliverable`, `undeliverable`, `undeliverable-but-not-cached`)
 * and `sendmail -bv` (trace.c: the DSN action). Known lines that count nothing.
 */
const PROBE_STATUSES = ['deliverable', 'undeliverable', 'delivered', 'relayed', 'expanded', 'failed', 'delayed'];

/** `<r>, [orig_to=<o>, ]relay=…, delay=…, dsn=…, status=WORD (text)` */
function delivery(s: Uint8Array, from: number, end: number, e: MailEvent): number {
  const i = angled(s, from, end, e);
  if (i < 0) return (e.kind = K_MALFORMED);
  const st = indexIn(s, STATUS_KEY, i, end);
  if (st < 0) return (e.kind = K_MALFORMED);
  const w = st + STATUS_KEY.length;
  const c = s[w];
  if (c === 115 && at(s, 'sent', w, end)) e.n = e.program === P_LOCAL && at(s, 'sent (forwarded as ', w, end) ? STATUS_FORWARDED : STATUS_SENT;
  else if (c === 100 && at(s, 'deferred', w, end)) e.n = STATUS_DEFERRED;
  else if (c === 98 && at(s, 'bounced', w, end)) e.n = STATUS_BOUNCED;
  // soft_bounce = yes: a bounce Postfix turned into a deferral (bounce.c); the message stays queued.
  else if (c === 83 && at(s, 'SOFTBOUNCE', w, end)) e.n = STATUS_DEFERRED;
  else return (e.kind = PROBE_STATUSES.some((word) => at(s, word, w, end)) ? K_NONE : K_MALFORMED);
  e.textStart = w;
  e.textEnd = end;
  if (e.n === STATUS_DEFERRED && (e.program === P_QMGR || e.program === P_ERROR)) e.flag = suspendedRemote(s, w, end);
  return (e.kind = K_DELIVERY);
}

/*
 * The two questions below are asked of an smtp or lmtp delivery line by its
 * consumers, not answered for every line here: they cost a scan of the relay
 * field, and only some lines need the answer (a message from an unauthenticated
 * client; a reply that names a queue entry this log opened).
 */

/** Whether a delivery line's (K_DELIVERY) next hop is this machine (localHop). */
export function nextHopIsLocal(s: Uint8Array, p: LineParts, e: MailEvent): boolean {
  return localHop(s, e.addrEnd + 1, e.textStart, p.end);
}

/**
 * Whether a delivery line's next hop is this machine: `relay=host[127.0.0.1]:10024`,
 * `[::1]`, a unix socket (`[private/…]`), or, with `relay=none`, the one the
 * reason names (`connect to 127.0.0.1[127.0.0.1]:10024: Connection refused`).
 * A content filter (amavis on 127.0.0.1:10024) is handed every message, in
 * and out: that is not relaying. `fields` is where the line's fields start, `w` its status.
 */
function localHop(s: Uint8Array, fields: number, w: number, end: number): boolean {
  // `relay=` follows the recipient, or its `orig_to=<…>`.
  const r = s[fields + 2] === 114 && at(s, ', relay=', fields, w) ? fields : indexIn(s, ', relay=', fields, w);
  if (r < 0) return false;
  const from = s[r + 8] === 110 && at(s, 'none', r + 8, w) ? w : r + 8;
  const open = byteIn(s, 91, from, Math.min(end, from + 300));
  return open >= 0 && bracketIsLocal(s, open, end);
}

/**
 * Whether the address in the `[…]` at `open` is this machine's: the loopback
 * (127/8, ::1) or a unix socket (`[private/dovecot-lmtp]`, `[/path]`). By its
 * first byte: most next hops are elsewhere, and one comparison says so.
 */
function bracketIsLocal(s: Uint8Array, open: number, end: number): boolean {
  const c = s[open + 1];
  if (c === 49) return s[open + 2] === 50 && s[open + 3] === 55 && s[open + 4] === 46; // 127.
  if (c === 58) return at(s, '::1]', open + 1, end);
  if (c === 112) return at(s, 'private/', open + 1, end) || at(s, 'public/', open + 1, end);
  return c === 47;
}

/**
 * Whether a delivered line's reply ends `… queued as QID)`, setting e.nextStart and
 * e.nextEnd to the QID (-1 when not). From a next hop on this machine (a
 * content filter: amavis), the filter handed the message back to Postfix as a new queue entry.
 */
export function requeued(s: Uint8Array, e: MailEvent): boolean {
  e.nextStart = e.nextEnd = -1;
  const w = e.textStart;
  const end = e.textEnd;
  const close = s[end - 1] === 41 ? end - 1 : end;
  // The last word, from the right (an LMTP delivery's ends `Saved)`): then what is before it.
  let start = close;
  while (start > w && close - start <= 32) {
    const c = s[start - 1];
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) break;
    start--;
  }
  if (close - start < 5 || close - start > 32 || !at(s, 'queued as ', start - 10, start)) return false;
  e.nextStart = start;
  e.nextEnd = close;
  return true;
}

/** qmgr's reason for a recipient it has deferred without trying: this, then the delivery agent's reason for the destination. */
const SUSPENDED = 'deferred (delivery temporarily suspended: ';
/**
 * Whether a qmgr (or retry, error) deferral at `w` (its status word) is for
 * a destination qmgr holds as dead after the agent failed for a remote
 * server: the smtp agent's, so the recipient was being relayed. A relay
 * already on blocklists has most of its spam deferred so, once the first
 * refusals mark the big providers dead. qmgr's line does not name the
 * transport, only the reason the agent gave for the destination: its next
 * hop is local delivery's when it is this machine (bracketIsLocal) or is
 * reached on LMTP's port (RFC 2033: a mail store elsewhere).
 */
function suspendedRemote(s: Uint8Array, w: number, end: number): boolean {
  if (!at(s, SUSPENDED, w, end)) return false;
  const open = byteIn(s, 91, w + SUSPENDED.length, end);
  if (open < 0) return true;
  const close = byteIn(s, 93, open, Math.min(end, open + 300));
  return !bracketIsLocal(s, open, end) && !(close >= 0 && at(s, ']:24:', close, end));
}

/** pickup `N from=<s>` */
function pickup(s: Uint8Array, from: number, end: number, e: MailEvent): number {
  e.n = numberAt(s, from, end);
  const f = indexIn(s, ' from=<', from, Math.min(end, from + 16));
  if (e.n < 0 || f < 0 || angled(s, f + 6, end, e) < 0) return (e.kind = K_MALFORMED);
  return (e.kind = K_PICKUP);
}

/** Dovecot's services: the login processes by protocol, and the auth processes. */
function serviceOf(s: Uint8Array, a: number, b: number): number {
  const n = b - a;
  if (n >= 4 && at(s, 'auth', a, b) && (n === 4 || s[a + 4] === 45)) return -2;
  if (!at(s, '-login', b - 6, b) || n < 10) return -1;
  const c = s[a];
  if (n === 10 && c === 105 && at(s, 'imap', a, b)) return PR_IMAP;
  if (n === 10 && c === 112 && at(s, 'pop3', a, b)) return PR_POP3;
  if (n === 16 && c === 115 && at(s, 'submission', a, b)) return PR_SUBMISSION;
  if (n === 17 && c === 109 && at(s, 'managesieve', a, b)) return PR_OTHER;
  return -1;
}

/** Dovecot line of service s[a, b); its text starts at `m`. */
function dovecot(s: Uint8Array, a: number, b: number, m: number, end: number, e: MailEvent): number {
  const service = serviceOf(s, a, b);
  if (service === -1) return K_NONE;
  if (at(s, 'Info: ', m, end)) m += 6;
  if (service === -2) return authProcess(s, m, end, e);
  // Only `Disconnected…`, `Aborted login…` (2.3 and before) and `Login aborted: …` (2.4) carry `(auth failed, …)`; `Login:` lines are most of the rest.
  const w = s[m];
  if (w !== 68 && w !== 65 && !(w === 76 && at(s, 'Login aborted: ', m, end))) return K_NONE;
  const af = indexIn(s, '(auth failed, ', m, Math.min(end, m + 200));
  if (af < 0) return K_NONE;
  e.protocol = service;
  e.n = numberAt(s, af + 14, end);
  if (e.n < 1) return (e.kind = K_MALFORMED);
  const close = indexIn(s, '): ', af, Math.min(end, af + 64));
  if (close < 0) return (e.kind = K_MALFORMED);
  let i = close + 3;
  if (at(s, 'user=<', i, end)) {
    // The login is the client's text: Dovecot ends it with `>, method=` or `>, rip=`.
    const stop = indexIn(s, '>, ', i + 6, end);
    if (stop < 0) return (e.kind = K_MALFORMED);
    if (stop > i + 6) {
      e.loginStart = i + 6;
      e.loginEnd = stop;
    }
    i = stop + 3;
  }
  const rip = indexIn(s, 'rip=', i, end);
  if (rip < 0) return (e.kind = K_MALFORMED);
  let j = rip + 4;
  while (j < end && s[j] !== 44 && s[j] !== 32) j++;
  if (j === rip + 4) return (e.kind = K_MALFORMED);
  e.ipStart = rip + 4;
  e.ipEnd = j;
  return (e.kind = K_LOGIN_FAIL);
}

const AUTH_RESULTS = ['Password mismatch', 'unknown user', 'pam_authenticate() failed: Authentication failure', 'pam_authenticate() failed: User not known'];

/** auth/auth-worker `[conn …: auth-worker<N>: ]DRIVER(user,ip[,<session>]): RESULT` */
function authProcess(s: Uint8Array, m: number, end: number, e: MailEvent): number {
  if (at(s, 'conn ', m, end)) {
    const w = indexIn(s, '>: ', m, Math.min(end, m + 160));
    if (w < 0) return K_NONE;
    m = w + 3;
  }
  // DRIVER: lower-case letters, digits and `-`, then `(`.
  let i = m;
  while (i < end && i - m < 24) {
    const c = s[i];
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45)) break;
    i++;
  }
  if (i === m || s[i] !== 40) return K_NONE;
  const open = i;
  // The first `): ` followed by a result we know ends the (user,ip,…) part: the user is the client's text.
  let close = -1;
  let result = -1;
  for (let k = indexIn(s, '): ', open, end); k >= 0; k = indexIn(s, '): ', k + 3, end)) {
    for (let r = 0; r < AUTH_RESULTS.length; r++) {
      if (at(s, AUTH_RESULTS[r], k + 3, end)) {
        result = r;
        break;
      }
    }
    if (result >= 0) {
      close = k;
      break;
    }
  }
  if (close < 0) return K_NONE;
  let last = close;
  // `,<session>` at the end (2.3), then `,ip`.
  if (s[last - 1] === 62) {
    const sess = lastIndexIn(s, ',<', open, last);
    if (sess < 0) return (e.kind = K_MALFORMED);
    last = sess;
  } else if (s[last - 1] === 44) last--; // `ldap(dog,52.37.139.121,)`
  const comma = lastIndexIn(s, ',', open, last);
  if (comma < 0 || comma + 1 >= last) return (e.kind = K_MALFORMED);
  return authFailure(s, open, comma, last, result, e);
}

/** An auth process's failure: `(user,ip…` with the user in s(open, comma), the address in s(comma, last); `result` an AUTH_RESULTS index. */
function authFailure(s: Uint8Array, open: number, comma: number, last: number, result: number, e: MailEvent): number {
  e.ipStart = comma + 1;
  e.ipEnd = last;
  // `?`: the request failed before a user was named.
  if (comma > open + 1 && !(comma === open + 2 && s[open + 1] === 63)) {
    e.loginStart = open + 1;
    e.loginEnd = comma;
  }
  e.flag = result === 1 || result === 3;
  e.n = 1;
  return (e.kind = K_AUTH_FAIL);
}

/** The `(` of Dovecot 2.4's `auth(` or `auth-worker(` at `m` (not 2.3's `auth-worker(PID):`), or -1. */
function authRequestAt(s: Uint8Array, m: number, end: number): number {
  if (!at(s, 'auth', m, end)) return -1;
  const open = s[m + 4] === 40 ? m + 4 : at(s, '-worker(', m + 4, end) ? m + 11 : -1;
  return open < 0 || pidParen(s, open, end) ? -1 : open;
}

/** The end of `DRIVER: ` at `i` (lower-case letters, digits, `-`), or -1. */
function driverEnd(s: Uint8Array, i: number, end: number): number {
  let j = i;
  while (j < end && j - i < 24) {
    const c = s[j];
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45)) break;
    j++;
  }
  return j > i && at(s, ': ', j, end) ? j + 2 : -1;
}

/** Which of AUTH_RESULTS is at `i` (after `[Info: ][request [N]: ][Info: ][DRIVER: ]`), or -1. */
function authResultAfter(s: Uint8Array, i: number, end: number): number {
  if (at(s, 'Info: ', i, end)) i += 6;
  if (at(s, 'request [', i, end)) {
    const close = indexIn(s, ']: ', i + 9, Math.min(end, i + 24));
    if (close < 0) return -1;
    i = close + 3;
    if (at(s, 'Info: ', i, end)) i += 6;
  }
  // SCRAM mechanisms check the password themselves: the result follows the prefix, without a driver.
  const d = driverEnd(s, i, end);
  if (d >= 0) i = d;
  for (let r = 0; r < AUTH_RESULTS.length; r++) if (at(s, AUTH_RESULTS[r], i, end)) return r;
  return -1;
}

/**
 * Dovecot 2.4's auth request at `open` (its `(`): `(user[,ip][,sasl:MECH][,master])[<pid>][<session>]`,
 * then what authResultAfter reads. The user is the client's text (commas, `)`,
 * `: ` and all): the prefix ends at the first `: ` a known result follows.
 */
function authRequest(s: Uint8Array, open: number, end: number, e: MailEvent): number {
  let result = -1;
  let k = indexIn(s, ': ', open, end);
  for (; k >= 0; k = indexIn(s, ': ', k + 2, end)) {
    result = authResultAfter(s, k + 2, end);
    if (result >= 0) break;
  }
  if (k < 0) return K_NONE;
  // `<pid>` (auth-worker) and `<session>`, from the right.
  let last = k;
  for (let n = 0; n < 2 && s[last - 1] === 62; n++) {
    const lt = lastIndexIn(s, '<', open, last);
    if (lt < 0) return (e.kind = K_MALFORMED);
    last = lt;
  }
  if (s[last - 1] !== 41) return (e.kind = K_MALFORMED);
  last--;
  // `,master`, `,sasl:MECH`, then the client's address: absent when Dovecot was not told one.
  let comma = lastIndexIn(s, ',', open, last);
  if (comma > open && at(s, ',master', comma, last) && comma + 7 === last) {
    last = comma;
    comma = lastIndexIn(s, ',', open, last);
  }
  if (comma > open && at(s, ',sasl:', comma, last)) {
    last = comma;
    comma = lastIndexIn(s, ',', open, last);
  }
  if (comma <= open || !ipText(s, comma + 1, last)) return K_NONE;
  return authFailure(s, open, comma, last, result, e);
}

/** Whether s[i, end) is an address's text: hex digits, `.` and `:` (IPv4, IPv6, mapped). */
function ipText(s: Uint8Array, i: number, end: number): boolean {
  if (end - i < 2 || end - i > 45) return false;
  for (let j = i; j < end; j++) {
    const c = s[j];
    if (!((c >= 48 && c <= 58) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 46)) return false;
  }
  return true;
}

function lastIndexIn(s: Uint8Array, needle: string, from: number, end: number): number {
  for (let i = end - needle.length; i >= from; i--) if (at(s, needle, i, end)) return i;
  return -1;
}
