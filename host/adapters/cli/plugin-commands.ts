import * as fs from 'node:fs';
import * as path from 'node:path';

/** A command as a plugin's manifest declares it (`contributes.commands`). */
export interface DeclaredCommand {
  /** The plugin that declares it (its manifest id). */
  readonly plugin: string;
  /** Its manifest file. */
  readonly manifestFile: string;
  readonly name: string;
  readonly summary: string;
  readonly usage?: string;
}

/**
 * The plugin of the plugin directory whose manifest declares command `name`,
 * read from the manifests alone: which plugin to load for a command, and its
 * usage for `--help`, are known without running any plugin's code. A manifest
 * that cannot be read declares nothing here; loading reports it as it always has.
 */
export function declaredCommand(pluginDir: string, name: string): DeclaredCommand | undefined {
  let dirs: fs.Dirent[];
  try {
    dirs = fs.readdirSync(pluginDir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  for (const d of dirs.filter((x) => x.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const manifestFile = path.join(pluginDir, d.name, 'manifest.json');
    let manifest: { id?: unknown; contributes?: { commands?: unknown } };
    try {
      manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    } catch {
      continue;
    }
    const commands = manifest?.contributes?.commands;
    if (typeof manifest?.id !== 'string' || !Array.isArray(commands)) continue;
    const c = commands.find((x) => x?.name === name);
    if (c && typeof c.summary === 'string') return { plugin: manifest.id, manifestFile, name, summary: c.summary, ...(typeof c.usage === 'string' ? { usage: c.usage } : {}) };
  }
  return undefined;
}
