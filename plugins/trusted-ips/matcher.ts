import { type Cidr, cidrContains, type ParsedIp, parseCidr } from '../../shared';
import { GLOBAL_SCOPE } from './config';
import type { TrustedEntry } from './entry';

interface Compiled {
  readonly entry: TrustedEntry;
  readonly cidr: Cidr;
}

/**
 * The entries of every scope, compiled once, answering "which entry governs
 * this client for this domain?". The most specific network wins (longest
 * prefix), an exclusion beats a trust of the same network, and a domain's
 * own entry beats a global one of the same network.
 */
export class EntryMatcher {
  private readonly compiled: Compiled[];

  constructor(entries: readonly TrustedEntry[], now: number) {
    this.compiled = [];
    for (const e of entries) {
      if (e.expiresAt !== undefined && e.expiresAt <= now) continue;
      const r = parseCidr(e.network);
      if (r.ok) this.compiled.push({ entry: e, cidr: r.cidr });
    }
  }

  get size(): number {
    return this.compiled.length;
  }

  /** The trusted entry for the client, or undefined (none, excluded, or expired by `now`). */
  match(ip: ParsedIp, domain: string, now: number): TrustedEntry | undefined {
    let best: Compiled | undefined;
    for (const c of this.compiled) {
      const e = c.entry;
      if (e.scope !== GLOBAL_SCOPE && e.scope !== domain) continue;
      if (e.expiresAt !== undefined && e.expiresAt <= now) continue;
      if (!cidrContains(c.cidr, ip)) continue;
      if (!best || beats(c, best)) best = c;
    }
    return best && !best.entry.exclude ? best.entry : undefined;
  }
}

function beats(a: Compiled, b: Compiled): boolean {
  if (a.cidr.prefix !== b.cidr.prefix) return a.cidr.prefix > b.cidr.prefix;
  if (a.entry.exclude !== b.entry.exclude) return a.entry.exclude;
  return a.entry.scope !== GLOBAL_SCOPE && b.entry.scope === GLOBAL_SCOPE;
}

/** Whether the sender's domain is one the entry may send for (no list: any). */
export function senderAllowed(entry: TrustedEntry, senderDomain: string | undefined): boolean {
  const list = entry.allowedSenderDomains;
  if (!list || list.length === 0) return true;
  return senderDomain !== undefined && list.includes(senderDomain);
}
