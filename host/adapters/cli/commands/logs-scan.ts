import { UsageError } from '../../../../shared';
import { progressBar, reportText } from '../../../tools/maillog/report-table';
import { inputSize } from '../../../tools/maillog/byte-source';
import { logOrder } from '../../../tools/maillog/log-order';
import { InputError, scanFiles } from '../../../tools/maillog/scan';
import { DEFAULT_THRESHOLDS, buildReport, type SuspectThresholds } from '../../../tools/maillog/scan-report';
import { type Io, parse, str } from '../cli-context';
import { EXIT } from '../command';
import { LOCAL_DOMAIN_OPTION, LOCAL_DOMAIN_USAGE, localDomainsOf } from './local-domains';
import { timeWindowOf, WINDOW_OPTION, WINDOW_USAGE } from './time-window';
import { openReportSections, sectionsText } from './logs-sections';

const THRESHOLD_FLAGS: Record<string, keyof SuspectThresholds> = {
  'min-auth-failures': 'authFailures',
  'max-client-ips': 'clientsPerLogin',
  'max-recipients': 'recipientsPerLogin',
  'max-relayed': 'relayedPerClient',
  'min-relay-denied': 'relayDenied',
  'max-local': 'localSubmissions',
};

function positiveInt(text: string | undefined, flag: string, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  if (!/^[0-9]{1,9}$/.test(text) || Number(text) < min) throw new UsageError(`logs scan: --${flag} must be a whole number of at least ${min}, not "${text}"`);
  return Number(text);
}

export const LOGS_SCAN_USAGE = `mailwarden logs scan FILE… [--json] [--top N] [--threads N] [--since T] [--until T] [--unparsed N] [--local-domain D] [--postfix-domains] [thresholds]
mailwarden logs scan - < mail.log
  FILE may be plain or gzip (mail.log.2.gz); "-" reads stdin. A log's rotations are read oldest first
  (mail.log* gives mail.log.2.gz, mail.log.1, mail.log), other files in the order given.
  Reports authentication failures (Postfix SASL and Dovecot) by client and by login, per-SASL-login
  messages, recipients, client IPs and first/last seen, unauthenticated relaying (sent, deferred,
  bounced), "Relay access denied" rejects, local submissions (pickup), pflogsumm's totals (received,
  delivered, deferred, bounced, rejected, per hour, top senders/recipients/domains), and suspects.
  --top N            rows per table (default 20)
  --threads N        threads for large plain files (default: 2 when a core is idle, else 1); 2: one
                     recognises lines while the other reads and counts them; more: the file is cut
                     into ranges counted apart and merged
${WINDOW_USAGE}
  --unparsed N       show the first N lines that were not understood
${LOCAL_DOMAIN_USAGE}
  thresholds for suspects: --min-auth-failures N (${DEFAULT_THRESHOLDS.authFailures}), --max-client-ips N (${DEFAULT_THRESHOLDS.clientsPerLogin}),
  --max-recipients N (${DEFAULT_THRESHOLDS.recipientsPerLogin}), --max-relayed N (${DEFAULT_THRESHOLDS.relayedPerClient}), --min-relay-denied N (${DEFAULT_THRESHOLDS.relayDenied}), --max-local N (${DEFAULT_THRESHOLDS.localSubmissions})
  Exit status 4 when there are suspects.`;

/** `mailwarden logs scan FILE… | -`: the report on a log an admin already has. */
export async function runLogsScan(argv: readonly string[], io: Io): Promise<number> {
  const p = parse(argv, {
    top: { type: 'string' },
    threads: { type: 'string' },
    ...WINDOW_OPTION,
    unparsed: { type: 'string' },
    ...LOCAL_DOMAIN_OPTION,
    ...Object.fromEntries(Object.keys(THRESHOLD_FLAGS).map((f) => [f, { type: 'string' as const }])),
  }, 'logs scan');
  if (p.positionals.length === 0) throw new UsageError('logs scan: FILE is required (or "-" for stdin)');
  if (p.positionals.filter((f) => f === '-').length > 1) throw new UsageError('logs scan: "-" (stdin) can be given once');
  const files = logOrder(p.positionals, (f) => io.stderr.write(`logs scan: reading each log's rotations oldest first: ${f.join(', ')}\n`));
  const topN = positiveInt(str(p, 'top'), 'top', 20);
  const threads = positiveInt(str(p, 'threads'), 'threads', 0) || undefined;
  const keepUnparsed = positiveInt(str(p, 'unparsed'), 'unparsed', 0, 0);
  // One reading of the clock for the whole command: --since 2h and the year of year-less lines agree.
  const now = Date.now();
  const window = timeWindowOf(p, 'logs scan', now);
  const localDomains = await localDomainsOf(p, 'logs scan', io);
  const thresholds = { ...DEFAULT_THRESHOLDS };
  for (const [flag, key] of Object.entries(THRESHOLD_FLAGS)) thresholds[key] = positiveInt(str(p, flag), flag, DEFAULT_THRESHOLDS[key]);
  const err = io.stderr as NodeJS.WritableStream & { isTTY?: boolean };
  let lastDraw = 0;
  const onProgress = err.isTTY
    ? (pr: { bytes: number; total?: number }) => {
        const t = Date.now();
        if (t - lastDraw < 200) return;
        lastDraw = t;
        err.write(progressBar(pr.bytes, pr.total));
      }
    : undefined;
  try {
    for (const f of files) if (f !== '-') inputSize(f);
  } catch (e) {
    // Before the plugins load: a mistyped file name costs nothing.
    if (e instanceof InputError) throw new UsageError(`logs scan: ${e.message}`);
    throw e;
  }
  // The plugins' sections read the delivery lines as the scan goes (one pass, in log order).
  const sections = await openReportSections(io, p, { now });
  let stats;
  try {
    stats = await scanFiles(files, { onProgress, keepUnparsed, ...window, now, localDomains, ...(threads ? { threads } : {}), ...(sections ? { onEvent: sections.onEvent } : {}) }, () => io.stdin);
  } catch (e) {
    if (e instanceof InputError) throw new UsageError(`logs scan: ${e.message}`);
    throw e;
  } finally {
    if (lastDraw) err.write('\r\x1b[K');
    await sections?.close();
  }
  const report = buildReport(stats, topN, thresholds);
  const contributed = sections?.results();
  if (p.values.json) io.stdout.write(JSON.stringify(contributed ? { ...report, sections: contributed } : report, null, 2) + '\n');
  else io.stdout.write(reportText(report) + (contributed ? sectionsText(contributed) : ''));
  return report.suspects.length ? EXIT.problem : EXIT.ok;
}
