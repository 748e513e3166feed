import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './plugin-fixture';

// MAILWARDEN_DIST: a build of one's own (node build.mjs honours it too), not the checkout's dist/.
const DIST_PLUGINS = path.join(process.env.MAILWARDEN_DIST ? path.resolve(process.env.MAILWARDEN_DIST) : path.join(__dirname, '../../dist'), 'plugins');

/**
 * A fresh plugin directory holding copies of the named plugins as `node build.mjs`
 * built them (npm test builds first), so a test can add fixtures beside them.
 */
export function pluginDirWith(ids: readonly string[]): string {
  const dir = tempDir('mw-plugins-');
  for (const id of ids) {
    const from = path.join(DIST_PLUGINS, id);
    if (!fs.existsSync(path.join(from, 'manifest.json'))) throw new Error(`${from} is not built: run \`node build.mjs\` first (npm test does)`);
    fs.cpSync(from, path.join(dir, id), { recursive: true });
  }
  return dir;
}
