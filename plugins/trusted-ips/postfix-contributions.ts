import fs from 'node:fs';
import { inject, injectable } from 'inversify';
import {
  type AuditEntry,
  type Cidr,
  cidrContains,
  formatCidr,
  HostSettings,
  LOOPBACK_NETWORKS,
  parseCidr,
  parseCidrTable,
  parseIp,
  type PostfixWiringContribution,
  StateStore,
  type TrustedNetworksContribution,
  type TrustedNetworksSource,
} from '../../shared';
import { hostWideConfig } from './config';
import { AUDIT_SUBJECT } from './repository';

/** `mailwarden wiring postfix`: mynetworks is this plugin's table. */
@injectable()
export class TrustedIpsPostfixWiring implements PostfixWiringContribution {
  constructor(@inject(HostSettings) private readonly hostSettings: HostSettings) {}

  async mainCf(): Promise<readonly string[]> {
    return [
      '# Trusted relays: the table `mailwarden trusted-ips apply` writes (loopback always in).',
      `mynetworks = cidr:${hostWideConfig(this.hostSettings).tableFile}`,
    ];
  }
}

function readOrUndefined(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** From the audit trail: how a removed entry covering `ip` went (who, when); exclusions are not trust. */
export function removalOf(audit: readonly AuditEntry[], ip: string): string | undefined {
  const p = parseIp(ip);
  if (!p) return undefined;
  for (const e of audit) {
    if (e.action !== 'trusted-ips.remove') continue;
    const before = e.before as { network?: unknown; exclude?: unknown } | null | undefined;
    if (!before || typeof before.network !== 'string' || before.exclude === true) continue;
    const r = parseCidr(before.network);
    if (r.ok && cidrContains(r.cidr, p)) return `${formatCidr(r.cidr)} removed by ${e.actor} at ${new Date(e.at).toISOString()}`;
  }
  return undefined;
}

/**
 * `mailwarden relay audit`: what Postfix trusts is the table last written
 * (not the entries in the store, which may not be applied yet), and a
 * removal is read from this plugin's audit trail.
 */
@injectable()
export class TrustedIpsNetworks implements TrustedNetworksContribution {
  private history: Promise<AuditEntry[]> | undefined;

  constructor(
    @inject(HostSettings) private readonly hostSettings: HostSettings,
    @inject(StateStore) private readonly store: StateStore,
  ) {}

  private get tableFile(): string {
    return hostWideConfig(this.hostSettings).tableFile;
  }

  async source(): Promise<TrustedNetworksSource> {
    return { name: this.tableFile, found: readOrUndefined(this.tableFile) !== undefined };
  }

  async networks(): Promise<readonly Cidr[]> {
    const loopback = LOOPBACK_NETWORKS.map((n) => parseCidr(n)).flatMap((r) => (r.ok ? [r.cidr] : []));
    return [...loopback, ...parseCidrTable(readOrUndefined(this.tableFile) ?? '')];
  }

  async removalOf(ip: string): Promise<string | undefined> {
    // Read once per command: an audit asks for every client it flags.
    this.history ??= this.store.listAudit({ subjectPrefix: AUDIT_SUBJECT });
    return removalOf(await this.history, ip);
  }
}
