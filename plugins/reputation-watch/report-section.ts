import { injectable } from 'inversify';
import type { LogReportContribution, LogReportSection, LogReportTable, MailEvent } from '../../shared';
import { classifyRejection, type Rejection } from './classify';
import { LISTING_KINDS } from './rejections';

/** The section's id (`contributes.logReportSections` of the manifest). */
export const REFUSALS_SECTION = 'blocklist-refusals';

/** Distinct remote host × list pairs kept; past this a refusal is counted in the total only (a log of a million remote hosts stays bounded). */
const MAX_ROWS = 10_000;

interface Row {
  host: string;
  list: string;
  kind: string;
  deferred: number;
  bounced: number;
  example: string;
}

/**
 * Replies classified, by relay and text: a log holds the same reply many
 * times (one remote server refusing message after message), and classifying
 * one is dozens of substring searches. Bounded: emptied when full.
 */
const MAX_CLASSIFIED = 4096;

/** `mx.example.net[192.0.2.50]:25` → `mx.example.net[192.0.2.50]` (the port says nothing about who refused). */
function remoteHost(relay: string | undefined): string {
  if (!relay) return '-';
  const b = relay.lastIndexOf(']');
  return b >= 0 ? relay.slice(0, b + 1) : relay;
}

/**
 * `mailwarden logs report`: deliveries the remote server refused (deferred or
 * bounced) because a blocklist lists our address, per remote host and list,
 * read with the same classifier as the live onMail hook.
 */
@injectable()
export class RefusalsReport implements LogReportContribution {
  readonly id = REFUSALS_SECTION;

  createSection(): LogReportSection {
    const rows = new Map<string, Row>();
    let total = 0;
    let uncounted = 0;
    const classified = new Map<string, Rejection | null>();
    const classify = (reason: string, relay: string | undefined): Rejection | null => {
      const k = `${relay ?? ''}\n${reason}`;
      let r = classified.get(k);
      if (r === undefined) {
        r = classifyRejection(reason, relay) ?? null;
        if (classified.size >= MAX_CLASSIFIED) classified.clear();
        classified.set(k, r);
      }
      return r;
    };
    return {
      add(e: MailEvent): void {
        if ((e.kind !== 'deferred' && e.kind !== 'bounced') || typeof e.reason !== 'string') return;
        const r = classify(e.reason, e.relay);
        if (!r || !LISTING_KINDS.has(r.kind)) return;
        total++;
        const host = remoteHost(e.relay);
        const key = `${host} ${r.source}`;
        let row = rows.get(key);
        if (!row) {
          if (rows.size >= MAX_ROWS) {
            uncounted++;
            return;
          }
          rows.set(key, (row = { host, list: r.source, kind: r.kind, deferred: 0, bounced: 0, example: e.reason.slice(0, 160) }));
        }
        if (e.kind === 'deferred') row.deferred++;
        else row.bounced++;
      },
      result(): LogReportTable {
        const sorted = [...rows.values()].sort((a, b) => b.deferred + b.bounced - (a.deferred + a.bounced) || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
        return {
          columns: ['REMOTE HOST', 'LIST', 'KIND', 'REFUSALS', 'DEFERRED', 'BOUNCED', 'EXAMPLE'],
          rows: sorted.map((x) => [x.host, x.list, x.kind, x.deferred + x.bounced, x.deferred, x.bounced, x.example]),
          summary: `${total} refusal(s) naming a blocklist${uncounted ? ` (${uncounted} beyond ${MAX_ROWS} host/list pairs not itemised)` : ''}`,
        };
      },
    };
  }
}
