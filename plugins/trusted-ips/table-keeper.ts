import fs from 'node:fs';
import { inject, injectable, optional } from 'inversify';
import { Clock, HostSettings, Logger, type ServiceContext, type ServiceContribution, SystemActions } from '../../shared';
import { applyToPostfix } from './apply';
import { GLOBAL_SCOPE, hostWideConfig } from './config';
import { TrustedIpsRepository } from './repository';
import { renderCidrTable } from './table';

/** How often the table is compared with the entries (expiry happens between changes). */
const CHECK_MS = 60_000;

/**
 * Keeps the cidr: table in step with the entries while `serve` runs: an entry
 * that expires (or a change made on another node) is taken out of
 * mynetworks within a minute. Only a table that exists is maintained: the
 * admin creates it with `trusted-ips apply` (or the first add).
 */
@injectable()
export class TableKeeper implements ServiceContribution {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<boolean> | undefined;

  constructor(
    @inject(TrustedIpsRepository) private readonly repo: TrustedIpsRepository,
    @inject(Clock) private readonly clock: Clock,
    @inject(Logger) private readonly logger: Logger,
    @inject(HostSettings) private readonly hostSettings: HostSettings,
    @inject(SystemActions) @optional() private readonly system?: SystemActions,
  ) {}

  async start(ctx: ServiceContext): Promise<void> {
    this.timer = setInterval(() => {
      this.running ??= this.check(ctx).finally(() => (this.running = undefined));
    }, CHECK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Rewrites and reloads when the table on disk differs from the entries now. Exposed for tests. */
  async check(_ctx: ServiceContext): Promise<boolean> {
    try {
      const config = hostWideConfig(this.hostSettings);
      if (!config.applyOnChange) return false;
      let onDisk: string;
      try {
        onDisk = fs.readFileSync(config.tableFile, 'utf8');
      } catch {
        return false;
      }
      const entries = await this.repo.list();
      const now = this.clock.now();
      if (renderCidrTable(entries, [GLOBAL_SCOPE], now, `mynetworks = cidr:${config.tableFile}`) === onDisk) return false;
      await applyToPostfix(entries, config, now, this.system);
      this.logger.info({ file: config.tableFile }, 'trusted-ips table brought up to date (an entry expired or changed elsewhere)');
      return true;
    } catch (e) {
      this.logger.error({ err: (e as Error).message }, 'trusted-ips table update failed');
      return false;
    }
  }
}
