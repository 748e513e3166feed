import * as fs from 'node:fs';
import * as path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { tempDir } from './plugin-fixture';

const ROOT = path.join(__dirname, '../..');
const SHARED = path.join(ROOT, 'shared');

/** The contract stays the host's, as build.mjs does it: a bundle imports it, never carries a copy. */
const sharedExternal: Plugin = {
  name: 'shared-external',
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) => {
      const target = path.resolve(args.resolveDir, args.path);
      return target === SHARED || target.startsWith(SHARED + path.sep) ? { path: '@mailwarden/shared', external: true } : undefined;
    });
  },
};

/**
 * A plugin directory with reputation-watch bundled from source the way build.mjs
 * bundles it (so these tests need no full `node build.mjs`), manifest beside it.
 */
export async function reputationPluginDir(): Promise<string> {
  const dir = tempDir('mw-rep-plugins-');
  const out = path.join(dir, 'reputation-watch');
  fs.mkdirSync(out);
  await build({
    entryPoints: [path.join(ROOT, 'plugins/reputation-watch/index.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: path.join(out, 'index.js'),
    external: ['inversify', 'reflect-metadata', '@mailwarden/shared'],
    plugins: [sharedExternal],
    tsconfigRaw: { compilerOptions: { experimentalDecorators: true } },
    logLevel: 'silent',
  });
  fs.copyFileSync(path.join(ROOT, 'plugins/reputation-watch/manifest.json'), path.join(out, 'manifest.json'));
  return dir;
}
