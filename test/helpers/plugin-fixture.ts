import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync, stop as stopEsbuild } from 'esbuild';
import { API_VERSION } from '../../shared';

// esbuild keeps a service per loaded copy of its module: buildSync a worker
// thread, build (reputation-plugin-dir.ts) a child process, both unref'd so
// nothing reports them. Jest loads a fresh copy for every test file, so
// without this a jest worker piles up one per file that builds a plugin and,
// at its end, has to tear them all down: past jest's 500 ms it is killed
// ("A worker process has failed to exit gracefully").
afterAll(() => stopEsbuild());

export interface FixturePlugin {
  /** Manifest fields; the usual ones are filled in. */
  manifest: Record<string, unknown> & { id: string };
  /** TypeScript source of the bundle entry. It imports '@mailwarden/shared' and 'inversify' like a third-party plugin. */
  source: string;
}

export function tempDir(prefix = 'mw-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function manifestFor(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> & { id: string } {
  return {
    id,
    name: `Fixture ${id}`,
    version: '1.0.0',
    apiVersion: API_VERSION,
    description: `test plugin ${id}`,
    entry: 'index.js',
    hooks: [],
    priority: 100,
    enabledByDefault: true,
    configSchema: { type: 'object', properties: {}, additionalProperties: false },
    ...extra,
  };
}

/**
 * Builds a plugin exactly as a third party would, outside this repo: its own
 * folder, its own bundle with the contract and inversify left external.
 */
export function buildFixturePlugin(pluginDir: string, p: FixturePlugin, folder = p.manifest.id): string {
  const dir = path.join(pluginDir, folder);
  fs.mkdirSync(dir, { recursive: true });
  const src = path.join(dir, 'src.ts');
  fs.writeFileSync(src, p.source);
  buildSync({
    entryPoints: [src],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: path.join(dir, String(p.manifest.entry ?? 'index.js')),
    external: ['inversify', 'reflect-metadata', '@mailwarden/shared'],
    tsconfigRaw: { compilerOptions: { experimentalDecorators: true } },
    logLevel: 'silent',
  });
  fs.rmSync(src);
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(p.manifest, null, 2));
  return dir;
}

/** A plugin whose hooks are written inline: `hooks` is the body of an object literal. */
export function hooksPlugin(id: string, hooks: string, manifest: Record<string, unknown> = {}): FixturePlugin {
  const names = [...hooks.matchAll(/^\s*(?:async\s+)?(beforeAuth|afterAuth|afterSuccess|validatePassword|checkRelay|onMail|passwordChanged)\s*\(/gm)].map((m) => m[1]);
  return {
    manifest: manifestFor(id, { hooks: names, ...manifest }),
    source: `
import { ContainerModule } from 'inversify';
import { PluginHooks } from '@mailwarden/shared';
const hooks = {
${hooks}
};
export default new ContainerModule(({ bind }) => { bind(PluginHooks).toConstantValue(hooks); });
`,
  };
}
