import { UsageError } from '../../../../shared';
import type { Io } from '../cli-context';
import type { CliCommand } from '../command';
import { runLogsFollow } from './logs-follow';
import { LOGS_SCAN_USAGE, runLogsScan } from './logs-scan';

/** `mailwarden logs SUB …`: each subcommand lives in its own file. */
const SUBCOMMANDS: Readonly<Record<string, (argv: readonly string[], io: Io) => Promise<number>>> = {
  follow: runLogsFollow,
  scan: runLogsScan,
};

export const logsCommand: CliCommand = {
  name: 'logs',
  summary: 'read mail logs: follow them for failed logins, or scan them for compromised accounts and relaying',
  usage: `mailwarden logs follow FILE… [--from-start] [--once] [--poll-ms N] [--json]
  Tails each FILE across rotation (rename+create and copytruncate) and reports
  Postfix "SASL … authentication failed" and Dovecot "auth failed" lines to the
  plugins (brute-force counting). --from-start replays the file; --once stops at its end.
${LOGS_SCAN_USAGE}`,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const run = sub !== undefined && Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
    if (!run) throw new UsageError(sub ? `logs: unknown subcommand "${sub}" (${Object.keys(SUBCOMMANDS).join(', ')})` : `logs: a subcommand is required (${Object.keys(SUBCOMMANDS).join(', ')})`);
    return run(rest, io);
  },
};
