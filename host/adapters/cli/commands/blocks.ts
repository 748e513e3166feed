import { type Block, type BlockFilter, formatCidr, formatDuration, normalizeIp, parseCidr, parseDuration, UsageError } from '../../../../shared';
import { normalizeDomain, normalizeLogin } from '../../../../shared/address';
import { addAdminBlock, clearBlocksAudited, describeBlockFilter } from '../../../core/services/block-admin';
import { CliContext, parse, str } from '../cli-context';
import type { CliCommand } from '../command';
import { isoTime, table } from '../../../tools/text-table';

/** A manual ban lasts a day unless --for says otherwise (fail2ban's bantime is 10 minutes; a person acting by hand means more). */
const DEFAULT_BAN_MS = 86_400_000;

function row(b: Block): Array<string | number | undefined> {
  return [b.domain, b.login, b.network, isoTime(b.expiresAt), b.strikes, b.source, b.reason];
}

export const blocksCommand: CliCommand = {
  name: 'blocks',
  summary: 'list, add or lift blocks (placed by plugins such as brute force, or by hand)',
  usage: `mailwarden blocks list [--domain D] [--json]          (--json: one JSON object per line)
mailwarden blocks add (--ip IP[/PREFIX] | --login L) [--for DURATION] [--reason TEXT] [--domain D] [--json]
mailwarden blocks clear (--login L | --ip IP | --all) [--domain D] [--json]
  add bans by hand, as fail2ban-client set JAIL banip does: the address (or network) or
  the login is refused at login and SMTP AUTH until the block expires (--for 90s, 1h30m, 2d;
  default 1d) or is cleared. Without --domain a login's own domain is used, and an
  address is banned in the default domain.
  --login lifts every block of that login (from any network, and account-wide);
  --ip lifts every block whose network contains the address.`,
  async run(argv, io) {
    const p = parse(argv, { domain: { type: 'string' }, login: { type: 'string' }, ip: { type: 'string' }, all: { type: 'boolean' }, for: { type: 'string' }, reason: { type: 'string' } }, 'blocks');
    const [sub, ...rest] = p.positionals;
    if (rest.length) throw new UsageError(`blocks: unexpected argument "${rest[0]}"`);
    const domainArg = str(p, 'domain');
    const domain = domainArg === undefined ? undefined : normalizeDomain(domainArg);
    const ctx = new CliContext(io, p);
    try {
      switch (sub) {
        case 'list': {
          for (const o of ['login', 'ip', 'all', 'for', 'reason']) if (p.values[o] !== undefined) throw new UsageError(`blocks list: --${o} is for "blocks ${o === 'all' ? 'clear' : o === 'for' || o === 'reason' ? 'add' : 'add" or "blocks clear'}"`);
          const app = await ctx.openState();
          const blocks = (await app.store.listBlocks(domain ? { domain } : {}, app.clock.now())).sort((a, b) => a.expiresAt - b.expiresAt);
          if (ctx.json) ctx.outJsonLines(blocks);
          else if (blocks.length === 0) ctx.out(`no active blocks${domain ? ` in ${domain}` : ''}`);
          else ctx.out(table(['DOMAIN', 'LOGIN', 'NETWORK', 'UNTIL', 'STRIKES', 'SOURCE', 'REASON'], blocks.map(row)));
          return 0;
        }
        case 'add': {
          if (p.values.all !== undefined) throw new UsageError('blocks add: --all is for "blocks clear"');
          const login = str(p, 'login');
          const ipText = str(p, 'ip');
          if ((login === undefined) === (ipText === undefined)) throw new UsageError('blocks add: give exactly one of --ip IP[/PREFIX] or --login L');
          const forText = str(p, 'for');
          const ms = forText === undefined ? DEFAULT_BAN_MS : parseDuration(forText, 'blocks add: --for');
          let network: string | undefined;
          if (ipText !== undefined) {
            const c = parseCidr(ipText);
            if (!c.ok) throw new UsageError(`blocks add: --ip ${c.error}`);
            network = formatCidr(c.cidr);
          }
          const reason = str(p, 'reason') ?? 'banned by an administrator';
          if (reason.length > 200 || /[\u0000-\u001f\u007f]/.test(reason)) throw new UsageError('blocks add: --reason must be one line of at most 200 characters');
          const app = await ctx.openState();
          const who = login === undefined ? undefined : normalizeLogin(login, app.settings.defaultDomain).login;
          const inDomain = domain ?? (who ? who.slice(who.lastIndexOf('@') + 1) : app.settings.defaultDomain);
          if (!(await app.settings.isDomain(inDomain))) throw new UsageError(`blocks add: "${inDomain}" is not a known domain (mailwarden domains list)`);
          const b = await addAdminBlock(app.store, { domain: inDomain, ...(who ? { login: who } : {}), ...(network ? { network } : {}), reason, actor: ctx.actor, at: app.clock.now(), ms });
          if (ctx.json) ctx.outJson(b);
          else ctx.out(`blocked ${who ?? network} in ${inDomain} for ${formatDuration(ms)} (until ${isoTime(b.expiresAt)}); lift with: mailwarden blocks clear ${who ? `--login ${who}` : `--ip ${network!.replace(/\/(32|128)$/, '')}`}`);
          return 0;
        }
        case 'clear': {
          for (const o of ['for', 'reason']) if (p.values[o] !== undefined) throw new UsageError(`blocks clear: --${o} is for "blocks add"`);
          const chosen = ['login', 'ip', 'all'].filter((o) => p.values[o] !== undefined);
          if (chosen.length !== 1) throw new UsageError(`blocks clear: give exactly one of --login L, --ip IP or --all${chosen.length ? ` (got --${chosen.join(', --')})` : ''}`);
          const app = await ctx.openState();
          const filter: { -readonly [K in keyof BlockFilter]: BlockFilter[K] } = domain ? { domain } : {};
          const login = str(p, 'login');
          const ip = str(p, 'ip');
          if (login !== undefined) filter.login = normalizeLogin(login, app.settings.defaultDomain).login;
          if (ip !== undefined) {
            const n = normalizeIp(ip);
            if (!n) throw new UsageError(`blocks clear: --ip "${ip}" is not an IPv4 or IPv6 address`);
            filter.ip = n;
          }
          const what = describeBlockFilter(filter);
          const gone = await clearBlocksAudited(app.store, { filter, actor: ctx.actor, at: app.clock.now(), what });
          if (ctx.json) ctx.outJson({ cleared: gone });
          else if (gone.length === 0) ctx.out(`no block matched ${what}${domain ? ` in ${domain}` : ''}`);
          else ctx.out(`cleared ${gone.length} block(s):\n${table(['DOMAIN', 'LOGIN', 'NETWORK', 'UNTIL', 'STRIKES', 'SOURCE', 'REASON'], gone.map(row))}`);
          return 0;
        }
        default:
          throw new UsageError(sub ? `blocks: unknown subcommand "${sub}" (list, add, clear)` : 'blocks: a subcommand is required (list, add, clear)');
      }
    } finally {
      await ctx.close();
    }
  },
};
