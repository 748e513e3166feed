/*
 * Dovecot sends `command=allow` twice for a successful login when
 * auth_policy_check_after_auth=yes: once before the password check and once
 * after it succeeded, with an identical body (auth-policy.c builds both the
 * same way; only the report adds success/policy_reject). What tells them
 * apart is the order: between an allow and the report that ends that
 * authentication, a second allow for the same request is the after-success
 * check. Requests are matched on session_id (Dovecot 2.3.11+ sends it by
 * default), login, remote address and pwhash.
 *
 * When a caller sends no session id, two simultaneous logins of one user from
 * one address with one password look alike; the second would be taken for an
 * after-success check. That costs nothing: the after-success hook applies the
 * same blocks, only without a tarpit.
 */

/** How long an allow waits for its after-success twin: Dovecot's auth requests time out well before. */
const PENDING_MS = 120_000;
const MAX_PENDING = 100_000;

export class CheckPhases {
  private readonly pending = new Map<string, number>();

  static key(a: { login: string; remoteIp: string; sessionId?: string; pwhash?: string }): string {
    return `${a.sessionId ?? ''}\u0000${a.login}\u0000${a.remoteIp}\u0000${a.pwhash ?? ''}`;
  }

  /** Classifies an allow request: the first of a pair is `before`, the second `afterSuccess`. */
  allow(key: string, now: number): 'before' | 'afterSuccess' {
    const at = this.pending.get(key);
    if (at !== undefined && now - at < PENDING_MS) {
      this.pending.delete(key);
      return 'afterSuccess';
    }
    this.pending.delete(key);
    this.pending.set(key, now);
    this.evict(now);
    return 'before';
  }

  /** The before-check refused: no after-success check will follow. */
  refused(key: string): void {
    this.pending.delete(key);
  }

  /** A report ends the authentication. */
  report(key: string): void {
    this.pending.delete(key);
  }

  get size(): number {
    return this.pending.size;
  }

  private evict(now: number): void {
    // Insertion order is arrival order, so the stale ones are at the front.
    for (const [k, at] of this.pending) {
      if (now - at < PENDING_MS && this.pending.size <= MAX_PENDING) break;
      this.pending.delete(k);
    }
  }
}
