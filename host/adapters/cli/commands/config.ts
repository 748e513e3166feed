import { UsageError } from '../../../../shared';
import type { ConfigSources } from '../../../core/config/host-config';
import { GLOBAL } from '../../../core/domains/domain-settings';
import { CliContext, type Io, type Parsed, parse, str } from '../cli-context';
import { type CliCommand, EXIT } from '../command';
import { parseAssignment, pluginArg, scopeArg } from '../../../core/plugins/plugin-arg';

export const configCommand: CliCommand = {
  name: 'config',
  summary: "check the config file or show the effective settings; show or change a plugin's config for a domain",
  usage: `mailwarden config test [--config FILE] [--json]
    Checks the config file the service would read (--config, MAILWARDEN_CONFIG, or
    /etc/mailwarden/mailwarden.json): the schema, the listeners' addresses and caps, and each
    plugins.<id> section against that plugin's manifest in the plugin directory.
    Exit 0 and "configuration OK: FILE", or exit 2 with each error (file, JSON path, rule).
    Run it before \`systemctl reload mailwarden\`, like \`postfix check\` or \`nginx -t\`.
mailwarden config show [--config FILE] [--json]
    The effective settings, each with its source: default, the config file, an environment
    variable or a flag. Secrets (admin token, Dovecot header, credentials in URLs) are never printed.
    --json: one JSON object.
mailwarden config get ID [--domain D] [--json]
mailwarden config set ID [--domain D] KEY=VALUE…   (lists: a,b,c; JSON accepted)
mailwarden config reset ID [--domain D] [KEY…]      (no KEY: every override)
    A plugin's per-domain settings (stored state, not the config file); host-level settings
    come only from the config file's plugins.<id> section.`,
  async run(argv, io) {
    const p = parse(argv, { domain: { type: 'string' } }, 'config');
    const [sub, id, ...args] = p.positionals;
    if (sub === 'test' || sub === 'show') {
      if (id !== undefined) throw new UsageError(`config ${sub}: unexpected argument "${id}"`);
      if (str(p, 'domain') !== undefined) throw new UsageError(`config ${sub}: --domain is for get, set and reset (the config file is not per domain)`);
      return sub === 'test' ? configTest(p, io) : configShow(p, io);
    }
    const ctx = new CliContext(io, p);
    try {
      const app = await ctx.openFor(id);
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
          throw new UsageError(sub ? `config: unknown subcommand "${sub}" (test, show, get, set, reset)` : 'config: a subcommand is required (test, show, get, set, reset)');
      }
    } finally {
      await ctx.close();
    }
  },
};

/** The sources every command reads its config from (flags, then MAILWARDEN_*, then the packaged file). */
function sourcesOf(p: Parsed, io: Io): ConfigSources {
  return { configFile: str(p, 'config'), dataDir: str(p, 'data-dir'), pluginDir: str(p, 'plugin-dir'), env: io.env };
}

interface Located {
  readonly file: string;
  readonly path: string;
  readonly message: string;
  readonly rule: string;
}

/** `config test`: every error found, not only the first, so one run fixes the file. */
async function configTest(p: Parsed, io: Io): Promise<number> {
  const { loadHostConfig } = await import('../../../core/config/host-config');
  const { checkConfigSemantics, discoveredConfigFile } = await import('../../../core/config/config-sources');
  const { checkPluginSections } = await import('../../../core/config/plugin-sections');
  const sources = sourcesOf(p, io);
  const file = discoveredConfigFile(sources);
  const where = file ?? 'configuration';
  const errors: Located[] = [];
  const warnings: string[] = [];
  const collect = (e: unknown) => {
    const problems = (e as { problems?: Located[]; where?: string }).problems;
    if ((e as Error)?.name !== 'ValidationError' || !problems) throw e;
    for (const x of problems) errors.push({ file: (e as { where: string }).where, path: x.path, message: x.message, rule: x.rule });
  };
  let config: Awaited<ReturnType<typeof loadHostConfig>> | undefined;
  try {
    config = loadHostConfig(sources);
  } catch (e) {
    collect(e);
  }
  if (config) {
    try {
      checkConfigSemantics(config);
    } catch (e) {
      collect(e);
    }
    const sections = checkPluginSections(config);
    for (const x of sections.problems) errors.push({ file: where, ...x });
    warnings.push(...sections.warnings);
  }
  const ok = errors.length === 0;
  if (p.values.json === true) {
    io.stdout.write(JSON.stringify({ ok, file: file ?? null, errors, warnings }) + '\n');
  } else {
    for (const w of warnings) io.stderr.write(`mailwarden: warning: ${w}\n`);
    for (const e of errors) io.stderr.write(`mailwarden: ${e.file}: ${e.path} ${e.message} (${e.rule})\n`);
    if (ok) io.stdout.write(`configuration OK: ${file ?? 'no config file (built-in defaults)'}\n`);
    else io.stderr.write(`mailwarden: configuration test failed: ${where} (${errors.length} error${errors.length > 1 ? 's' : ''})\n`);
  }
  return ok ? EXIT.ok : EXIT.usage;
}

/** `config show`: what the service would run with, and where each value comes from. */
async function configShow(p: Parsed, io: Io): Promise<number> {
  const { describeSource, effectiveConfig } = await import('../../../core/config/config-sources');
  const eff = effectiveConfig(sourcesOf(p, io));
  if (p.values.json === true) {
    const settings = Object.fromEntries(eff.settings.map((s) => [s.path, { value: s.value, source: s.source }]));
    io.stdout.write(JSON.stringify({ file: eff.file ?? null, fileSource: eff.fileSource ?? null, settings }) + '\n');
    return EXIT.ok;
  }
  let text = eff.file ? `# config file: ${eff.file} (${describeSource(eff.fileSource!)})\n` : '# no config file: built-in defaults, environment and flags only\n';
  const w = Math.max(...eff.settings.map((s) => s.path.length));
  for (const s of eff.settings) text += `${s.path.padEnd(w)} = ${JSON.stringify(s.value)}   (${describeSource(s.source)})\n`;
  io.stdout.write(text);
  return EXIT.ok;
}
