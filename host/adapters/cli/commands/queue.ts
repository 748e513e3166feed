import { UsageError, type QueuedMessage } from '../../../../shared';
import type { QueueOperation } from '../../../tools/postfix/queue/postsuper';
import { applyAudited, type QueueCommandName } from '../../../core/services/queue-admin';
import { FilterError, type QueueFilter, domainArg, durationArg, queueArg, senderArg } from '../../../tools/postfix/queue/queue-filter';
import { CliContext, type Io, type OptionSpec, type Parsed, parse, str } from '../cli-context';
import type { CliCommand } from '../command';
import { EXIT } from '../command';
import { readAnswer } from '../prompt';

const OPTIONS: OptionSpec = {
  sender: { type: 'string' },
  'recipient-domain': { type: 'string' },
  'older-than': { type: 'string' },
  queue: { type: 'string' },
  'dry-run': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
};

const OPERATION: Record<string, QueueOperation> = { hold: 'hold', release: 'release', purge: 'delete' };
const DONE: Record<QueueOperation, string> = { hold: 'placed on hold', release: 'released from hold', delete: 'deleted' };

function filterOf(p: Parsed, sub: string): QueueFilter {
  try {
    const sender = str(p, 'sender');
    const domain = str(p, 'recipient-domain');
    const older = str(p, 'older-than');
    const queue = str(p, 'queue');
    return {
      ...(sender !== undefined ? { sender: senderArg(sender) } : {}),
      ...(domain !== undefined ? { recipientDomain: domainArg(domain) } : {}),
      ...(older !== undefined ? { olderThanMs: durationArg(older) } : {}),
      ...(queue !== undefined ? { queue: queueArg(queue) } : {}),
    };
  } catch (e) {
    if (e instanceof FilterError) throw new UsageError(`queue ${sub}: ${e.message}`);
    throw e;
  }
}

export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}

/** Fixed columns, so a long queue prints as it streams instead of after the last message. */
function row(m: QueuedMessage, now: number): string {
  const rcpt = m.recipients.length === 0 ? '-' : m.recipients[0].address + (m.recipients.length > 1 ? ` (+${m.recipients.length - 1})` : '');
  return `${m.queueId.padEnd(16)} ${m.queueName.padEnd(8)} ${age(now - m.arrivalTime * 1000).padStart(7)} ${String(m.messageSize).padStart(9)}  ${(m.sender || '<>').padEnd(32)} ${rcpt}`;
}
const HEADER = `${'QUEUE-ID'.padEnd(16)} ${'QUEUE'.padEnd(8)} ${'AGE'.padStart(7)} ${'SIZE'.padStart(9)}  ${'SENDER'.padEnd(32)} RECIPIENTS`;

/** The record as `postqueue -j` prints it, so scripts written for one read the other. */
function toJson(m: QueuedMessage) {
  return { queue_name: m.queueName, queue_id: m.queueId, arrival_time: m.arrivalTime, message_size: m.messageSize, forced_expire: m.forcedExpire, sender: m.sender, recipients: m.recipients.map((r) => ({ address: r.address, ...(r.delayReason ? { delay_reason: r.delayReason } : {}) })) };
}

async function list(ctx: CliContext, filter: QueueFilter): Promise<number> {
  const app = await ctx.openQueue();
  const now = app.clock.now();
  let n = 0;
  let bytes = 0;
  const out = ctx.io.stdout;
  if (!ctx.json) out.write(HEADER + '\n');
  for await (const m of app.queueTools.list(filter)) {
    // --json: one object per line, as postqueue -j prints them.
    out.write((ctx.json ? JSON.stringify(toJson(m)) : row(m, now)) + '\n');
    n++;
    bytes += m.messageSize;
  }
  if (!ctx.json) out.write(`${n} message(s), ${bytes} bytes\n`);
  return EXIT.ok;
}

async function act(ctx: CliContext, sub: string, filter: QueueFilter, p: Parsed): Promise<number> {
  const op = OPERATION[sub];
  if (filter.sender === undefined) throw new UsageError(`queue ${sub}: --sender is required (the exact envelope sender whose mail to ${sub}; "<>" for bounces)`);
  if (op === 'release' && filter.queue !== undefined && filter.queue !== 'hold') throw new UsageError(`queue release: only held mail can be released (--queue ${filter.queue})`);
  if (op === 'hold' && filter.queue === 'hold') throw new UsageError('queue hold: mail in the hold queue is already held');
  const app = await ctx.openQueue();
  const now = app.clock.now();
  const sel = await app.queueTools.select(filter, op);
  const who = filter.sender || '<>';
  const err = ctx.io.stderr;
  const where = Object.entries(sel.byQueue).map(([q, c]) => `${q}: ${c}`).join(', ');
  if (!ctx.json) {
    ctx.out(`${sel.ids.length} message(s) from ${who} to ${sub}${where ? ` (${where})` : ''}, ${sel.bytes} bytes`);
    if (sel.ids.length) {
      ctx.out(HEADER);
      for (const m of sel.sample) ctx.out(row(m, now));
      if (sel.ids.length > sel.sample.length) ctx.out(`… and ${sel.ids.length - sel.sample.length} more`);
    }
  }
  const report = (confirmed: number | null, extra: Record<string, unknown> = {}) =>
    ctx.json && ctx.outJson({ operation: sub, sender: filter.sender, selected: sel.ids.length, confirmed, byQueue: sel.byQueue, ids: sel.ids, ...extra });
  if (sel.ids.length === 0) {
    report(0);
    if (!ctx.json) ctx.out(`nothing to ${sub}`);
    return EXIT.ok;
  }
  if (p.values['dry-run']) {
    report(null, { dryRun: true });
    if (!ctx.json) ctx.out('dry run: nothing was changed');
    return EXIT.ok;
  }
  if (op === 'delete' && !p.values.yes) {
    const stdin = ctx.io.stdin as NodeJS.ReadableStream & { isTTY?: boolean };
    if (!stdin.isTTY) throw new UsageError('queue purge: deleting mail needs confirmation and stdin is not a terminal; check with --dry-run, then add --yes');
    err.write(`Delete these ${sel.ids.length} message(s) from ${who} for good? Nothing can bring them back. Type "yes": `);
    const answer = (await readAnswer(stdin)).trim().toLowerCase();
    if (answer !== 'yes' && answer !== 'y') {
      ctx.out('nothing was deleted');
      return EXIT.runtime;
    }
  }
  const r = await applyAudited(app, sub as QueueCommandName, sel, filter, ctx.actor);
  report(r.confirmed);
  if (!ctx.json) {
    ctx.out(`Postfix confirmed: ${r.confirmed} message(s) ${DONE[op]}`);
    if (r.confirmed < sel.ids.length) ctx.out(`(${sel.ids.length - r.confirmed} of the selected had already left the queue or changed state)`);
    if (op === 'hold') ctx.out(`undo: mailwarden queue release --sender ${who}`);
  }
  return EXIT.ok;
}

export const queueCommand: CliCommand = {
  name: 'queue',
  summary: "list the Postfix queue; hold, release or delete one sender's mail exactly",
  usage: `mailwarden queue list [--sender A] [--recipient-domain D] [--older-than 2h] [--queue Q] [--json]
mailwarden queue hold    --sender A [filters] [--dry-run] [--json]
mailwarden queue release --sender A [filters] [--dry-run] [--json]
mailwarden queue purge   --sender A [filters] [--dry-run] [--yes] [--json]
  --sender matches the envelope sender exactly (case-insensitive): login@domain.net never
  matches xlogin@domain.net or login@domain.net.evil. "<>" is the null sender (bounces).
  --recipient-domain: at least one recipient in exactly that domain. --older-than: 90s, 30m,
  2h, 1d, 1h30m. --queue: maildrop, incoming, active, deferred, hold.
  Hold first: nothing is lost, and release undoes it. purge asks for confirmation unless --yes
  (and refuses without --yes when stdin is not a terminal).
  Acts on the instance of postfix.configDir in the mailwarden config (postsuper -c DIR).`,
  async run(argv: readonly string[], io: Io) {
    const p = parse(argv, OPTIONS, 'queue');
    const [sub, ...rest] = p.positionals;
    if (!sub) throw new UsageError('queue: a subcommand is required (list, hold, release, purge)');
    if (sub !== 'list' && !OPERATION[sub]) throw new UsageError(`queue: unknown subcommand "${sub}" (list, hold, release, purge)`);
    if (rest.length) throw new UsageError(`queue ${sub}: unexpected argument "${rest[0]}"`);
    if (sub === 'list' && (p.values['dry-run'] || p.values.yes)) throw new UsageError('queue list: --dry-run and --yes belong to hold, release and purge');
    const filter = filterOf(p, sub);
    const ctx = new CliContext(io, p);
    try {
      return sub === 'list' ? await list(ctx, filter) : await act(ctx, sub, filter, p);
    } finally {
      await ctx.close();
    }
  },
};
