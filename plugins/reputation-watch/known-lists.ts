/*
 * What the well-known public DNSBLs publish about themselves: where to ask for
 * removal, what their 127.0.0.x answers mean, and the least time between two
 * queries for the same address that their usage terms make reasonable. The
 * same table names the lists found in remote servers' rejection texts.
 */

export interface KnownList {
  /** DNS zone queried, e.g. `zen.spamhaus.org`. */
  readonly zone: string;
  /** Who runs it, for people. */
  readonly operator: string;
  /** Where the list lets a listed address ask for removal (or look itself up first). */
  readonly delistUrl?: string;
  /** Sub-list by answer (`127.0.0.x`), where the list publishes them. */
  readonly codes?: Readonly<Record<string, string>>;
  /** Floor on the per-list query interval: config cannot go below it for this zone. */
  readonly minIntervalSeconds: number;
}

/*
 * Spamhaus ZEN return codes, from the Spamhaus DNSBL usage FAQ / "Spamhaus DNSBL
 * return codes: technical update" (https://www.spamhaus.org/news/article/788/):
 * 127.0.0.2 SBL, .3 SBL CSS, .4-.7 XBL, .9 SBL DROP, .10-.11 PBL; the range
 * 127.255.255.0/24 holds query errors, never listings.
 */
const SPAMHAUS_ZEN_CODES: Readonly<Record<string, string>> = {
  '127.0.0.2': 'SBL',
  '127.0.0.3': 'SBL CSS',
  '127.0.0.4': 'XBL',
  '127.0.0.5': 'XBL',
  '127.0.0.6': 'XBL',
  '127.0.0.7': 'XBL',
  '127.0.0.9': 'SBL DROP',
  '127.0.0.10': 'PBL (ISP maintained)',
  '127.0.0.11': 'PBL (Spamhaus maintained)',
};

const SPAMHAUS_CHECK = 'https://check.spamhaus.org/';

export const KNOWN_LISTS: readonly KnownList[] = [
  { zone: 'zen.spamhaus.org', operator: 'Spamhaus', delistUrl: SPAMHAUS_CHECK, codes: SPAMHAUS_ZEN_CODES, minIntervalSeconds: 300 },
  { zone: 'sbl.spamhaus.org', operator: 'Spamhaus', delistUrl: SPAMHAUS_CHECK, minIntervalSeconds: 300 },
  { zone: 'xbl.spamhaus.org', operator: 'Spamhaus', delistUrl: SPAMHAUS_CHECK, minIntervalSeconds: 300 },
  { zone: 'pbl.spamhaus.org', operator: 'Spamhaus', delistUrl: SPAMHAUS_CHECK, minIntervalSeconds: 300 },
  { zone: 'sbl-xbl.spamhaus.org', operator: 'Spamhaus', delistUrl: SPAMHAUS_CHECK, minIntervalSeconds: 300 },
  { zone: 'bl.spamcop.net', operator: 'SpamCop', delistUrl: 'https://www.spamcop.net/bl.shtml', minIntervalSeconds: 300 },
  { zone: 'b.barracudacentral.org', operator: 'Barracuda', delistUrl: 'https://www.barracudacentral.org/rbl/removal-request', minIntervalSeconds: 300 },
  { zone: 'psbl.surriel.com', operator: 'PSBL', delistUrl: 'https://psbl.org/', minIntervalSeconds: 300 },
  { zone: 'bl.mailspike.net', operator: 'Mailspike', delistUrl: 'https://mailspike.org/', minIntervalSeconds: 300 },
  { zone: 'dnsbl-1.uceprotect.net', operator: 'UCEPROTECT', delistUrl: 'https://www.uceprotect.net/en/rblcheck.php', minIntervalSeconds: 300 },
  { zone: 'dnsbl.sorbs.net', operator: 'SORBS', minIntervalSeconds: 300 },
  { zone: 'cbl.abuseat.org', operator: 'CBL (Spamhaus XBL)', delistUrl: SPAMHAUS_CHECK, minIntervalSeconds: 300 },
  { zone: 'truncate.gbudb.net', operator: 'GBUdb', minIntervalSeconds: 300 },
  { zone: 'ix.dnsbl.manitu.net', operator: 'NiX Spam', minIntervalSeconds: 300 },
  { zone: 'all.s5h.net', operator: 's5h', minIntervalSeconds: 300 },
];

/** The zones queried when the config names none of its own. */
export const DEFAULT_ZONES = ['zen.spamhaus.org', 'bl.spamcop.net', 'b.barracudacentral.org', 'psbl.surriel.com', 'bl.mailspike.net'] as const;

const BY_ZONE = new Map(KNOWN_LISTS.map((l) => [l.zone, l]));

/**
 * The known list a zone (or a name found in a rejection text) belongs to:
 * exact zone, else same registered suffix (`xbl.spamhaus.org` → Spamhaus) so a
 * local mirror under its own name is not mistaken for the public list.
 */
export function knownList(zone: string): KnownList | undefined {
  const z = zone.toLowerCase();
  const exact = BY_ZONE.get(z);
  if (exact) return exact;
  for (const l of KNOWN_LISTS) {
    const suffix = l.zone.slice(l.zone.indexOf('.') + 1);
    if (suffix.includes('.') && (z === suffix || z.endsWith(`.${suffix}`))) return l;
  }
  return undefined;
}

/**
 * Spamhaus's Data Query Service (`<key>.zen.dq.spamhaus.net`, the paid or
 * registered mirror) answers with the public ZEN's codes; the key makes each
 * zone name unique, so it is recognised by suffix.
 */
export function dqsZen(zone: string): KnownList | undefined {
  return zone.endsWith('.zen.dq.spamhaus.net') ? { zone, operator: 'Spamhaus DQS', delistUrl: SPAMHAUS_CHECK, codes: SPAMHAUS_ZEN_CODES, minIntervalSeconds: 0 } : undefined;
}
