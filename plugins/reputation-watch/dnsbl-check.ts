import type { StateStore } from '../../shared';
import type { ListSpec } from './config';
import type { DnsClient } from './dns-client';
import { interpretAnswer, queryName, type DnsblStatus } from './dnsbl-answer';

/** One list's last answer about one of our addresses, as kept in the store. */
export interface DnsblResult {
  readonly zone: string;
  readonly ip: string;
  readonly status: DnsblStatus;
  readonly codes: readonly string[];
  readonly subLists: readonly string[];
  /** The list's TXT record: its own reason and usually a lookup link. */
  readonly reason?: string;
  readonly detail?: string;
  readonly delistUrl?: string;
  readonly checkedAt: number;
  /** When the periodic check may ask again (interval, list floor and TTL). */
  readonly nextAt: number;
  /** When `reputation check` may ask again (the list's floor only). */
  readonly earliestAt: number;
  /** First time this list was seen listing the address, kept across checks while it does. */
  readonly listedSince?: number;
}

export const DNSBL_PREFIX = 'dnsbl:';
const keyOf = (zone: string, ip: string) => `${DNSBL_PREFIX}${zone}|${ip}`;
/** Answers are kept a week past their last check: status shows them, recovery needs them. */
const KEEP_MS = 7 * 86_400_000;
/** TXT and TTL values are the list's text; bound them. */
const MAX_REASON = 300;
const MAX_TTL_SECONDS = 86_400;

export interface CheckOptions {
  /** Periodic interval (s); `reputation check` passes 0 to wait only for the list's floor. */
  readonly intervalSeconds: number;
}

/**
 * Asks each list about each address, unless the last answer is too recent to
 * ask again (the list's floor, the periodic interval, the answer's TTL).
 * Returns every current result, fresh or kept.
 */
export async function checkLists(
  dns: DnsClient,
  store: StateStore,
  lists: readonly ListSpec[],
  ips: readonly string[],
  now: number,
  o: CheckOptions,
): Promise<{ results: DnsblResult[]; queried: number }> {
  const results: DnsblResult[] = [];
  let queried = 0;
  const jobs: Array<Promise<void>> = [];
  for (const list of lists) {
    for (const ip of ips) {
      jobs.push(
        (async () => {
          const prev = await store.get<DnsblResult>(keyOf(list.zone, ip), now);
          const due = !prev || now >= (o.intervalSeconds === 0 ? prev.earliestAt : prev.nextAt);
          if (!due) {
            results.push(prev);
            return;
          }
          queried++;
          const r = await queryOne(dns, list, ip, now, o.intervalSeconds, prev);
          await store.set(keyOf(list.zone, ip), r, now + KEEP_MS);
          results.push(r);
        })(),
      );
    }
  }
  await Promise.all(jobs);
  results.sort((a, b) => (a.ip === b.ip ? (a.zone < b.zone ? -1 : 1) : a.ip < b.ip ? -1 : 1));
  return { results, queried };
}

/** Every kept answer, for status and the incident check. */
export async function keptResults(store: StateStore, now: number): Promise<DnsblResult[]> {
  return (await store.list<DnsblResult>(DNSBL_PREFIX, now)).map((e) => e.value);
}

async function queryOne(dns: DnsClient, list: ListSpec, ip: string, now: number, intervalSeconds: number, prev: DnsblResult | undefined): Promise<DnsblResult> {
  const base = { zone: list.zone, ip, checkedAt: now, ...(list.delistUrl ? { delistUrl: list.delistUrl } : {}) };
  const earliestAt = now + list.minIntervalSeconds * 1000;
  const nextAt = (ttl = 0) => now + Math.max(list.minIntervalSeconds, intervalSeconds, Math.min(ttl, MAX_TTL_SECONDS)) * 1000;
  const name = queryName(ip, list.zone);
  if (!name) return { ...base, status: 'error', codes: [], subLists: [], detail: `${ip} is not an address`, nextAt: nextAt(), earliestAt };
  const a = await dns.a(name);
  switch (a.kind) {
    case 'nxdomain':
      return { ...base, status: 'not-listed', codes: [], subLists: [], nextAt: nextAt(), earliestAt };
    case 'refused':
      return { ...base, status: 'resolver-refused', codes: [], subLists: [], detail: 'the resolver refused the query (REFUSED)', nextAt: nextAt(), earliestAt };
    case 'error':
      return { ...base, status: 'error', codes: [], subLists: [], detail: `lookup failed: ${a.code}`, nextAt: nextAt(), earliestAt };
    case 'answer': {
      const i = interpretAnswer(a.addresses, list.codes);
      if (i.status !== 'listed') return { ...base, status: i.status, codes: i.codes, subLists: [], ...(i.detail ? { detail: i.detail } : {}), nextAt: nextAt(), earliestAt };
      const txt = (await dns.txt(name)).join(' ').slice(0, MAX_REASON);
      return {
        ...base,
        status: 'listed',
        codes: i.codes,
        subLists: i.subLists,
        ...(txt ? { reason: txt } : {}),
        nextAt: nextAt(a.ttl),
        earliestAt,
        listedSince: prev?.status === 'listed' && prev.listedSince !== undefined ? prev.listedSince : now,
      };
    }
  }
}
