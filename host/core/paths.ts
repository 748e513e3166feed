import fs from 'node:fs';
import path from 'node:path';

let root: string | undefined;

/**
 * The mailwarden package folder, whether the host runs from TypeScript (tests)
 * or from dist/app (installed): the nearest parent with our package.json.
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = __dirname;
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj) && JSON.parse(fs.readFileSync(pj, 'utf8')).name === 'mailwarden') return (root = dir);
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the mailwarden package folder above ${__dirname}`);
    dir = up;
  }
}

export const defaultPluginDir = () => path.join(packageRoot(), 'dist', 'plugins');
export const manifestSchemaFile = () => path.join(packageRoot(), 'shared', 'plugin-manifest.schema.json');
