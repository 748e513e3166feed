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
 * lines have not already counted. SASL failures whose reason is the server's
 * (`Connection lost to authentication server`) are not the client's doing:
 * they are counted apart, never against the client.
 */
export class AuthFailureReader {
  /** SASL failures whose reason says the server failed. */
  serverFaults = 0;
  private readonly pending = new Map<string, number>();

  /** The failure the event reports, if it reports one the client is to blame for. */
  read(s: Buffer, e: MailEvent): LoggedAuthFailure | undefined {
    if (e.kind === K_SASL_FAIL) {
      if (e.flag) {
        this.serverFaults++;
        return undefined;
      }
      const login = e.loginStart >= 0 ? loginAt(s, e.loginStart, e.loginEnd) : undefined;
      return { login: login || undefined, remoteIp: ipAt(s, e.ipStart, e.ipEnd), protocol: PROTOCOLS[e.protocol], attempts: 1, source: 'postfix' };
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
    const attempts = Math.min(e.n, MAX_ATTEMPTS_PER_LINE) - seen;
    return attempts > 0 ? { login, remoteIp, protocol: PROTOCOLS[e.protocol], attempts, source: 'dovecot' } : undefined;
  }
}
