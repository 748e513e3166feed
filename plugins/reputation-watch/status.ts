import type { StateStore } from '../../shared';
import type { RejectionKind } from './classify';
import type { DnsblResult } from './dnsbl-check';
import { keptResults } from './dnsbl-check';
import type { Outbound } from './outbound-ips';
import { rejectionRecords } from './rejections';
import { iso, printable } from './text';
import { INCIDENT_PREFIX, type Incident, OUTBOUND_KEY } from './watcher';

export interface ListingView {
  readonly ip: string;
  readonly source: string;
  readonly kind: RejectionKind;
  /** What says so: remote servers' refusals, the list's own DNS answer, or both. */
  readonly via: ReadonlyArray<'refusals' | 'dnsbl'>;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly refusals: number;
  readonly code?: string;
  readonly subLists?: readonly string[];
  readonly listReason?: string;
  readonly delistUrl?: string;
  readonly receivingDomains: readonly string[];
  readonly evidence: readonly string[];
  readonly incident?: { readonly openedAt: number; readonly alertedAt?: number };
}

export interface StatusReport {
  readonly outbound?: Outbound & { readonly at?: number };
  readonly listings: readonly ListingView[];
  readonly checks: readonly DnsblResult[];
}

/** Everything the store knows: what `reputation status` prints, read from the state the service shares. */
export async function statusReport(store: StateStore, now: number): Promise<StatusReport> {
  const outbound = await store.get<Outbound & { at?: number }>(OUTBOUND_KEY, now);
  const current = outbound ? new Set(outbound.ips) : undefined;
  const checks = (await keptResults(store, now)).filter((d) => !current || current.has(d.ip)).sort((a, b) => (a.ip === b.ip ? (a.zone < b.zone ? -1 : 1) : a.ip < b.ip ? -1 : 1));
  const incidents = new Map((await store.list<Incident>(INCIDENT_PREFIX, now)).map((e) => [e.key.slice(INCIDENT_PREFIX.length), e.value]));
  const views = new Map<string, ListingView>();
  for (const r of await rejectionRecords(store, now)) {
    views.set(`${r.ip}|${r.source}`, {
      ip: r.ip, source: r.source, kind: r.kind, via: ['refusals'], firstSeen: r.firstSeen, lastSeen: r.lastSeen, refusals: r.count,
      ...(r.code ? { code: r.code } : {}), ...(r.delistUrl ? { delistUrl: r.delistUrl } : {}),
      receivingDomains: r.receivingDomains, evidence: r.evidence,
    });
  }
  for (const d of checks) {
    if (d.status !== 'listed') continue;
    const key = `${d.ip}|${d.zone}`;
    const prev = views.get(key);
    const since = d.listedSince ?? d.checkedAt;
    views.set(key, {
      ...(prev ?? { ip: d.ip, source: d.zone, kind: 'dnsbl' as const, refusals: 0, receivingDomains: [], evidence: [], firstSeen: since, lastSeen: d.checkedAt }),
      via: prev ? ['refusals', 'dnsbl'] : ['dnsbl'],
      firstSeen: Math.min(prev?.firstSeen ?? since, since),
      lastSeen: Math.max(prev?.lastSeen ?? 0, d.checkedAt),
      subLists: d.subLists,
      ...(d.reason ? { listReason: d.reason } : {}),
      ...((d.delistUrl ?? prev?.delistUrl) ? { delistUrl: d.delistUrl ?? prev?.delistUrl } : {}),
    });
  }
  const listings = [...views.entries()]
    .map(([key, v]) => {
      const inc = incidents.get(key);
      return inc ? { ...v, incident: { openedAt: inc.openedAt, ...(inc.alertedAt !== undefined ? { alertedAt: inc.alertedAt } : {}) } } : v;
    })
    .sort((a, b) => b.lastSeen - a.lastSeen);
  return { ...(outbound ? { outbound } : {}), listings, checks };
}

const STATUS_WORDS: Record<string, string> = {
  listed: 'LISTED',
  'not-listed': 'not listed',
  'resolver-refused': 'resolver refused',
  'rate-limited': 'rate limited by the list',
  error: 'error',
};

export function statusWord(status: string): string {
  return STATUS_WORDS[status] ?? status;
}

function table(head: string[], rows: string[][]): string[] {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => `  ${r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd()}`);
}

export function checksTable(checks: readonly DnsblResult[]): string[] {
  if (checks.length === 0) return ['  (no DNSBL answer yet)'];
  return table(
    ['ADDRESS', 'LIST', 'ANSWER', 'CHECKED', 'DETAIL'],
    checks.map((d) => [d.ip, d.zone, statusWord(d.status), iso(d.checkedAt), printable(d.status === 'listed' ? [d.subLists.join(','), d.reason ?? ''].filter(Boolean).join(' ') : (d.detail ?? ''), 160)]),
  );
}

export function renderStatus(r: StatusReport): string {
  const lines: string[] = [];
  const o = r.outbound;
  lines.push(o ? `Outbound addresses (${o.source}): ${o.ips.join(', ') || '(none found)'}${o.problem ? ` — ${o.problem}` : ''}` : 'Outbound addresses: not known yet (the service has not run a round, or run `mailwarden reputation check`)');
  lines.push('', 'DNSBL answers:', ...checksTable(r.checks), '');
  if (r.listings.length === 0) {
    lines.push('Listings: none seen.');
    return lines.join('\n') + '\n';
  }
  lines.push('Listings and refusals:');
  for (const l of r.listings) {
    lines.push(
      `  ${l.ip} — ${l.source} (${l.kind}${l.code ? ` ${l.code}` : ''}; seen by ${l.via.join(' and ')})${l.incident ? ' [incident open]' : ''}`,
      `    first seen ${iso(l.firstSeen)}, last ${iso(l.lastSeen)}${l.refusals ? `, ${l.refusals} refusal(s)` : ''}${l.subLists?.length ? `, ${l.subLists.join(', ')}` : ''}`,
    );
    if (l.listReason) lines.push(`    the list says: ${printable(l.listReason, 300)}`);
    if (l.receivingDomains.length) lines.push(`    refused by: ${l.receivingDomains.map((d) => printable(d, 100)).join(', ')}`);
    if (l.delistUrl) lines.push(`    removal: ${l.delistUrl}`);
    for (const e of l.evidence.slice(-3)) lines.push(`    ${e}`);
  }
  return lines.join('\n') + '\n';
}
