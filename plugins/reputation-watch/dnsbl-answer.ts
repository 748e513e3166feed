import { isIP } from 'node:net';

/*
 * DNSBL queries and what their answers mean. A DNSBL lists an address by
 * answering A records for `<reversed address>.<zone>`: IPv4 octets reversed
 * (RFC 5782 §2.1), IPv6 as 32 reversed nibbles (RFC 5782 §2.4).
 */

export type DnsblStatus = 'listed' | 'not-listed' | 'resolver-refused' | 'rate-limited' | 'error';

export interface Interpretation {
  readonly status: DnsblStatus;
  /** The 127.x answers, sorted. */
  readonly codes: readonly string[];
  /** Sub-lists by code where the list publishes them (Spamhaus ZEN: SBL, XBL, PBL…); else the code. */
  readonly subLists: readonly string[];
  /** Why it is not a plain answer, for people. */
  readonly detail?: string;
}

/** The query name for `ip` in `zone`, or undefined when ip is not an address. */
export function queryName(ip: string, zone: string): string | undefined {
  const v = isIP(ip);
  if (v === 4) return `${ip.split('.').reverse().join('.')}.${zone}`;
  if (v === 6) return `${expandV6(ip).split('').reverse().join('.')}.${zone}`;
  return undefined;
}

/** The 32 hex digits of an IPv6 address, zone index and embedded IPv4 handled. */
export function expandV6(ip: string): string {
  let a = ip.toLowerCase();
  const pct = a.indexOf('%');
  if (pct >= 0) a = a.slice(0, pct);
  // ::ffff:192.0.2.1 → the last two groups from the dotted quad.
  const lastColon = a.lastIndexOf(':');
  const tail = a.slice(lastColon + 1);
  if (tail.includes('.')) {
    const o = tail.split('.').map(Number);
    a = `${a.slice(0, lastColon + 1)}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const [head, rest] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups = rest === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => g.padStart(4, '0')).join('');
}

/*
 * Error answers. Spamhaus moved its errors to 127.255.255.0/24 ("Spamhaus DNSBL
 * return codes: technical update", https://www.spamhaus.org/news/article/788/;
 * Spamhaus Project "help for legacy blocklist users"):
 * 127.255.255.252 typing error in the DNSBL name, 127.255.255.254 query via a
 * public/open resolver (or generic rDNS), 127.255.255.255 excessive number of
 * queries. These "must not be interpreted as advisories of reputation". Other
 * lists use the same range the same way, so it is an error for every list.
 */
const ERRORS: Readonly<Record<string, { status: DnsblStatus; detail: string }>> = {
  '127.255.255.252': { status: 'error', detail: 'the list says its name is mistyped (127.255.255.252): check the zone' },
  '127.255.255.254': { status: 'resolver-refused', detail: 'the list refused the query: it comes through a public/open resolver or one without attributable reverse DNS (127.255.255.254); use your own resolver or the list\'s paid service' },
  '127.255.255.255': { status: 'rate-limited', detail: 'the list refused the query: too many queries from this resolver (127.255.255.255)' },
};

/**
 * What an A answer for a DNSBL query means. Anything outside 127.0.0.0/8 is
 * not a listing (a resolver that rewrites NXDOMAIN to an ad server answers that
 * way), nor is 127.0.0.1 (lists answer it when they list the world or shut down).
 */
export function interpretAnswer(addresses: readonly string[], codes?: Readonly<Record<string, string>>): Interpretation {
  const sorted = [...new Set(addresses)].sort();
  for (const a of sorted) {
    const err = ERRORS[a];
    if (err) return { status: err.status, codes: sorted, subLists: [], detail: err.detail };
    if (a.startsWith('127.255.255.')) return { status: 'error', codes: sorted, subLists: [], detail: `the list answered an error code (${a})` };
  }
  const listing = sorted.filter((a) => isIP(a) === 4 && a.startsWith('127.') && a !== '127.0.0.1');
  if (listing.length !== sorted.length || listing.length === 0) {
    return { status: 'error', codes: sorted, subLists: [], detail: `unexpected answer ${sorted.join(', ') || '(empty)'}: not a listing (a resolver rewriting NXDOMAIN, or a list that is shut down)` };
  }
  const subLists = [...new Set(listing.map((a) => codes?.[a] ?? a))];
  return { status: 'listed', codes: listing, subLists };
}
