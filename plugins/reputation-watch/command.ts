import { parseArgs } from 'node:util';
import { inject, injectable } from 'inversify';
import { Clock, type CommandContribution, type CommandIO, HostSettings, StateStore, UsageError } from '../../shared';
import { resolveSettings, withDefaults } from './config';
import { checksTable, renderStatus, statusReport } from './status';
import { ReputationWatcher } from './watcher';
import manifest from './manifest.json';

/**
 * The command as the manifest declares it (contributes.commands): the host
 * prints this usage for `--help` without loading the plugin, so it is written once, there.
 */
const DECLARED = manifest.contributes.commands.find((c) => c.name === 'reputation')!;
export const USAGE = DECLARED.usage;

/** `mailwarden reputation …`: what the lists and remote servers say about our addresses. */
@injectable()
export class ReputationCommand implements CommandContribution {
  readonly name = 'reputation';
  readonly summary = DECLARED.summary;

  constructor(
    @inject(StateStore) private readonly store: StateStore,
    @inject(Clock) private readonly clock: Clock,
    @inject(ReputationWatcher) private readonly watcher: ReputationWatcher,
    @inject(HostSettings) private readonly hostSettings: HostSettings,
  ) {}

  async run(argv: readonly string[], io: CommandIO): Promise<number> {
    let parsed;
    try {
      parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
    } catch (e) {
      throw new UsageError(`reputation: ${(e as Error).message.split('\n')[0]}`);
    }
    const [sub, ...rest] = parsed.positionals;
    if (parsed.values.help) {
      io.stdout.write(USAGE + '\n');
      return 0;
    }
    if (rest.length) throw new UsageError(`reputation ${sub}: unexpected argument "${rest[0]}"`);
    const json = parsed.values.json === true;
    switch (sub) {
      case 'status': {
        const report = await statusReport(this.store, this.clock.now());
        io.stdout.write(json ? JSON.stringify(report, null, 2) + '\n' : renderStatus(report));
        return 0;
      }
      case 'check': {
        const configs = await io.configs?.();
        const settings = resolveSettings(configs);
        // Enabled nowhere: no scope lends a config, but the config file's host-level
        // values (resolvers, lists, outbound addresses) still decide whom we ask.
        if (!settings) io.stderr.write('mailwarden: reputation check: the plugin is enabled for no domain; asking with the config file\'s host-level settings\n');
        const config = settings?.config ?? withDefaults(this.hostSettings);
        const r = await this.watcher.checkNow(config);
        if (json) io.stdout.write(JSON.stringify(r, null, 2) + '\n');
        else {
          io.stdout.write(`Outbound addresses (${r.outbound.source}): ${r.outbound.ips.join(', ') || '(none found: set outboundIps in the config file)'}\n`);
          io.stdout.write(`Asked ${r.queried} list(s) now; the others answered recently and may not be asked again yet.\n`);
          io.stdout.write(checksTable(r.results).join('\n') + '\n');
        }
        return 0;
      }
      default:
        throw new UsageError(sub ? `reputation: unknown subcommand "${sub}" (status, check)` : 'reputation: a subcommand is required (status, check)');
    }
  }
}
