import * as fs from 'node:fs';
import * as path from 'node:path';

/*
 * The host's shape, checked from the imports: adapters (how the world reaches
 * mailwarden: CLI, HTTP, gateways, console, log follower, the root helper) sit
 * on core (plugins, pipeline, settings, stores, services), which sits on tools
 * (libraries that know a mail-server format or program and nothing of the
 * core), which sit on the contract (shared/). Arrows point downwards only; an
 * adapter does not reach into another adapter, except the CLI: it is the entry
 * point, which starts the others (`serve`) and probes them (`doctor`). A plugin
 * imports the contract and its own folder.
 */

const ROOT = path.join(__dirname, '../../..');
const LAYERS = ['shared', 'host/tools', 'host/core', 'host/adapters'] as const;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(rel));
    else if (/\.(ts|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** Relative module specifiers of a file: import/export from, import(), require(), side-effect imports. */
function relativeImports(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom|\bimport|\brequire\(|\bimport\()\s*['"](\.{1,2}\/[^'"]*)['"]/g)) specs.push(m[1]);
  return specs;
}

const layerOf = (file: string): number => LAYERS.findIndex((l) => file === l || file.startsWith(l + '/'));
/** The unit an arrow may not cross sideways: an adapter's folder (cli, http, gateways…). */
const adapterOf = (file: string): string | undefined => (file.startsWith('host/adapters/') ? file.split('/')[2] : undefined);

function arrows(): Array<{ from: string; to: string }> {
  const out: Array<{ from: string; to: string }> = [];
  for (const from of [...sources('shared'), ...sources('host'), ...sources('plugins')]) {
    for (const spec of relativeImports(from)) out.push({ from, to: path.normalize(path.join(path.dirname(from), spec)) });
  }
  return out;
}

describe('the host has layers you can see in the folder tree, and arrows only point down', () => {
  const all = arrows();

  test('every host file sits in one layer: host/core, host/adapters or host/tools', () => {
    const stray = sources('host').filter((f) => layerOf(f) < 1);
    expect(stray).toEqual([]);
  });

  test('no import points up a layer', () => {
    const up = all.filter((a) => !a.from.startsWith('plugins/') && layerOf(a.to) > layerOf(a.from));
    expect(up.map((a) => `${a.from} -> ${a.to}`)).toEqual([]);
  });

  test('an adapter does not import another adapter (the CLI, the entry point, may)', () => {
    const sideways = all.filter((a) => adapterOf(a.from) && adapterOf(a.from) !== 'cli' && adapterOf(a.to) && adapterOf(a.from) !== adapterOf(a.to));
    expect(sideways.map((a) => `${a.from} -> ${a.to}`)).toEqual([]);
  });

  test('a plugin imports only the contract and its own folder', () => {
    const out = all.filter((a) => a.from.startsWith('plugins/')).filter((a) => {
      const own = a.from.split('/').slice(0, 2).join('/');
      return !(a.to === 'shared' || a.to.startsWith('shared/') || a.to.startsWith(own + '/') || a.to === own);
    });
    expect(out.map((a) => `${a.from} -> ${a.to}`)).toEqual([]);
  });

  test('the checker sees the arrows it judges (a host with no imports would pass vacuously)', () => {
    expect(all.filter((a) => a.from.startsWith('host/adapters/') && a.to.startsWith('host/core/')).length).toBeGreaterThan(50);
    expect(all.filter((a) => a.from.startsWith('host/core/') && a.to.startsWith('host/tools/')).length).toBeGreaterThan(3);
  });
});
