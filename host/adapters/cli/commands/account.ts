import { parseDuration, UsageError } from '../../../../shared';
import { normalizeLogin } from '../../../../shared/address';
import { CliContext, parse, str } from '../cli-context';
import type { CliCommand } from '../command';
import { isoTime, table } from '../../../tools/text-table';

const MAX_MINUTES = 525_600;

/** The lock's length in minutes: --for in the duration grammar (90s, 1h30m, 2d), or --minutes N, the older spelling. */
function lockMinutes(forText: string | undefined, minutesText: string | undefined): number | undefined {
  if (forText !== undefined && minutesText !== undefined) throw new UsageError('account lock: give --for DURATION or --minutes N, not both');
  if (forText !== undefined) {
    const ms = parseDuration(forText, 'account lock: --for');
    if (ms > MAX_MINUTES * 60_000) throw new UsageError(`account lock: --for "${forText}" is longer than a year; leave it out to lock until unlocked`);
    return ms / 60_000;
  }
  if (minutesText === undefined) return undefined;
  const n = Number(minutesText);
  if (!/^[0-9]{1,6}$/.test(minutesText) || n < 1 || n > MAX_MINUTES) throw new UsageError(`account lock: --minutes must be a whole number from 1 to ${MAX_MINUTES}, not "${minutesText}" (or use --for 90m, 2d)`);
  return n;
}

export const accountCommand: CliCommand = {
  name: 'account',
  summary: 'lock, unlock or log out an account; list locked accounts',
  usage: `mailwarden account lock LOGIN [--for DURATION] [--reason TEXT]   (DURATION: 90s, 45m, 1h30m, 2d; --minutes N also works)
mailwarden account unlock LOGIN
mailwarden account list [--json]    (--json: one JSON object per line)
mailwarden account logout LOGIN     (runs accounts.kickCommand, default: doveadm kick LOGIN)
  A locked account is refused by the Dovecot and Postfix gateways (logins, SMTP AUTH
  and relaying). Without --for a lock stays until it is unlocked.`,
  async run(argv, io) {
    const p = parse(argv, { minutes: { type: 'string' }, for: { type: 'string' }, reason: { type: 'string' } }, 'account');
    const [sub, raw, ...rest] = p.positionals;
    if (rest.length) throw new UsageError(`account ${sub}: unexpected argument "${rest[0]}"`);
    if (!sub) throw new UsageError('account: a subcommand is required (lock, unlock, list, logout)');
    if (!['lock', 'unlock', 'list', 'logout'].includes(sub)) throw new UsageError(`account: unknown subcommand "${sub}" (lock, unlock, list, logout)`);
    if (sub !== 'lock' && (str(p, 'minutes') !== undefined || str(p, 'for') !== undefined || str(p, 'reason') !== undefined)) throw new UsageError(`account ${sub}: --for, --minutes and --reason belong to "account lock"`);
    if (sub === 'list' && raw !== undefined) throw new UsageError(`account list: unexpected argument "${raw}"`);
    if (sub !== 'list' && !raw) throw new UsageError(`account ${sub}: LOGIN is required`);
    const minutes = lockMinutes(str(p, 'for'), str(p, 'minutes'));
    const ctx = new CliContext(io, p);
    try {
      const app = await ctx.openAccounts();
      const login = raw === undefined ? '' : normalizeLogin(raw, app.settings.defaultDomain).login;
      switch (sub) {
        case 'lock': {
          const reason = str(p, 'reason') ?? 'locked by an administrator';
          const lock = await app.accounts.lock(login, { reason, by: ctx.actor, ...(minutes ? { minutes } : {}) });
          ctx.json ? ctx.outJson(lock) : ctx.out(`locked ${login}${lock.until ? ` until ${isoTime(lock.until)}` : ' until unlocked'}`);
          return 0;
        }
        case 'unlock': {
          if (!(await app.accounts.unlock(login, ctx.actor))) {
            io.stderr.write(`mailwarden: account unlock: ${login} is not locked\n`);
            return 1;
          }
          ctx.json ? ctx.outJson({ unlocked: login }) : ctx.out(`unlocked ${login}`);
          return 0;
        }
        case 'list': {
          const locks = await app.accounts.listLocks();
          if (ctx.json) ctx.outJsonLines(locks);
          else if (locks.length === 0) ctx.out('no account is locked');
          else ctx.out(table(['LOGIN', 'SINCE', 'UNTIL', 'BY', 'REASON'], locks.map((l) => [l.login, isoTime(l.at), isoTime(l.until) ?? 'unlocked by hand', l.by, l.reason])));
          return 0;
        }
        default: {
          const r = await app.accounts.closeSessions(login, ctx.actor);
          if (ctx.json) ctx.outJson({ login, ...r });
          else ctx.out(r.sessions === 'none' ? `no open sessions for ${login}` : `closed the sessions of ${login}`);
          return 0;
        }
      }
    } finally {
      await ctx.close();
    }
  },
};
