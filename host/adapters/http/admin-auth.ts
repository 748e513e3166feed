import type * as http from 'node:http';
import type { Clock } from '../../../shared';
import { tokenMatches } from '../../core/config/admin-token';
import { BadCredentialThrottle } from './bad-credential-throttle';
import { HttpError } from './http-error';
import { csrfMatches, readCookie, type Session, SessionStore } from './sessions';

export const SESSION_COOKIE = 'mw_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface Caller {
  readonly actor: string;
  /** Present when the caller is the console (cookie), absent for a token-bearing API client. */
  readonly session?: Session;
}

export function remoteAddress(req: http.IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

function headerToken(req: http.IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth !== undefined) return auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
  const t = req.headers['x-mailwarden-token'];
  return Array.isArray(t) ? t[0] : t;
}

/**
 * Who may call the admin listener. API clients send the admin token in a
 * header on every call (no cookie, so no CSRF exposure). The console signs in
 * once with the token and then uses an HttpOnly, SameSite=Strict cookie; every
 * change it makes must also carry the session's CSRF token in a header, which
 * another site's page can neither read nor send.
 */
export class AdminAuth {
  readonly sessions: SessionStore;
  readonly throttle: BadCredentialThrottle;

  constructor(private readonly token: string, clock: Clock) {
    this.sessions = new SessionStore(clock);
    this.throttle = new BadCredentialThrottle(clock);
  }

  /**
   * Refuses a request without a good credential: 429 while its address is
   * throttled, else 401. Only a wrong token counts towards the throttle (a
   * stale cookie is not a guess). The throttle is consulted only here, after
   * the credential was checked: a good token or session always gets in, even
   * from an address an attacker shares (127.0.0.1 through an SSH tunnel).
   */
  private refuse(req: http.IncomingMessage, wrongToken: boolean, message: string): never {
    const ip = remoteAddress(req);
    const throttled = this.throttle.retryAfterMs(ip) > 0;
    if (wrongToken) this.throttle.failed(ip);
    const wait = this.throttle.retryAfterMs(ip);
    if (throttled && wait > 0) {
      const s = Math.ceil(wait / 1000);
      throw new HttpError(429, `too many bad admin tokens from this address; retry in ${s} s`, undefined, { 'retry-after': String(s) });
    }
    throw new HttpError(401, message);
  }

  /** Authenticates a request; `change` requests from the console also need the CSRF header. */
  check(req: http.IncomingMessage, change: boolean): Caller {
    const token = headerToken(req);
    if (token !== undefined) {
      // Constant time, and run whatever the throttle says: the answer's timing tells nothing about the token.
      if (tokenMatches(token, this.token)) return { actor: 'api:token' };
      this.refuse(req, true, 'wrong admin token');
    }
    const session = this.sessions.get(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (!session) this.refuse(req, false, 'missing admin token (send Authorization: Bearer <token>) or console session');
    if (change) {
      const csrf = req.headers[CSRF_HEADER];
      if (!csrfMatches(Array.isArray(csrf) ? csrf[0] : csrf, session)) throw new HttpError(403, 'CSRF token missing or wrong: changes from the console must send the X-CSRF-Token header');
      if (!sameOrigin(req)) throw new HttpError(403, 'cross-origin request refused');
    }
    return { actor: 'console:admin', session };
  }

  /** Console sign-in: the token in exchange for a session cookie and a CSRF token. */
  signIn(req: http.IncomingMessage, token: string): { cookie: string; session: Session } {
    if (!tokenMatches(token, this.token)) this.refuse(req, true, 'wrong admin token');
    const { id, session } = this.sessions.create();
    return { cookie: cookieHeader(req, id, Math.floor(this.sessions.limits.maxAgeMs / 1000)), session };
  }

  signOut(req: http.IncomingMessage): string {
    const id = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (id) this.sessions.delete(id);
    return cookieHeader(req, '', 0);
  }
}

/**
 * HttpOnly and SameSite=Strict always. Secure only when a TLS-terminating
 * proxy says the browser used https: on plain http (the SSH-tunnel setup) a
 * Secure cookie would never be sent back.
 */
function cookieHeader(req: http.IncomingMessage, value: string, maxAge: number): string {
  const secure = req.headers['x-forwarded-proto'] === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`;
}

/** An Origin header, when the browser sends one, must name this listener. */
function sameOrigin(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const host = req.headers.host;
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
}
