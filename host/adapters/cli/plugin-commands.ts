import fs from 'node:fs';
import path from 'node:path';

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
 * Every command the plugin directory's manifests declare, read from the
 * manifests alone: which plugin to load for a command, its usage for
 * `--help` and the list `mailwarden help` prints are known without running
 * any plugin's code. A manifest that cannot be read declares nothing here;
 * loading reports it as it always has.
 */
export function declaredCommands(pluginDir: string): DeclaredCommand[] {
  let dirs: fs.Dirent[];
  try {
    dirs = fs.readdirSync(pluginDir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: DeclaredCommand[] = [];
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
    for (const c of commands) {
      if (typeof c?.name !== 'string' || typeof c.summary !== 'string') continue;
      out.push({ plugin: manifest.id, manifestFile, name: c.name, summary: c.summary, ...(typeof c.usage === 'string' ? { usage: c.usage } : {}) });
    }
  }
  return out;
}

/** The plugin whose manifest declares command `name` (the first, by folder name). */
export function declaredCommand(pluginDir: string, name: string): DeclaredCommand | undefined {
  return declaredCommands(pluginDir).find((c) => c.name === name);
}
