import { UsageError } from '../../../shared';
import { ScanInputError, scanFiles } from '../../postfix/log/log-scan';
import { progressBar, reportText } from '../../postfix/log/report-table';
import { DEFAULT_THRESHOLDS, buildReport, type SuspectThresholds } from '../../postfix/log/scan-report';
import { type Io, parse, str } from '../cli-context';
import { EXIT } from '../command';

const THRESHOLD_FLAGS: Record<string, keyof SuspectThresholds> = {
  'min-auth-failures': 'authFailures',
  'max-client-ips': 'clientsPerLogin',
  'max-recipients': 'recipientsPerLogin',
  'max-relayed': 'relayedPerClient',
  'min-relay-denied': 'relayDenied',
  'max-local': 'localSubmissions',
};

function positiveInt(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^[0-9]{1,9}$/.test(text) || Number(text) < 1) throw new UsageError(`logs scan: --${flag} must be a whole number of at least 1, not "${text}"`);
  return Number(text);
}

export const LOGS_SCAN_USAGE = `mailwarden logs scan FILE… [--json] [--top N] [--threads N] [thresholds]
mailwarden logs scan - < mail.log
  FILE may be plain or gzip (mail.log.2.gz); "-" reads stdin. Files are read in the order given.
  Reports authentication failures by client and by login, per-SASL-login messages, recipients,
  client IPs and first/last seen, unauthenticated relaying, "Relay access denied" rejects,
  local submissions (pickup), and suspects with the reason for each.
  --top N            rows per table (default 20)
  --threads N        worker threads for large plain files (default: one per core, at most 2)
  thresholds for suspects: --min-auth-failures N (${DEFAULT_THRESHOLDS.authFailures}), --max-client-ips N (${DEFAULT_THRESHOLDS.clientsPerLogin}),
  --max-recipients N (${DEFAULT_THRESHOLDS.recipientsPerLogin}), --max-relayed N (${DEFAULT_THRESHOLDS.relayedPerClient}), --min-relay-denied N (${DEFAULT_THRESHOLDS.relayDenied}), --max-local N (${DEFAULT_THRESHOLDS.localSubmissions})
  Exit status 4 when there are suspects.`;

/** `mailwarden logs scan FILE… | -`: the report on a log an admin already has. */
export async function runLogsScan(argv: readonly string[], io: Io): Promise<number> {
  const p = parse(argv, {
    top: { type: 'string' },
    threads: { type: 'string' },
    ...Object.fromEntries(Object.keys(THRESHOLD_FLAGS).map((f) => [f, { type: 'string' as const }])),
  }, 'logs scan');
  const files = p.positionals;
  if (files.length === 0) throw new UsageError('logs scan: FILE is required (or "-" for stdin)');
  if (files.filter((f) => f === '-').length > 1) throw new UsageError('logs scan: "-" (stdin) can be given once');
  const topN = positiveInt(str(p, 'top'), 'top', 20);
  const threads = positiveInt(str(p, 'threads'), 'threads', 0) || undefined;
  const thresholds = { ...DEFAULT_THRESHOLDS };
  for (const [flag, key] of Object.entries(THRESHOLD_FLAGS)) thresholds[key] = positiveInt(str(p, flag), flag, DEFAULT_THRESHOLDS[key]);
  const err = io.stderr as NodeJS.WritableStream & { isTTY?: boolean };
  let lastDraw = 0;
  const onProgress = err.isTTY
    ? (pr: { bytes: number; total?: number }) => {
        const now = Date.now();
        if (now - lastDraw < 200) return;
        lastDraw = now;
        err.write(progressBar(pr.bytes, pr.total));
      }
    : undefined;
  let stats;
  try {
    stats = await scanFiles(files, { onProgress, ...(threads ? { threads } : {}) }, io.stdin);
  } catch (e) {
    if (e instanceof ScanInputError) throw new UsageError(`logs scan: ${e.message}`);
    throw e;
  } finally {
    if (lastDraw) err.write('\r\x1b[K');
  }
  const report = buildReport(stats, topN, thresholds);
  if (p.values.json) io.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else io.stdout.write(reportText(report));
  return report.suspects.length ? EXIT.problem : EXIT.ok;
}
