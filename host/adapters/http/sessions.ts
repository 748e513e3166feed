import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../../shared';
import { tokenMatches } from '../../core/config/admin-token';

export interface Session {
  /** Sent back by the console in `X-CSRF-Token` with every change. */
  readonly csrf: string;
  readonly createdAt: number;
  lastSeen: number;
}

export interface SessionLimits {
  readonly idleMs: number;
  readonly maxAgeMs: number;
  readonly maxSessions: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 30 * 60_000, maxAgeMs: 12 * 3_600_000, maxSessions: 1000 };

const hash = (id: string) => createHash('sha256').update(id).digest('base64url');

/**
 * Console sessions, in memory: a restart signs everyone out, which is the
 * right default for an admin tool. Only a hash of the cookie value is kept,
 * so a heap dump does not hand out live sessions. Bounded: past the limit the
 * oldest session is dropped.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly clock: Clock, readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS) {}

  /** Returns the cookie value (never stored) and the session. */
  create(): { id: string; session: Session } {
    const id = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const session: Session = { csrf: randomBytes(32).toString('base64url'), createdAt: now, lastSeen: now };
    while (this.sessions.size >= this.limits.maxSessions) this.sessions.delete(this.sessions.keys().next().value as string);
    this.sessions.set(hash(id), session);
    return { id, session };
  }

  /** The live session for a cookie value; touching it extends the idle timeout. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const key = hash(id);
    const s = this.sessions.get(key);
    if (!s) return undefined;
    const now = this.clock.now();
    if (now - s.lastSeen >= this.limits.idleMs || now - s.createdAt >= this.limits.maxAgeMs) {
      this.sessions.delete(key);
      return undefined;
    }
    s.lastSeen = now;
    return s;
  }

  delete(id: string): void {
    this.sessions.delete(hash(id));
  }

  get size(): number {
    return this.sessions.size;
  }
}

export function csrfMatches(given: string | undefined, session: Session): boolean {
  return tokenMatches(given, session.csrf);
}

/** Reads one cookie by name; a hand-written scan (the header comes from clients). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
