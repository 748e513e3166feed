import { inject, injectable } from 'inversify';
import { type MailEvent, Metrics, StateStore } from '../../shared';
import type { Rejection, RejectionKind } from './classify';
import { iso, printable } from './text';

/** Remote servers' refusals of one of our addresses for one list or provider. */
export interface RejectionRecord {
  readonly ip: string;
  readonly source: string;
  readonly kind: RejectionKind;
  readonly code?: string;
  readonly delistUrl?: string;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly count: number;
  /** Receiving domains that refused us, most recent first (at most MAX_DOMAINS). */
  readonly receivingDomains: readonly string[];
  /** The latest delivery lines, most recent last (at most MAX_EVIDENCE). */
  readonly evidence: readonly string[];
}

export const REJECTION_PREFIX = 'rej:';
export const RATE_PREFIX = 'rate:';
export const subjectKey = (ip: string, source: string) => `${ip}|${source}`;
const MAX_EVIDENCE = 10;
const MAX_DOMAINS = 20;
/** A record outlives its last rejection this long (status shows it; a new one is a new incident). */
const KEEP_MS = 30 * 86_400_000;
/** Distinct list/provider names used as metric labels per process: remote servers choose these names. */
const MAX_SOURCES = 64;

/** Kinds that mean "our address is on a list", so the listing gauge shows them. */
export const LISTING_KINDS: ReadonlySet<RejectionKind> = new Set(['dnsbl', 'provider-block']);

/** One evidence line: what Postfix logged about the attempt, one line, bounded. */
export function evidenceLine(e: MailEvent): string {
  const to = e.recipients[0] ?? '';
  return printable(`${iso(e.at)} ${e.kind} to=<${to}> relay=${e.relay ?? '?'} dsn=${e.dsn ?? '?'} (${e.reason ?? ''})`, 600);
}

/**
 * Keeps remote servers' refusals per (our address, list): counts, receiving
 * domains, the last evidence lines, and a windowed counter for the rate alert.
 * Writes are chained so that two events for one key in this process never lose
 * one another's update.
 */
@injectable()
export class RejectionBook {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly sources = new Set<string>();

  constructor(
    @inject(StateStore) private readonly store: StateStore,
    @inject(Metrics) private readonly metrics: Metrics,
  ) {}

  /** The metric label for a source: itself while fewer than MAX_SOURCES were seen, else `other`. */
  label(source: string): string {
    if (this.sources.has(source)) return source;
    if (this.sources.size >= MAX_SOURCES) return 'other';
    this.sources.add(source);
    return source;
  }

  record(e: MailEvent, r: Rejection, ip: string, rateWindowMs: number): Promise<RejectionRecord> {
    const run = this.chain.then(() => this.write(e, r, ip, rateWindowMs));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async write(e: MailEvent, r: Rejection, ip: string, rateWindowMs: number): Promise<RejectionRecord> {
    const now = e.at;
    const key = subjectKey(ip, r.source);
    const prev = await this.store.get<RejectionRecord>(REJECTION_PREFIX + key, now);
    const domain = e.recipientDomain ?? domainOf(e.recipients[0]);
    const domains = domain ? [domain, ...(prev?.receivingDomains ?? []).filter((d) => d !== domain)].slice(0, MAX_DOMAINS) : (prev?.receivingDomains ?? []);
    const rec: RejectionRecord = {
      ip,
      source: r.source,
      kind: r.kind,
      ...(r.code ?? prev?.code ? { code: r.code ?? prev?.code } : {}),
      ...(r.delistUrl ?? prev?.delistUrl ? { delistUrl: r.delistUrl ?? prev?.delistUrl } : {}),
      firstSeen: prev?.firstSeen ?? now,
      lastSeen: Math.max(now, prev?.lastSeen ?? 0),
      count: (prev?.count ?? 0) + 1,
      receivingDomains: domains,
      evidence: [...(prev?.evidence ?? []), evidenceLine(e)].slice(-MAX_EVIDENCE),
    };
    await this.store.set(REJECTION_PREFIX + key, rec, now + KEEP_MS);
    await this.store.hit(RATE_PREFIX + key, rateWindowMs, now);
    const label = this.label(r.source);
    this.metrics.increment('reputation_rejections', { source: label, kind: r.kind, status: e.kind });
    if (LISTING_KINDS.has(r.kind)) this.metrics.setGauge('blocklist_listed', 1, { list: label, ip });
    return rec;
  }
}

export async function rejectionRecords(store: StateStore, now: number): Promise<RejectionRecord[]> {
  return (await store.list<RejectionRecord>(REJECTION_PREFIX, now)).map((e) => e.value);
}

function domainOf(addr: string | undefined): string | undefined {
  if (!addr) return undefined;
  const at = addr.lastIndexOf('@');
  return at > 0 && at < addr.length - 1 ? addr.slice(at + 1).toLowerCase() : undefined;
}
