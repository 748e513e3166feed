/** The plugin's per-domain settings, as the manifest's configSchema fills them in. */
export interface TrustedIpsConfig {
  readonly relayContext: string;
  readonly limitContext: string;
  readonly tableFile: string;
  readonly applyOnChange: boolean;
  readonly reloadCommand: readonly string[];
  readonly cacheSeconds: number;
  readonly minPrefixV4: number;
  readonly minPrefixV6: number;
}

/** The manifest defaults, for a host that lends no config to commands. */
export const DEFAULT_CONFIG: TrustedIpsConfig = {
  relayContext: 'relay',
  limitContext: 'limits',
  tableFile: '/etc/postfix/mailwarden-trusted.cidr',
  applyOnChange: true,
  reloadCommand: ['postfix', 'reload'],
  cacheSeconds: 2,
  minPrefixV4: 16,
  minPrefixV6: 48,
};

/** Scope of an entry: one domain, or every domain. */
export const GLOBAL_SCOPE = '*';
