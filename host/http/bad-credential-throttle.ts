import type { Clock } from '../../shared';

export interface ThrottleLimits {
  /** Bad credentials an address may present; the last of them starts the first refusal period. */
  readonly freeFailures: number;
  /** A quiet address is forgotten after this long. */
  readonly forgetMs: number;
  /** First refusal period; doubles with each further failure up to maxDelayMs. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Addresses remembered at once; the least recently seen is dropped past it. */
  readonly maxEntries: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = { freeFailures: 5, forgetMs: 15 * 60_000, baseDelayMs: 1000, maxDelayMs: 60_000, maxEntries: 10_000 };

interface Entry {
  failures: number;
  lastAt: number;
  blockedUntil: number;
}

/**
 * Slows down token guessing: after a few bad credentials from one address,
 * every request from it is refused (429) for a period that doubles with each
 * further failure, capped at a minute so that an admin sharing the address is
 * not locked out for long. Memory is bounded by maxEntries.
 */
export class BadCredentialThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: Clock, readonly limits: ThrottleLimits = DEFAULT_THROTTLE) {}

  /** Milliseconds this address must still wait, 0 when it may try. */
  retryAfterMs(address: string): number {
    const e = this.live(address);
    return e ? Math.max(0, e.blockedUntil - this.clock.now()) : 0;
  }

  failed(address: string): void {
    const now = this.clock.now();
    const e = this.live(address) ?? { failures: 0, lastAt: now, blockedUntil: 0 };
    e.failures++;
    e.lastAt = now;
    const over = e.failures - this.limits.freeFailures + 1;
    if (over > 0) e.blockedUntil = now + Math.min(this.limits.maxDelayMs, this.limits.baseDelayMs * 2 ** Math.min(over - 1, 30));
    // Re-inserting keeps the Map in least-recently-failed order for eviction.
    this.entries.delete(address);
    while (this.entries.size >= this.limits.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(address, e);
  }

  succeeded(address: string): void {
    this.entries.delete(address);
  }

  get size(): number {
    return this.entries.size;
  }

  private live(address: string): Entry | undefined {
    const e = this.entries.get(address);
    if (e && this.clock.now() - e.lastAt >= this.limits.forgetMs && this.clock.now() >= e.blockedUntil) {
      this.entries.delete(address);
      return undefined;
    }
    return e;
  }
}
