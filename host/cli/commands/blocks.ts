import { type Block, type BlockFilter, normalizeIp, UsageError } from '../../../shared';
import { normalizeDomain, normalizeLogin } from '../../login';
import { clearBlocksAudited, describeBlockFilter } from '../../services/block-admin';
import { CliContext, parse, str } from '../cli-context';
import type { CliCommand } from '../command';
import { isoTime, table } from '../table';

function row(b: Block): Array<string | number | undefined> {
  return [b.domain, b.login, b.network, isoTime(b.expiresAt), b.strikes, b.source, b.reason];
}

export const blocksCommand: CliCommand = {
  name: 'blocks',
  summary: 'list or lift the blocks plugins (brute force…) have placed',
  usage: `mailwarden blocks list [--domain D] [--json]
mailwarden blocks clear (--login L | --ip IP | --all) [--domain D] [--json]
  --login lifts every block of that login (from any network, and account-wide);
  --ip lifts every block whose network contains the address.`,
  async run(argv, io) {
    const p = parse(argv, { domain: { type: 'string' }, login: { type: 'string' }, ip: { type: 'string' }, all: { type: 'boolean' } }, 'blocks');
    const [sub, ...rest] = p.positionals;
    if (rest.length) throw new UsageError(`blocks: unexpected argument "${rest[0]}"`);
    const domainArg = str(p, 'domain');
    const domain = domainArg === undefined ? undefined : normalizeDomain(domainArg);
    const ctx = new CliContext(io, p);
    try {
      switch (sub) {
        case 'list': {
          for (const o of ['login', 'ip', 'all']) if (p.values[o] !== undefined) throw new UsageError(`blocks list: --${o} is for "blocks clear"`);
          const app = await ctx.open({ plugins: false });
          const blocks = (await app.store.listBlocks(domain ? { domain } : {}, app.clock.now())).sort((a, b) => a.expiresAt - b.expiresAt);
          if (ctx.json) ctx.outJson(blocks);
          else if (blocks.length === 0) ctx.out(`no active blocks${domain ? ` in ${domain}` : ''}`);
          else ctx.out(table(['DOMAIN', 'LOGIN', 'NETWORK', 'UNTIL', 'STRIKES', 'SOURCE', 'REASON'], blocks.map(row)));
          return 0;
        }
        case 'clear': {
          const chosen = ['login', 'ip', 'all'].filter((o) => p.values[o] !== undefined);
          if (chosen.length !== 1) throw new UsageError(`blocks clear: give exactly one of --login L, --ip IP or --all${chosen.length ? ` (got --${chosen.join(', --')})` : ''}`);
          const app = await ctx.open({ plugins: false });
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
          throw new UsageError(sub ? `blocks: unknown subcommand "${sub}" (list, clear)` : 'blocks: a subcommand is required (list, clear)');
      }
    } finally {
      await ctx.close();
    }
  },
};
