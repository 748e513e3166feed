import { UsageError } from '../../../shared';
import { GLOBAL } from '../../domains/domain-settings';
import { CliContext, parse, str } from '../cli-context';
import type { CliCommand } from '../command';
import { parseAssignment, pluginArg, scopeArg } from '../plugin-arg';

export const configCommand: CliCommand = {
  name: 'config',
  summary: "show or change a plugin's config for a domain (or the global default)",
  usage: `mailwarden config get ID [--domain D] [--json]
mailwarden config set ID [--domain D] KEY=VALUE…   (lists: a,b,c; JSON accepted)
mailwarden config reset ID [--domain D] [KEY…]      (no KEY: every override)`,
  async run(argv, io) {
    const p = parse(argv, { domain: { type: 'string' } }, 'config');
    const [sub, id, ...args] = p.positionals;
    const ctx = new CliContext(io, p);
    try {
      const app = await ctx.open();
      const scope = scopeArg(str(p, 'domain'));
      const pl = pluginArg(app, id, `config ${sub ?? ''}`.trim());
      if (scope !== GLOBAL && !(await app.settings.isDomain(scope))) throw new UsageError(`config: "${scope}" is not a known domain`);
      switch (sub) {
        case 'get': {
          if (args.length) throw new UsageError(`config get: unexpected argument "${args[0]}"`);
          const eff = await app.settings.effective(scope, pl);
          const own = await app.settings.getSetting(scope, pl.manifest.id);
          if (ctx.json) ctx.outJson({ plugin: pl.manifest.id, domain: scope, enabled: eff.enabled, config: eff.config, overrides: own.config ?? {}, hostLevel: pl.hostKeys, ...(eff.problem ? { problem: eff.problem } : {}), ...(eff.ignored ? { ignored: eff.ignored } : {}) });
          else {
            ctx.out(`${pl.manifest.id} for ${scope === GLOBAL ? 'all domains (global)' : scope}: ${eff.enabled ? 'enabled' : 'disabled'}`);
            for (const [k, v] of Object.entries(eff.config)) {
              const from = pl.hostKeys.includes(k) ? '   (host-level: config file)' : own.config && k in own.config ? '   (set here)' : '';
              ctx.out(`  ${k} = ${JSON.stringify(v)}${from}`);
            }
            if (eff.problem) ctx.out(`  problem: stored settings no longer valid, defaults used: ${eff.problem}`);
            if (eff.ignored) ctx.out(`  ignored: stored per-domain value(s) of host-level setting(s) ${eff.ignored.join(', ')}; only the config file sets them (\`config reset ${pl.manifest.id}${scope === GLOBAL ? '' : ` --domain ${scope}`}\` drops them)`);
          }
          return 0;
        }
        case 'set': {
          if (args.length === 0) throw new UsageError('config set: at least one KEY=VALUE is required');
          const values = Object.fromEntries(args.map((a) => parseAssignment(a, pl.manifest.configSchema, 'config set', pl.manifest.id)));
          const saved = await app.settings.setConfig(scope, pl, values, ctx.actor);
          ctx.json ? ctx.outJson({ plugin: pl.manifest.id, domain: scope, overrides: saved }) : ctx.out(`${pl.manifest.id} config saved for ${scope === GLOBAL ? 'all domains (global)' : scope}`);
          return 0;
        }
        case 'reset': {
          const own = await app.settings.getSetting(scope, pl.manifest.id);
          const keep = args.length === 0 ? {} : Object.fromEntries(Object.entries(own.config ?? {}).filter(([k]) => !args.includes(k) && !pl.hostKeys.includes(k)));
          await app.settings.setConfig(scope, pl, keep, ctx.actor, 'replace');
          ctx.out(`${pl.manifest.id}: ${args.length ? args.join(', ') : 'all settings'} back to ${scope === GLOBAL ? 'defaults' : 'global values'} for ${scope === GLOBAL ? 'all domains' : scope}`);
          return 0;
        }
        default:
          throw new UsageError(sub ? `config: unknown subcommand "${sub}" (get, set, reset)` : 'config: a subcommand is required (get, set, reset)');
      }
    } finally {
      await ctx.close();
    }
  },
};
