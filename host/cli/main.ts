import 'reflect-metadata';
import { UsageError } from '../../shared';
import { LoginError } from '../login';
import { ValidationError } from '../validation/ajv';
import { version } from '../version';
import { CliContext, type Io, parse } from './cli-context';
import { EXIT } from './command';
import { COMMANDS } from './commands';

function help(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return `mailwarden ${version()} — keeps a Postfix + Dovecot server from sending spam

Usage: mailwarden COMMAND [options]

${COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`).join('\n')}

Plugins add commands of their own (see \`mailwarden plugins list\`).
Every command accepts --config FILE, --data-dir DIR, --plugin-dir DIR
(or MAILWARDEN_CONFIG, MAILWARDEN_DATA_DIR, MAILWARDEN_PLUGIN_DIR) and --help.
Exit codes: 0 ok, 1 runtime failure, 2 bad usage or invalid value, 3 refused by policy, 4 problem found.
`;
}

/** Runs one command; returns its exit code. Never throws. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      io.stdout.write(help());
      return name ? EXIT.ok : EXIT.usage;
    }
    if (name === '--version' || name === '-V' || name === 'version') {
      io.stdout.write(`mailwarden ${version()}\n`);
      return EXIT.ok;
    }
    const cmd = COMMANDS.find((c) => c.name === name);
    if (cmd) {
      if (rest.includes('--help') || rest.includes('-h')) {
        io.stdout.write(cmd.usage + '\n');
        return EXIT.ok;
      }
      return await cmd.run(rest, io);
    }
    return await runPluginCommand(name, rest, io);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ValidationError || e instanceof LoginError) {
      io.stderr.write(`mailwarden: ${e.message}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`mailwarden: ${(e as Error).message ?? String(e)}\n`);
    return EXIT.runtime;
  }
}

/** A command contributed by a loaded plugin (e.g. `trusted-ips`). */
async function runPluginCommand(name: string, argv: readonly string[], io: Io): Promise<number> {
  // Global options may precede plugin commands' own; the plugin parses the rest.
  const globals = parse(argv.filter((a, i) => isGlobal(argv, i)), {}, name);
  const ctx = new CliContext(io, globals);
  try {
    const app = await ctx.open();
    for (const p of app.registry.active) {
      const c = p.commands.find((x) => x.name === name);
      if (c) return await c.run(argv.filter((_, i) => !isGlobal(argv, i)), { ...io, actor: ctx.actor, configs: app.serviceContext(p).configs });
    }
    throw new UsageError(`unknown command "${name}" (see mailwarden --help)`);
  } finally {
    await ctx.close();
  }
}

const GLOBAL_WITH_VALUE = new Set(['--config', '--data-dir', '--plugin-dir']);
function isGlobal(argv: readonly string[], i: number): boolean {
  const a = argv[i];
  if (GLOBAL_WITH_VALUE.has(a)) return true;
  if (i > 0 && GLOBAL_WITH_VALUE.has(argv[i - 1])) return true;
  return [...GLOBAL_WITH_VALUE].some((g) => a.startsWith(g + '='));
}

/** Entry point of bin/mailwarden.js. */
export function runCli(argv: readonly string[]): void {
  main(argv, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env }).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`mailwarden: ${(e as Error).message}\n`);
      process.exitCode = EXIT.runtime;
    },
  );
}
