import { CONFIG_DEFAULTS, type Config } from './config.generated';

/**
 * The plugin's settings, as the manifest's configSchema fills them in. The
 * Postfix wiring (contexts, table file, reload command) and the breadth guard
 * are host-level: the host takes them from its config file only and gives the
 * same values to every domain.
 */
export type TrustedIpsConfig = Config;

/** The manifest defaults, for a host that lends no config to commands. */
export const DEFAULT_CONFIG: TrustedIpsConfig = CONFIG_DEFAULTS;

/** Scope of an entry: one domain, or every domain. */
export const GLOBAL_SCOPE = '*';

/**
 * The settings that write the table and guard breadth: the host's config
 * file values (host-level), whatever domains have the plugin enabled.
 */
export function hostWideConfig(host: Readonly<Record<string, unknown>>): TrustedIpsConfig {
  return { ...DEFAULT_CONFIG, ...(host as Partial<TrustedIpsConfig>) };
}
