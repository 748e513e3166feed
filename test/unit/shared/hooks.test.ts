import * as fs from 'node:fs';
import * as path from 'node:path';
import { HOOK_NAMES, HOOKS } from '../../../shared';

const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../shared/plugin-manifest.schema.json'), 'utf8'));

describe('the hook table', () => {
  test('the manifest schema lists exactly the hooks of the table, in its order', () => {
    expect(schema.properties.hooks.items.enum).toEqual([...HOOK_NAMES]);
  });

  test('HOOK_NAMES is the table, and every hook has a phase and a rule the chain runner knows', () => {
    expect(HOOK_NAMES).toEqual(Object.keys(HOOKS));
    for (const name of HOOK_NAMES) {
      expect(['auth', 'password', 'relay', 'mail']).toContain(HOOKS[name].phase);
      expect(['most-severe', 'first-answer', 'collect', 'all']).toContain(HOOKS[name].rule);
    }
  });
});
