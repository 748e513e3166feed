import type { Config } from './config.generated';
import { type Cidr, parseCidr } from '../../shared';

/** The domain config as the manifest's configSchema guarantees it (defaults filled in). */
export type BruteforceConfig = Config;

/** The config turned into what the rules use: milliseconds and parsed networks. */
export interface Settings {
  readonly maxFailures: number;
  /** The pair cap on one of the login's known networks. */
  readonly knownPairMaxFailures: number;
  readonly findMs: number;
  readonly blockMs: number;
  readonly maxBlockMs: number;
  readonly strikeMemoryMs: number;
  readonly loginMaxNetworks: number;
  readonly ipMaxLogins: number;
  readonly knownMs: number;
  readonly ipv4Prefix: number;
  readonly ipv6Prefix: number;
  readonly tarpitSeconds: number;
  readonly trusted: readonly Cidr[];
  /** trustedNetworks entries that are not networks (reported once by the hooks, otherwise ignored). */
  readonly badTrusted: readonly string[];
  readonly notify: boolean;
}

const MIN = 60_000;
const cache = new WeakMap<object, Settings>();

/**
 * Settings for a domain config. The host hands the same frozen config object
 * until settings change, so the conversion runs once per change.
 */
export function settingsOf(config: Readonly<BruteforceConfig>): Settings {
  let s = cache.get(config);
  if (s) return s;
  const trusted: Cidr[] = [];
  const badTrusted: string[] = [];
  for (const t of config.trustedNetworks) {
    const c = parseCidr(t);
    if (c.ok) trusted.push(c.cidr);
    else badTrusted.push(`${t} (${c.error})`);
  }
  s = Object.freeze({
    maxFailures: config.maxFailures,
    // A known network is meant to be more forgiving, never less.
    knownPairMaxFailures: Math.max(config.knownPairMaxFailures, config.maxFailures),
    findMs: config.findTimeMinutes * MIN,
    blockMs: config.blockMinutes * MIN,
    // A maximum below the first block would shorten it; the first block wins.
    maxBlockMs: Math.max(config.maxBlockMinutes, config.blockMinutes) * MIN,
    strikeMemoryMs: config.strikeMemoryHours * 60 * MIN,
    loginMaxNetworks: config.loginMaxNetworks,
    ipMaxLogins: config.ipMaxLogins,
    knownMs: config.knownNetworkDays * 24 * 60 * MIN,
    ipv4Prefix: config.ipv4Prefix,
    ipv6Prefix: config.ipv6Prefix,
    tarpitSeconds: config.tarpitSeconds,
    trusted,
    badTrusted,
    notify: config.notify,
  });
  cache.set(config, s);
  return s;
}
