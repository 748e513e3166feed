import type { LogReportSection, LogReportTable } from '../../../../shared';
import type { ScanOptions } from '../../../tools/maillog/scan';
import { table } from '../../../tools/text-table';
import { DeliveryLines, mailEventOf } from '../../logs/delivery-lines';
import { anyPluginWhere } from '../../../core/plugins/plugin-loader';
import type { PluginManifest } from '../../../core/plugins/manifest';
import { CliContext, type Io, type Parsed } from '../cli-context';

/** Rows of a section printed for people; the JSON report carries them all. */
export const MAX_PRINTED_ROWS = 1000;

/** A contributed section's result, as `--json` gives it under `sections.<id>`. */
export interface SectionResult extends LogReportTable {
  readonly title: string;
  readonly plugin: string;
}

/** The plugins' log-report sections for one scan, fed the delivery events the scan's lines hold. */
export interface ReportSections {
  /** The scan's per-line callback (ScanOptions.onEvent): the lines it counted, in log order, as it recognised them. */
  readonly onEvent: NonNullable<ScanOptions['onEvent']>;
  /** Each section's table by id (a section whose result() throws is reported on stderr and left out). */
  results(): Record<string, SectionResult>;
  close(): Promise<void>;
}

interface Running {
  readonly plugin: string;
  readonly id: string;
  readonly title: string;
  readonly section: LogReportSection;
  /** The statuses its manifest says it reads (all when it says none). */
  readonly statuses: ReadonlySet<string>;
  /** False when its manifest says it reads no sender (`readsSender: false`). */
  readonly readsSender: boolean;
  failed?: string;
}

const ALL_STATUSES = ['sent', 'deferred', 'bounced'] as const;

/**
 * Loads only the plugins whose manifest declares a report section and asks
 * each for a fresh one. Undefined when there is none; when the plugins cannot
 * be loaded (a config file that is not valid, say) the report is the host's
 * alone, and stderr says why.
 */
export async function openReportSections(io: Io, parsed: Parsed, o: { now: number }): Promise<ReportSections | undefined> {
  // A store in memory: a section reads the log, not mailwarden's state, and a scan of a copied log
  // on another machine (no data directory there) still gets its sections.
  const ctx = new CliContext(io, { values: { ...parsed.values, json: false }, positionals: [] }, { state: { backend: 'memory' } });
  const running: Running[] = [];
  const hasSections = (m: PluginManifest) => m.contributes.logReportSections.length > 0;
  try {
    // No plugin with a section: no App to open (the scan starts as quickly as without plugins).
    if (!anyPluginWhere(ctx.config().pluginDir, hasSections)) return undefined;
    const app = await ctx.open({ only: hasSections });
    for (const p of app.registry.active) {
      for (const c of p.logReportSections ?? []) {
        const declared = p.manifest.contributes.logReportSections.find((s) => s.id === c.id);
        const title = declared?.title ?? c.id;
        const statuses = new Set<string>(declared?.statuses ?? ALL_STATUSES);
        try {
          running.push({ plugin: p.manifest.id, id: c.id, title, section: c.createSection(), statuses, readsSender: declared?.readsSender !== false });
        } catch (e) {
          io.stderr.write(`mailwarden: logs scan: section "${c.id}" of plugin ${p.manifest.id} left out: ${(e as Error).message}\n`);
        }
      }
    }
    if (!running.length) {
      await ctx.close();
      return undefined;
    }
    const defaultDomain = app.settings.defaultDomain;
    // Deliveries no section reads are not decoded (a log's are mostly sent; a blocklist section reads the refused),
    // and senders are remembered for a section that reads them (every message's qmgr line: a tenth of the command's time).
    const wanted = new Set(ALL_STATUSES.filter((st) => running.some((r) => r.statuses.has(st))));
    const deliveries = new DeliveryLines((d) => {
      const event = mailEventOf(d, defaultDomain, o.now);
      for (const r of running) {
        if (r.failed || !r.statuses.has(d.status)) continue;
        try {
          r.section.add(event);
        } catch (e) {
          // One section's bug costs that section, not the scan.
          r.failed = (e as Error).message;
        }
      }
    }, wanted, running.some((r) => r.readsSender));
    return {
      onEvent: (b, p, e) => deliveries.recognised(b, p, e),
      results() {
        const out: Record<string, SectionResult> = {};
        for (const r of running) {
          try {
            if (r.failed) throw new Error(r.failed);
            const t = r.section.result();
            out[r.id] = { title: r.title, plugin: r.plugin, columns: [...t.columns], rows: t.rows.map((row) => [...row]), ...(t.summary !== undefined ? { summary: t.summary } : {}) };
          } catch (e) {
            io.stderr.write(`mailwarden: logs scan: section "${r.id}" of plugin ${r.plugin} failed: ${(e as Error).message}\n`);
          }
        }
        return out;
      },
      close: () => ctx.close(),
    };
  } catch (e) {
    await ctx.close().catch(() => undefined);
    io.stderr.write(`mailwarden: logs scan: the plugins' report sections are left out: ${(e as Error).message}\n`);
    return undefined;
  }
}

/** The contributed sections for people, after the host's own. */
export function sectionsText(results: Readonly<Record<string, SectionResult>>): string {
  const parts: string[] = [];
  for (const r of Object.values(results)) {
    parts.push(`\n${r.title.toUpperCase()}\n`);
    if (r.summary) parts.push(`${r.summary}\n`);
    const shown = r.rows.slice(0, MAX_PRINTED_ROWS);
    parts.push(shown.length ? table([...r.columns], shown.map((row) => [...row])) : 'none\n');
    if (r.rows.length > shown.length) parts.push(`(${r.rows.length - shown.length} more rows in --json)\n`);
  }
  return parts.join('');
}
