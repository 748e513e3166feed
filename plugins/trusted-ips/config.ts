/**
 * The plugin's settings, as the manifest's configSchema fills them in. The
 * Postfix wiring (contexts, table file, reload command) and the breadth guard
 * are host-level: the host takes them from its config file only and gives the
 * same values to every domain.
 */
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

/**
 * The settings that write the table and guard breadth: the host's config
 * file values (host-level), whatever domains have the plugin enabled.
 */
export function hostWideConfig(host: Readonly<Record<string, unknown>>): TrustedIpsConfig {
  return { ...DEFAULT_CONFIG, ...(host as Partial<TrustedIpsConfig>) };
}
