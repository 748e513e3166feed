import { CONFIG_DEFAULTS, type Config } from './config.generated';
import { DEFAULT_ZONES, dqsZen, knownList } from './known-lists';

/** The plugin's config as the manifest's configSchema fills it in (resolvers, lists, outboundIps, postconfCommand… are host-level). */
export type ReputationConfig = Config;
/** A DNSBL; `minIntervalSeconds` is the least time between two queries of one address (the known public lists have a floor). */
export type ListConfig = Config['lists'][number];
/** `minAttempts` in the window before a rate is judged; `baselineFactor`: also alert at this many times the sender's own baseline. */
export type SenderRateConfig = Config['senderRates'];

export const DEFAULT_CONFIG: ReputationConfig = CONFIG_DEFAULTS;

export interface Settings {
  readonly config: ReputationConfig;
  readonly recipients: readonly string[];
  /** A scope without its own recipients wants the host's admin address. */
  readonly copyAdmin: boolean;
}

type Configs = ReadonlyMap<string, Readonly<Record<string, unknown>>>;

/**
 * Our addresses are the server's, not a domain's: the global settings decide
 * (else the first domain that has the plugin enabled); recipients come from
 * every scope. Undefined when the plugin is enabled nowhere.
 */
export function resolveSettings(configs: Configs | undefined): Settings | undefined {
  if (!configs || configs.size === 0) return undefined;
  const scopes = [...configs.keys()].sort();
  const main = withDefaults(configs.get('*') ?? configs.get(scopes[0]));
  const recipients = new Set<string>();
  let copyAdmin = false;
  for (const s of scopes) {
    const list = withDefaults(configs.get(s)).recipients;
    if (list.length === 0) copyAdmin = true;
    for (const r of list) recipients.add(r.toLowerCase());
  }
  return { config: main, recipients: [...recipients], copyAdmin };
}

/** A config with every setting present (a host that lends none gets the defaults). */
export function withDefaults(c: Readonly<Record<string, unknown>> | undefined): ReputationConfig {
  const p = (c ?? {}) as Partial<ReputationConfig>;
  return {
    ...DEFAULT_CONFIG,
    ...p,
    rejectionRate: { ...DEFAULT_CONFIG.rejectionRate, ...(p.rejectionRate ?? {}) },
    senderRates: { ...DEFAULT_CONFIG.senderRates, ...(p.senderRates ?? {}) },
  };
}

export interface ListSpec {
  readonly zone: string;
  readonly minIntervalSeconds: number;
  readonly delistUrl?: string;
  readonly codes?: Readonly<Record<string, string>>;
}

/**
 * The lists to query, each with the least time between two queries of one
 * address: the config's, never under a known public list's floor. The periodic
 * check waits longer (checkIntervalSeconds, the answer's TTL); `reputation
 * check` waits only this.
 */
export function listSpecs(c: ReputationConfig): ListSpec[] {
  const seen = new Set<string>();
  const out: ListSpec[] = [];
  for (const l of c.lists) {
    const zone = l.zone.toLowerCase().replace(/\.$/, '');
    if (seen.has(zone)) continue;
    seen.add(zone);
    const known = knownList(zone)?.zone === zone ? knownList(zone) : dqsZen(zone);
    const min = Math.max(l.minIntervalSeconds ?? 0, known?.minIntervalSeconds ?? 0);
    const delistUrl = l.delistUrl ?? known?.delistUrl;
    out.push({ zone, minIntervalSeconds: min, ...(delistUrl ? { delistUrl } : {}), ...(known?.codes ? { codes: known.codes } : {}) });
  }
  return out;
}
