import { type HostConfig, loadHostConfig } from './host-config';

/**
 * The `plugins` section of the config file, read again (SIGHUP): host-level
 * plugin settings may change without a restart. The whole file is checked, so
 * a file broken anywhere is refused (ValidationError) and nothing changes.
 */
export function rereadPluginSections(file: string): HostConfig['plugins'] {
  return loadHostConfig({ configFile: file, env: {} }).plugins;
}
