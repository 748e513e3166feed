import { DEFAULT_ZONES, dqsZen, knownList } from './known-lists';

export interface ListConfig {
  readonly zone: string;
  /** Least time between two queries of one address; the known public lists have a floor. */
  readonly minIntervalSeconds?: number;
  readonly delistUrl?: string;
}

export interface SenderRateConfig {
  readonly windowMinutes: number;
  /** Attempts in the window before a rate is judged at all. */
  readonly minAttempts: number;
  readonly maxBouncePercent: number;
  readonly maxDeferPercent: number;
  /** Also alert when the rate is this many times the sender's own baseline (and over maxBouncePercent/2). */
  readonly baselineFactor: number;
}

/** The plugin's config as the manifest's configSchema fills it in. */
export interface ReputationConfig {
  // Host-level (config file only): they name servers, a program and addresses.
  readonly resolvers: readonly string[];
  readonly lists: readonly ListConfig[];
  readonly checkIntervalSeconds: number;
  readonly outboundIps: readonly string[];
  readonly postconfCommand: readonly string[];
  readonly dnsTimeoutMs: number;
  // Per domain.
  readonly intervalSeconds: number;
  readonly recipients: readonly string[];
  readonly cooldownMinutes: number;
  readonly rejectionRate: { readonly count: number; readonly minutes: number };
  readonly quietMinutes: number;
  readonly senderRates: SenderRateConfig;
}

export const DEFAULT_CONFIG: ReputationConfig = {
  resolvers: [],
  lists: DEFAULT_ZONES.map((zone) => ({ zone })),
  checkIntervalSeconds: 3600,
  outboundIps: [],
  postconfCommand: ['postconf', '-h', 'smtp_bind_address', 'smtp_bind_address6'],
  dnsTimeoutMs: 3000,
  intervalSeconds: 60,
  recipients: [],
  cooldownMinutes: 60,
  rejectionRate: { count: 5, minutes: 10 },
  quietMinutes: 120,
  senderRates: { windowMinutes: 60, minAttempts: 20, maxBouncePercent: 20, maxDeferPercent: 50, baselineFactor: 3 },
};

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
