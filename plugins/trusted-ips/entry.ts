import { type Cidr, DURATION_EXAMPLES, formatCidr, normalizeDomain, parseCidr, parseDuration } from '../../shared';
import { GLOBAL_SCOPE, type TrustedIpsConfig } from './config';

/** One trusted network (or an exclusion carved out of one), as stored. */
export interface TrustedEntry {
  /** Canonical CIDR text (`10.0.0.0/24`, `2001:db8::/48`, `192.0.2.7/32`). */
  readonly network: string;
  /** An exclusion (`!10.0.0.5`): never trusted, even inside a trusted network. */
  readonly exclude: boolean;
  /** A domain, or `*` for every domain. */
  readonly scope: string;
  readonly label: string;
  readonly addedBy: string;
  readonly addedAt: number;
  readonly expiresAt?: number;
  /** Sender domains it may send for; absent = any. */
  readonly allowedSenderDomains?: readonly string[];
  readonly maxMessagesPerHour?: number;
  /** Why a breadth-guard override was allowed. */
  readonly forceReason?: string;
}

/** A bad value from the admin: the message says what and where; nothing was changed. */
export class EntryError extends Error {
  override readonly name = 'EntryError';
}

/** The breadth guard refused an entry (the admin may override with --force --reason). */
export class BreadthError extends Error {
  override readonly name = 'BreadthError';
}

export function entryKey(scope: string, network: string, exclude: boolean): string {
  return `entry:${scope}|${exclude ? '!' : ''}${network}`;
}

export const ENTRY_PREFIX = 'entry:';

/** `!10.0.0.5` or `10.0.0.0/24` → canonical network and whether it excludes. */
export function parseNetworkArg(raw: string): { cidr: Cidr; network: string; exclude: boolean } {
  const s = raw.trim();
  const exclude = s.startsWith('!');
  const text = exclude ? s.slice(1).trim() : s;
  if (text.length === 0) throw new EntryError(`"${raw}": no address given`);
  const r = parseCidr(text);
  if (!r.ok) throw new EntryError(`"${raw}": ${r.error}${r.suggestion ? ` (write ${exclude ? '!' : ''}${r.suggestion} if that is what you mean)` : ''}`);
  return { cidr: r.cidr, network: formatCidr(r.cidr), exclude };
}

/** Lower-case ASCII domain (IDN to punycode), or an EntryError naming the option. */
export function normalizeDomainArg(raw: string, what: string): string {
  let ascii: string;
  try {
    ascii = normalizeDomain(raw.trim());
  } catch {
    ascii = '';
  }
  // A scope or sender domain is a real domain: a single label other than localhost is a typo.
  if (!ascii || (!ascii.includes('.') && ascii !== 'localhost')) throw new EntryError(`${what}: "${raw}" is not a valid domain name`);
  return ascii;
}

export function normalizeScope(raw: string | undefined): string {
  if (raw === undefined || raw === GLOBAL_SCOPE || raw === 'global') return GLOBAL_SCOPE;
  return normalizeDomainArg(raw, '--domain');
}

/**
 * Refuses networks wider than the guard allows (IPv4 /16, IPv6 /48 by
 * default), and the whole Internet above all, unless forced with a reason.
 */
export function checkBreadth(cidr: Cidr, config: Pick<TrustedIpsConfig, 'minPrefixV4' | 'minPrefixV6'>, force: { force?: boolean; reason?: string }): void {
  const min = cidr.version === 4 ? config.minPrefixV4 : config.minPrefixV6;
  if (cidr.prefix >= min) return;
  const net = formatCidr(cidr);
  const all = cidr.prefix === 0 ? ` — that is every IPv${cidr.version} address on the Internet, an open relay` : '';
  if (!force.force) throw new BreadthError(`${net} is wider than IPv${cidr.version} /${min}${all}; trusting it needs --force with --reason "why"`);
  if (!force.reason || force.reason.trim().length < 3) throw new BreadthError(`${net}: --force needs --reason "why" (it goes into the audit trail)`);
}

/** "30m", "12h", "7d", "2w" or an ISO date → epoch ms after `now`. */
export function parseExpiry(raw: string, now: number): number {
  const s = raw.trim();
  if (/^[0-9]{4}-[0-9]{2}-[0-9]{2}/.test(s)) {
    const t = Date.parse(s);
    if (!Number.isFinite(t)) throw new EntryError(`--expires: "${raw}" is not a date (2026-12-31 or ISO 8601)`);
    if (t <= now) throw new EntryError(`--expires: ${new Date(t).toISOString()} is already past`);
    return t;
  }
  if (!/^[0-9]/.test(s)) throw new EntryError(`--expires: "${raw}" is neither a duration (${DURATION_EXAMPLES}) nor a date (2026-12-31 or ISO 8601)`);
  try {
    // The host's one duration grammar (shared/duration.ts), as for every other option.
    return now + parseDuration(s, '--expires');
  } catch (e) {
    throw new EntryError((e as Error).message);
  }
}

export function parseSenderDomains(raw: string): string[] {
  const list = raw.split(',').map((x) => x.trim()).filter(Boolean);
  if (list.length === 0) throw new EntryError('--sender-domains: give at least one domain (comma-separated)');
  return [...new Set(list.map((d) => normalizeDomainArg(d, '--sender-domains')))];
}

export function parseCap(raw: string): number {
  const s = raw.trim();
  if (!/^[0-9]{1,7}$/.test(s) || Number(s) < 1) throw new EntryError(`--max-per-hour: "${raw}" is not a whole number of messages from 1 to 9999999`);
  return Number(s);
}

/** What `add` checks beyond each value: one entry per scope, network and kind. */
export function duplicateMessage(existing: TrustedEntry): string {
  return `${existing.exclude ? '!' : ''}${existing.network} is already ${existing.exclude ? 'excluded' : 'trusted'} for ${existing.scope === GLOBAL_SCOPE ? 'all domains' : existing.scope} (added by ${existing.addedBy} at ${new Date(existing.addedAt).toISOString()})`;
}
