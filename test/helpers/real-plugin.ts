import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultPluginDir } from '../../host/core/paths';
import { tempDir } from './plugin-fixture';

/**
 * A plugin directory holding only the named built plugins (from dist/plugins,
 * which `npm test` builds first), so a test sees exactly the plugins it names.
 */
export function realPluginDir(...ids: string[]): string {
  const dir = tempDir('mw-plugins-');
  for (const id of ids) {
    // MAILWARDEN_DIST: a build of one's own (node build.mjs honours it too), not the checkout's dist/.
    const from = path.join(process.env.MAILWARDEN_DIST ? path.join(path.resolve(process.env.MAILWARDEN_DIST), 'plugins') : defaultPluginDir(), id);
    if (!fs.existsSync(path.join(from, 'manifest.json'))) throw new Error(`${from} is not built: run \`node build.mjs\` (npm test does it first)`);
    fs.cpSync(from, path.join(dir, id), { recursive: true });
  }
  return dir;
}
