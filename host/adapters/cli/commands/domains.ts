import { UsageError } from '../../../../shared';
import { CliContext, parse } from '../cli-context';
import type { CliCommand } from '../command';
import { isoTime, table } from '../../../tools/text-table';

export const domainsCommand: CliCommand = {
  name: 'domains',
  summary: 'list, add or remove the mail domains mailwarden manages',
  usage: `mailwarden domains list [--json]      (--json: one JSON object per line)
mailwarden domains add DOMAIN [--locale en|fr|de]
mailwarden domains remove DOMAIN`,
  async run(argv, io) {
    const p = parse(argv, { locale: { type: 'string' } }, 'domains');
    const [sub, name, ...rest] = p.positionals;
    if (rest.length) throw new UsageError(`domains: unexpected argument "${rest[0]}"`);
    const ctx = new CliContext(io, p);
    try {
      const app = await ctx.openState();
      switch (sub) {
        case 'list': {
          if (name) throw new UsageError(`domains list: unexpected argument "${name}"`);
          const ds = await app.settings.listDomains();
          if (ctx.json) ctx.outJsonLines(ds.map((d) => ({ ...d, default: d.name === app.settings.defaultDomain })));
          else ctx.out(table(['DOMAIN', 'DEFAULT', 'LOCALE', 'ADDED', 'BY'], ds.map((d) => [d.name, d.name === app.settings.defaultDomain ? 'yes' : '', d.locale ?? 'en', isoTime(d.addedAt), d.addedBy])));
          return 0;
        }
        case 'add': {
          if (!name) throw new UsageError('domains add: DOMAIN is required');
          const locale = p.values.locale as string | undefined;
          if (locale !== undefined && !['en', 'fr', 'de'].includes(locale)) throw new UsageError(`domains add: --locale must be en, fr or de, not "${locale}"`);
          const d = await app.settings.addDomain(name, ctx.actor, locale);
          ctx.json ? ctx.outJson(d) : ctx.out(`added ${d.name}`);
          return 0;
        }
        case 'remove': {
          if (!name) throw new UsageError('domains remove: DOMAIN is required');
          if (!(await app.settings.removeDomain(name, ctx.actor))) throw new UsageError(`domains remove: "${name}" is not a known domain`);
          ctx.json ? ctx.outJson({ removed: name }) : ctx.out(`removed ${name}`);
          return 0;
        }
        default:
          throw new UsageError(sub ? `domains: unknown subcommand "${sub}" (list, add, remove)` : 'domains: a subcommand is required (list, add, remove)');
      }
    } finally {
      await ctx.close();
    }
  },
};
