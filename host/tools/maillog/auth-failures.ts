import { ipAt, loginAt } from './keys';
import { K_AUTH_FAIL, K_LOGIN_FAIL, K_SASL_FAIL, type LoggedProtocol, type MailEvent, PROTOCOLS } from './recognise';

/** A failed authentication read from a log line. */
export interface LoggedAuthFailure {
  /** Lower-cased; undefined when the line does not name it (older Postfix, a client that sent none). */
  readonly login: string | undefined;
  readonly remoteIp: string;
  readonly protocol: LoggedProtocol;
  /** Failed attempts the line stands for (Dovecot's login process sums a connection's attempts). */
  readonly attempts: number;
  readonly source: 'postfix' | 'dovecot';
}

/** One line never stands for more than this many attempts (the number is the client's to inflate). */
const MAX_ATTEMPTS_PER_LINE = 20;
/** (login, address) pairs whose auth-process lines wait for their login-process summary. */
const MAX_PENDING = 10_000;

/**
 * Turns recognised failure lines into failures, the same way for `logs scan`
 * and the followers. Dovecot reports one failure twice when auth_verbose is
 * on: the auth process logs each attempt (`passwd-file(u,ip): Password
 * mismatch`), then the login process logs the connection's total (`(auth
 * failed, 3 attempts …)`). The total then counts only the attempts the auth
 * lines have not already counted. Postfix's SASL is most often Dovecot's
 * too: its `SASL … authentication failed` line, after the auth process's,
 * is the same attempt, and takes one of the auth lines still pending for its
 * login and address instead of counting again. SASL failures whose reason
 * is the server's (`Connection lost to authentication server`) are not the
 * client's doing: they are counted apart, never against the client.
 */
export class AuthFailureReader {
  /** SASL failures whose reason says the server failed. */
  serverFaults = 0;
  /** `login\naddress` → auth-process lines not yet summed by a login-process line. */
  private readonly pending = new Map<string, number>();
  /**
   * In a range to be merged after another: each key's first summary here,
   * [its attempts capped, the auth lines seen here before it]. The range
   * before may have left auth lines pending for that key, which the summary
   * then counted again; the merge takes them off (`correction`).
   */
  readonly firstSummaries: Map<string, [number, number]> | undefined;
  /**
   * In a range to be merged after another: per key, the SASL lines here that
   * found no auth line pending, before the key's first summary. In a whole
   * scan each would have taken one the range before left pending (`matchSasl`).
   */
  readonly unmatchedSasl: Map<string, number> | undefined;

  constructor(o: { recordFirstSummaries?: boolean } = {}) {
    this.firstSummaries = o.recordFirstSummaries ? new Map() : undefined;
    this.unmatchedSasl = o.recordFirstSummaries ? new Map() : undefined;
  }

  /** The failure the event reports, if it reports one the client is to blame for. */
  read(s: Buffer, e: MailEvent): LoggedAuthFailure | undefined {
    if (e.kind === K_SASL_FAIL) {
      if (e.flag) {
        this.serverFaults++;
        return undefined;
      }
      const login = (e.loginStart >= 0 ? loginAt(s, e.loginStart, e.loginEnd) : undefined) || undefined;
      const remoteIp = ipAt(s, e.ipStart, e.ipEnd);
      if (login !== undefined) {
        const key = `${login}\n${remoteIp}`;
        const seen = this.pending.get(key) ?? 0;
        if (seen > 0) {
          // Dovecot's auth process has counted this attempt (Postfix asked it).
          if (seen === 1) this.pending.delete(key);
          else this.pending.set(key, seen - 1);
          return undefined;
        }
        const unmatched = this.unmatchedSasl;
        if (unmatched !== undefined && !this.firstSummaries!.has(key) && (unmatched.has(key) || unmatched.size < MAX_PENDING)) unmatched.set(key, (unmatched.get(key) ?? 0) + 1);
      }
      return { login, remoteIp, protocol: PROTOCOLS[e.protocol], attempts: 1, source: 'postfix' };
    }
    if (e.kind !== K_AUTH_FAIL && e.kind !== K_LOGIN_FAIL) return undefined;
    const login = e.loginStart >= 0 ? loginAt(s, e.loginStart, e.loginEnd) || undefined : undefined;
    const remoteIp = ipAt(s, e.ipStart, e.ipEnd);
    const key = `${login ?? ''}\n${remoteIp}`;
    const seen = this.pending.get(key) ?? 0;
    if (e.kind === K_AUTH_FAIL) {
      if (seen === 0 && this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value as string);
      this.pending.set(key, seen + 1);
      return { login, remoteIp, protocol: 'other', attempts: 1, source: 'dovecot' };
    }
    this.pending.delete(key);
    const capped = Math.min(e.n, MAX_ATTEMPTS_PER_LINE);
    const firsts = this.firstSummaries;
    if (firsts !== undefined && firsts.size < MAX_PENDING && !firsts.has(key)) firsts.set(key, [capped, seen]);
    const attempts = capped - seen;
    return attempts > 0 ? { login, remoteIp, protocol: PROTOCOLS[e.protocol], attempts, source: 'dovecot' } : undefined;
  }

  /** Auth-process lines still waiting for their summary, by `login\naddress` (oldest first). */
  pendingEntries(): IterableIterator<[string, number]> {
    return this.pending.entries();
  }

  /**
   * The next range's SASL lines for `key` that found no auth line pending
   * there (`unmatchedSasl`): in a whole scan they would have taken the ones
   * this range left pending, and not counted. Takes those from `pending`;
   * returns how many failures the next range counted that a whole scan
   * would not. Called before `correction`.
   */
  matchSasl(key: string, unmatched: number): number {
    const before = this.pending.get(key) ?? 0;
    const m = Math.min(before, unmatched);
    if (m === before) this.pending.delete(key);
    else this.pending.set(key, before - m);
    return m;
  }

  /**
   * What a whole scan would have counted for the next range's first summary
   * of `key` (`firstSummaries`) less what that range counted: the auth lines
   * this range left pending for it count against it too.
   */
  correction(key: string, capped: number, seenThere: number): number {
    const before = this.pending.get(key) ?? 0;
    return Math.max(0, capped - before - seenThere) - Math.max(0, capped - seenThere);
  }

  /**
   * Makes `pending` what a whole scan would hold after the next range (call
   * after its `correction`s): a key it summarised keeps only its own lines
   * since; any other key sums both ranges'.
   */
  absorbPending(next: Iterable<[string, number]>, summarised: Iterable<string>): void {
    for (const k of summarised) this.pending.delete(k);
    for (const [k, n] of next) this.pending.set(k, (this.pending.get(k) ?? 0) + n);
    for (const k of this.pending.keys()) {
      if (this.pending.size <= MAX_PENDING) break;
      this.pending.delete(k);
    }
  }
}
