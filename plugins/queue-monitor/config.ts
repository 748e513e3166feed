import type { Config } from './config.generated';
import type { QueueName } from '../../shared';

/** The plugin's config, as the manifest's configSchema fills it in. */
export type QueueMonitorConfig = Config & { readonly queueThresholds: Readonly<Partial<Record<QueueName, number>>> };

/** What one tick works with: the global settings plus every domain's recipients. */
export interface MonitorSettings {
  readonly config: QueueMonitorConfig;
  /** Explicit recipients of every scope, merged. */
  readonly recipients: readonly string[];
  /** A scope without its own recipients wants the host's admin address. */
  readonly copyAdmin: boolean;
}

/**
 * The queue is one for the whole server, so thresholds come from the global
 * settings (or, when the plugin is enabled only for some domains, from the
 * first of them); recipients come from every scope that has the plugin enabled.
 * Undefined when it is enabled nowhere.
 */
export function resolveSettings(configs: ReadonlyMap<string, Readonly<Record<string, unknown>>>): MonitorSettings | undefined {
  if (configs.size === 0) return undefined;
  const scopes = [...configs.keys()].sort();
  const main = (configs.get('*') ?? configs.get(scopes[0])) as unknown as QueueMonitorConfig;
  const recipients = new Set<string>();
  let copyAdmin = false;
  for (const s of scopes) {
    const list = (configs.get(s) as unknown as QueueMonitorConfig).recipients ?? [];
    if (list.length === 0) copyAdmin = true;
    for (const r of list) recipients.add(r.toLowerCase());
  }
  return { config: main, recipients: [...recipients], copyAdmin };
}
