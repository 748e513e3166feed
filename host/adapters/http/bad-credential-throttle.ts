import { type Clock, networkOf } from '../../../shared';

export interface ThrottleLimits {
  /** Bad credentials an address may present; the last of them starts the first refusal period. */
  readonly freeFailures: number;
  /** A quiet address is forgotten after this long. */
  readonly forgetMs: number;
  /** First refusal period; doubles with each further failure up to maxDelayMs. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Addresses remembered at once (see makeRoom for which go first). */
  readonly maxEntries: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = { freeFailures: 5, forgetMs: 15 * 60_000, baseDelayMs: 1000, maxDelayMs: 60_000, maxEntries: 10_000 };

interface Entry {
  failures: number;
  lastAt: number;
  blockedUntil: number;
}

/**
 * An IPv4 address, or the /64 of an IPv6 one: a single IPv6 host usually
 * holds a whole /64 and could otherwise present a fresh address per guess.
 */
function keyOf(address: string): string {
  return networkOf(address, 32, 64) ?? address;
}

/**
 * Slows down token guessing: after a few bad credentials from one address,
 * every bad credential from it is refused (429) for a period that doubles
 * with each further failure, capped at a minute. It never stands in the way
 * of a good credential (AdminAuth checks that first): through an SSH tunnel
 * every admin and every local attacker is 127.0.0.1.
 */
export class BadCredentialThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: Clock, readonly limits: ThrottleLimits = DEFAULT_THROTTLE) {}

  /** Milliseconds this address must still wait, 0 when it may try. */
  retryAfterMs(address: string): number {
    const e = this.live(keyOf(address));
    return e ? Math.max(0, e.blockedUntil - this.clock.now()) : 0;
  }

  failed(address: string): void {
    const key = keyOf(address);
    const now = this.clock.now();
    const e = this.live(key) ?? { failures: 0, lastAt: now, blockedUntil: 0 };
    e.failures++;
    e.lastAt = now;
    const over = e.failures - this.limits.freeFailures + 1;
    if (over > 0) e.blockedUntil = now + Math.min(this.limits.maxDelayMs, this.limits.baseDelayMs * 2 ** Math.min(over - 1, 30));
    // Re-inserting keeps the Map in least-recently-failed order for eviction.
    if (!this.entries.delete(key) && this.entries.size >= this.limits.maxEntries) this.makeRoom(now);
    this.entries.set(key, e);
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Frees an eighth of the table (so this O(n) pass runs once per
   * maxEntries/8 new addresses): forgotten addresses first, then those not
   * refused now, least recently failed first, and refused ones only last.
   * Pushing out a refused address (which would lift its refusal) so takes
   * maxEntries/8 other addresses each refused too, i.e. freeFailures bad
   * tokens from each of over a thousand addresses.
   */
  private makeRoom(now: number): void {
    const target = Math.floor((this.limits.maxEntries * 7) / 8);
    const passes: Array<(e: Entry) => boolean> = [
      (e) => now - e.lastAt >= this.limits.forgetMs && now >= e.blockedUntil,
      (e) => now >= e.blockedUntil,
      () => true,
    ];
    for (const drop of passes) {
      for (const [k, e] of this.entries) {
        if (this.entries.size <= target) return;
        if (drop(e)) this.entries.delete(k);
      }
    }
  }

  private live(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && this.clock.now() - e.lastAt >= this.limits.forgetMs && this.clock.now() >= e.blockedUntil) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }
}
