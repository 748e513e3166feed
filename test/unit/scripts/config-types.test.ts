import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { configAjv } from '../../../host/core/plugins/host-level';

/*
 * A plugin's config type and defaults have one definition, its manifest's
 * configSchema: plugins/<id>/config.generated.ts is written from it by the
 * build. These tests fail when the committed file is stale or the generated
 * defaults differ from what the host actually fills in.
 */

const ROOT = path.join(__dirname, '../../..');
const ids = fs.readdirSync(path.join(ROOT, 'plugins')).filter((id) => fs.existsSync(path.join(ROOT, 'plugins', id, 'manifest.json')));

function generated(id: string): string {
  const script = `import(${JSON.stringify(path.join(ROOT, 'scripts/config-types.mjs'))}).then((m) => process.stdout.write(m.configTypesText(JSON.parse(require('fs').readFileSync(${JSON.stringify(path.join(ROOT, 'plugins', id, 'manifest.json'))}, 'utf8')))))`;
  return execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
}

describe('config types and defaults come from the manifest', () => {
  test.each(ids)('%s: config.generated.ts is what its manifest generates', (id) => {
    expect(fs.readFileSync(path.join(ROOT, 'plugins', id, 'config.generated.ts'), 'utf8')).toBe(generated(id));
  });

  test.each(ids)('%s: CONFIG_DEFAULTS equal what the host fills into an empty domain config', (id) => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'plugins', id, 'manifest.json'), 'utf8'));
    const filled: Record<string, unknown> = {};
    expect(configAjv().compile(manifest.configSchema)(filled)).toBe(true);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { CONFIG_DEFAULTS } = require(path.join(ROOT, 'plugins', id, 'config.generated.ts'));
    expect(CONFIG_DEFAULTS).toEqual(filled);
  });

  test('a schema the generator cannot type is refused with its place named', () => {
    const script = `import(${JSON.stringify(path.join(ROOT, 'scripts/config-types.mjs'))}).then((m) => { try { m.configTypesText({ id: 'x', configSchema: { type: 'object', properties: { a: { type: 'null', default: null } } } }); } catch (e) { process.stdout.write(e.message); } })`;
    expect(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })).toBe('plugins/x/manifest.json /configSchema/properties/a: no TypeScript type for this schema (type "null")');
  });
});
