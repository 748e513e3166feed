// Generated from plugins/password-bruteforce/manifest.json (configSchema) by scripts/config-types.mjs: do not edit.
// `node build.mjs` writes it again; change the manifest instead.

/** The per-domain config as the host hands it to hooks: validated, defaults filled in. */
export interface Config {
  readonly maxFailures: number;
  readonly findTimeMinutes: number;
  readonly blockMinutes: number;
  readonly maxBlockMinutes: number;
  readonly strikeMemoryHours: number;
  readonly knownPairMaxFailures: number;
  readonly loginMaxNetworks: number;
  readonly ipMaxLogins: number;
  readonly knownNetworkDays: number;
  readonly ipv4Prefix: number;
  readonly ipv6Prefix: number;
  readonly tarpitSeconds: number;
  readonly trustedNetworks: readonly string[];
  readonly notify: boolean;
}

/** The manifest defaults. */
export const CONFIG_DEFAULTS: Config = {
  "maxFailures": 3,
  "findTimeMinutes": 20,
  "blockMinutes": 20,
  "maxBlockMinutes": 1440,
  "strikeMemoryHours": 24,
  "knownPairMaxFailures": 10,
  "loginMaxNetworks": 10,
  "ipMaxLogins": 10,
  "knownNetworkDays": 30,
  "ipv4Prefix": 32,
  "ipv6Prefix": 64,
  "tarpitSeconds": 0,
  "trustedNetworks": [
    "127.0.0.0/8",
    "::1/128"
  ],
  "notify": true
};
