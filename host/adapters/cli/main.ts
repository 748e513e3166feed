// reflect-metadata comes with the App (host/core/app.ts), the first code that needs it.
import { type CommandIO, UsageError } from '../../../shared/hooks';
import { LoginError } from '../../../shared/address';
import { version } from '../../core/version';
import { CliContext, type Io, parse } from './cli-context';
import { EXIT } from './command';
import { COMMANDS } from './commands';
import { declaredCommand, declaredCommands } from './plugin-commands';

/** The plugins' commands for `mailwarden help`, from their manifests; none when the config cannot be read (the command would say why). */
function pluginCommandLines(io: Io, globals: readonly string[]): string {
  try {
    const pluginDir = new CliContext(io, parse(globals.filter((a, i) => isGlobal(globals, i)), {}, 'help')).config().pluginDir;
    const host = new Set(COMMANDS.map((c) => c.name));
    const cmds = declaredCommands(pluginDir).filter((c) => !host.has(c.name));
    if (!cmds.length) return '';
    const w = Math.max(...cmds.map((c) => c.name.length));
    return `\nPlugin commands:\n${cmds.map((c) => `  ${c.name.padEnd(w)}  ${c.summary} (${c.plugin})`).join('\n')}\n`;
  } catch {
    return '';
  }
}

function help(plugins = ''): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return `mailwarden ${version()} — keeps a Postfix + Dovecot server from sending spam

Usage: mailwarden [GLOBAL OPTIONS] COMMAND [options]
       mailwarden help COMMAND

${COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`).join('\n')}
${plugins}
Plugins add commands of their own (see \`mailwarden plugins list\`; \`mailwarden help NAME\` shows one).
Global options, before or after the command: --config FILE, --data-dir DIR, --plugin-dir DIR
(or MAILWARDEN_CONFIG, MAILWARDEN_DATA_DIR, MAILWARDEN_PLUGIN_DIR), --json, --help.
Durations are written like 90s, 45m, 1h30m, 2d (units s, m, h, d, w).
Exit codes: 0 ok, 1 runtime failure, 2 bad usage or invalid value, 3 refused by policy, 4 problem found.
`;
}

/** Options that mean the same for every command (doveadm -c, postconf -c): accepted before the command name too. */
const GLOBAL_WITH_VALUE = new Set(['--config', '--data-dir', '--plugin-dir']);
const GLOBAL_FLAGS = new Set(['--json']);

/**
 * Splits `[globals…] COMMAND rest…`. The globals are handed to the command
 * right after its name, where its own parser reads them as it always has.
 */
function splitGlobals(argv: readonly string[]): { globals: string[]; name: string | undefined; rest: string[] } {
  const globals: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-') || a === '-' || ['--help', '-h', '--version', '-V'].includes(a)) break;
    const eq = a.indexOf('=');
    const opt = eq > 0 ? a.slice(0, eq) : a;
    if (GLOBAL_WITH_VALUE.has(opt)) {
      if (eq > 0) globals.push(a);
      else if (i + 1 >= argv.length || argv[i + 1].startsWith('-')) throw new UsageError(`option ${opt} needs a value (mailwarden ${opt} VALUE COMMAND …)`);
      else globals.push(a, argv[++i]);
    } else if (GLOBAL_FLAGS.has(a)) globals.push(a);
    else throw new UsageError(`unknown global option "${opt}" before the command (global options: ${[...GLOBAL_WITH_VALUE, ...GLOBAL_FLAGS].join(', ')})`);
  }
  return { globals, name: argv[i], rest: argv.slice(i + 1) };
}

/** Usage mistakes and invalid values: one line, exit 2. By name, so that checking them loads no validator. */
function isUsageError(e: unknown): boolean {
  return e instanceof UsageError || e instanceof LoginError || ['ValidationError', 'DurationError'].includes((e as Error)?.name);
}

/** Runs one command; returns its exit code. Never throws. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    const { globals, name, rest } = splitGlobals(argv);
    if (!name || name === '--help' || name === '-h') {
      io.stdout.write(help(pluginCommandLines(io, [...globals, ...rest])));
      return name ? EXIT.ok : EXIT.usage;
    }
    if (name === 'help') {
      // Global options may follow the command name here as everywhere (`help NAME --config F`).
      const own = rest.filter((_, i) => !isGlobal(rest, i) && !GLOBAL_FLAGS.has(rest[i]));
      return await commandHelp(own, [...globals, ...rest.filter((a, i) => isGlobal(rest, i) || GLOBAL_FLAGS.has(a))], io);
    }
    if (name === '--version' || name === '-V' || name === 'version') {
      io.stdout.write(`mailwarden ${version()}\n`);
      return EXIT.ok;
    }
    const entry = COMMANDS.find((c) => c.name === name);
    const wantsHelp = rest.includes('--help') || rest.includes('-h');
    if (entry) {
      const cmd = await entry.load();
      if (wantsHelp) {
        io.stdout.write(cmd.usage + '\n');
        return EXIT.ok;
      }
      return await cmd.run([...globals, ...rest], io);
    }
    if (wantsHelp && printDeclaredUsage(name, [...globals, ...rest], io)) return EXIT.ok;
    return await runPluginCommand(name, [...globals, ...rest], io);
  } catch (e) {
    if (isUsageError(e)) {
      io.stderr.write(`mailwarden: ${(e as Error).message}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`mailwarden: ${(e as Error).message ?? String(e)}\n`);
    return EXIT.runtime;
  }
}

/** `mailwarden help [COMMAND]`: the command's usage; a plugin's command answers its own --help. */
async function commandHelp(args: readonly string[], globals: readonly string[], io: Io): Promise<number> {
  const [name, ...extra] = args;
  if (extra.length) throw new UsageError(`help: one command name, not "${args.join(' ')}"`);
  if (!name) {
    io.stdout.write(help(pluginCommandLines(io, globals)));
    return EXIT.ok;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (entry) {
    io.stdout.write((await entry.load()).usage + '\n');
    return EXIT.ok;
  }
  if (printDeclaredUsage(name, globals, io)) return EXIT.ok;
  return runPluginCommand(name, [...globals, '--help'], io);
}

/**
 * A plugin command's usage as its manifest declares it (`contributes.commands`),
 * printed without opening the store or running plugin code. False when no
 * valid manifest declares a usage for it: the plugin's own --help answers.
 */
function printDeclaredUsage(name: string, argv: readonly string[], io: Io): boolean {
  const globals = parse(argv.filter((a, i) => isGlobal(argv, i)), {}, name);
  const pluginDir = new CliContext(io, globals).config().pluginDir;
  const declared = declaredCommand(pluginDir, name);
  if (declared?.usage === undefined) return false;
  try {
    // As loading would: a manifest that does not validate contributes no command. Required here: --version loads no validator.
    (require('../../core/plugins/manifest') as typeof import('../../core/plugins/manifest')).readManifest(declared.manifestFile);
  } catch {
    return false;
  }
  io.stdout.write(declared.usage + '\n');
  return true;
}

/** A command contributed by a loaded plugin (declared in its manifest's `contributes.commands`). */
async function runPluginCommand(name: string, argv: readonly string[], io: Io): Promise<number> {
  // Global options may precede plugin commands' own; the plugin parses the rest.
  const globals = parse(argv.filter((a, i) => isGlobal(argv, i)), {}, name);
  const ctx = new CliContext(io, globals);
  try {
    // Only the plugins that declare this command (and what they depend on) are loaded: the loader refuses a command its manifest does not declare.
    const app = await ctx.open({ only: (m) => m.contributes.commands.some((c) => c.name === name) });
    for (const p of app.registry.active) {
      const c = p.commands.find((x) => x.name === name);
      if (c) {
        const commandIo: CommandIO = {
          // Forwarded, not copied: a copy would build stdin for every plugin command (see runCli).
          get stdout() {
            return io.stdout;
          },
          get stderr() {
            return io.stderr;
          },
          get stdin() {
            return io.stdin;
          },
          actor: ctx.actor,
          configs: app.serviceContext(p).configs,
        };
        return await c.run(argv.filter((_, i) => !isGlobal(argv, i)), commandIo);
      }
    }
    throw new UsageError(`unknown command "${name}" (see mailwarden --help)`);
  } finally {
    await ctx.close();
  }
}

function isGlobal(argv: readonly string[], i: number): boolean {
  const a = argv[i];
  if (GLOBAL_WITH_VALUE.has(a)) return true;
  if (i > 0 && GLOBAL_WITH_VALUE.has(argv[i - 1])) return true;
  return [...GLOBAL_WITH_VALUE].some((g) => a.startsWith(g + '='));
}

/** Entry point of bin/mailwarden.js. */
export function runCli(argv: readonly string[]): void {
  // Getters: node builds each stdio stream on first use, and stdin's (a TTY, a pipe) costs a
  // tenth of node's own start; only the commands that read it (password) should pay for it.
  const io: Io = {
    get stdout() {
      return process.stdout;
    },
    get stderr() {
      return process.stderr;
    },
    get stdin() {
      return process.stdin;
    },
    env: process.env,
  };
  main(argv, io).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`mailwarden: ${(e as Error).message}\n`);
      process.exitCode = EXIT.runtime;
    },
  );
}

/** For build.mjs, which makes the code caches of inversify and the plugins by running commands with this bundle. */
export { recordCodeCaches, writeCodeCaches } from '../../core/code-cache';
