import { UsageError } from '../../../../shared';
import { GLOBAL } from '../../../core/domains/domain-settings';
import { CliContext, parse, str } from '../cli-context';
import type { CliCommand } from '../command';
import { pluginArg, scopeArg } from '../../../core/plugins/plugin-arg';
import { table } from '../../../tools/text-table';

export const pluginsCommand: CliCommand = {
  name: 'plugins',
  summary: 'list plugins (loaded or failed, enabled per domain); enable or disable one',
  usage: `mailwarden plugins list [--domain D] [--json]  (--json: one JSON object per line, loaded and failed)
mailwarden plugins enable ID [--domain D]     (no --domain: the global default)
mailwarden plugins disable ID [--domain D]
mailwarden plugins inherit ID --domain D      (drop the domain's own choice)`,
  async run(argv, io) {
    const p = parse(argv, { domain: { type: 'string' } }, 'plugins');
    const [sub, id, ...rest] = p.positionals;
    if (rest.length) throw new UsageError(`plugins: unexpected argument "${rest[0]}"`);
    const ctx = new CliContext(io, p);
    try {
      // list shows every plugin, failed ones included; enable, disable and inherit need only the one named.
      const app = sub === 'list' ? await ctx.open() : await ctx.openFor(id);
      const scope = scopeArg(str(p, 'domain'));
      switch (sub) {
        case 'list': {
          if (id) throw new UsageError(`plugins list: unexpected argument "${id}"`);
          const domain = scope === GLOBAL ? GLOBAL : scope;
          if (domain !== GLOBAL && !(await app.settings.isDomain(domain))) throw new UsageError(`plugins list: "${domain}" is not a known domain`);
          const rows = [];
          for (const pl of app.registry.active) {
            const eff = await app.settings.effective(domain, pl);
            rows.push({
              id: pl.manifest.id, name: pl.manifest.name, version: pl.manifest.version, status: 'loaded',
              enabled: eff.enabled, enabledFrom: eff.enabledFrom, priority: pl.manifest.priority, hooks: pl.manifest.hooks,
              dir: pl.dir, ...(eff.problem ? { configProblem: eff.problem } : {}),
            });
          }
          const failed = app.registry.failures.map((f) => ({ id: f.id, status: 'failed', stage: f.stage, reason: f.reason, dir: f.dir }));
          if (ctx.json) ctx.outJsonLines([...rows, ...failed].map((r) => ({ domain, ...r })));
          else {
            ctx.out(table(['PLUGIN', 'VERSION', 'STATUS', `ENABLED (${domain === GLOBAL ? 'global' : domain})`, 'PRIORITY', 'HOOKS'],
              rows.map((r) => [r.id, r.version, r.status, `${r.enabled ? 'yes' : 'no'} (${r.enabledFrom})`, r.priority, r.hooks.join(',')])));
            for (const f of failed) ctx.out(`FAILED ${f.id} [${f.stage}]: ${f.reason}`);
          }
          return 0;
        }
        case 'enable':
        case 'disable':
        case 'inherit': {
          const pl = pluginArg(app, id, `plugins ${sub}`);
          if (sub === 'inherit' && scope === GLOBAL) throw new UsageError('plugins inherit: --domain is required');
          await app.settings.setEnabled(scope, pl, sub === 'inherit' ? undefined : sub === 'enable', ctx.actor);
          if (ctx.json) ctx.outJson({ plugin: pl.manifest.id, domain: scope, enabled: sub === 'inherit' ? 'inherit' : sub === 'enable' });
          else ctx.out(`${pl.manifest.id}: ${sub === 'inherit' ? 'inherits the global setting' : sub + 'd'} for ${scope === GLOBAL ? 'all domains (global default)' : scope}`);
          return 0;
        }
        default:
          throw new UsageError(sub ? `plugins: unknown subcommand "${sub}" (list, enable, disable, inherit)` : 'plugins: a subcommand is required (list, enable, disable, inherit)');
      }
    } finally {
      await ctx.close();
    }
  },
};
