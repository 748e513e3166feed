// Builds the admin console into static files (dist/console/): no CDN, no
// framework, one bundled script. Called by build.mjs.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

export async function buildConsole({ root, dist }) {
  const here = path.join(root, 'host', 'adapters', 'console');
  const out = path.join(dist, 'console');
  // esbuild strips types without checking them: the console's own tsconfig (DOM lib) does that.
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(here, 'tsconfig.json')], { stdio: 'inherit' });
  fs.mkdirSync(out, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(here, 'src', 'main.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap: false,
    outfile: path.join(out, 'app.js'),
    logLevel: 'warning',
    legalComments: 'none',
  });
  for (const f of ['index.html', 'style.css', 'favicon.svg']) fs.copyFileSync(path.join(here, f), path.join(out, f));
}
