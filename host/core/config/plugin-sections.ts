import fs from 'node:fs';
import path from 'node:path';
import { checkHostSection } from '../plugins/host-level';
import { type CheckedManifest, readManifest } from '../plugins/manifest';
import type { Problem } from '../validation/ajv';
import type { HostConfig } from './host-config';

/**
 * `config test`: each `plugins.<id>` section checked against that plugin's
 * manifest in the plugin directory, as the loader will check it, without
 * running any plugin code. A section that names no installed plugin, or a
 * plugin whose manifest is broken, is a warning: the service starts anyway.
 */
export function checkPluginSections(config: Pick<HostConfig, 'pluginDir' | 'plugins'>): { problems: Problem[]; warnings: string[] } {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const sections = config.plugins ?? {};
  let names: string[];
  try {
    names = fs.readdirSync(config.pluginDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch (e) {
    warnings.push(`plugin directory ${config.pluginDir} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the plugins sections are not checked`);
    return { problems, warnings };
  }
  const known = new Set<string>();
  for (const name of names) {
    const file = path.join(config.pluginDir, name, 'manifest.json');
    if (!fs.existsSync(file)) continue;
    let checked: CheckedManifest;
    try {
      checked = readManifest(file);
    } catch (e) {
      warnings.push(`${(e as Error).message} (the service skips this plugin)`);
      continue;
    }
    const { manifest, hostKeys, validateHostConfig } = checked;
    known.add(manifest.id);
    const all = Object.keys((manifest.configSchema.properties as object | undefined) ?? {});
    problems.push(...checkHostSection(manifest.id, sections[manifest.id], hostKeys, validateHostConfig, all).problems);
  }
  for (const id of Object.keys(sections)) {
    if (!known.has(id)) warnings.push(`plugins.${id} names no plugin in ${config.pluginDir}; its settings apply to nothing`);
  }
  return { problems, warnings };
}
