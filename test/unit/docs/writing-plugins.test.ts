import * as fs from 'node:fs';
import * as path from 'node:path';
import { HOOK_NAMES } from '../../../shared';

/*
 * docs/writing-plugins.md is the reference a plugin author works from: every
 * contribution point the manifest schema offers, and every hook, must be in
 * it, so a point added to the contract without its documentation fails here.
 */

const root = path.join(__dirname, '../../..');
const doc = fs.readFileSync(path.join(root, 'docs/writing-plugins.md'), 'utf8');
const schema = JSON.parse(fs.readFileSync(path.join(root, 'shared/plugin-manifest.schema.json'), 'utf8'));

test('every contribution point of the manifest schema is shown in a manifest snippet of the guide', () => {
  const points = Object.keys(schema.properties.contributes.properties);
  expect(points.length).toBeGreaterThan(0);
  expect(points.filter((p) => !doc.includes(`"${p}": [`))).toEqual([]);
});

test('every top-level manifest field is explained in the guide', () => {
  const fields = Object.keys(schema.properties).filter((f) => f !== '$schema');
  expect(fields.filter((f) => !doc.includes(`\`${f}\``))).toEqual([]);
});

test('every hook of the contract is in the guide', () => {
  expect(HOOK_NAMES.filter((h) => !doc.includes(`\`${h}\``))).toEqual([]);
});

test('the worked example the guide points to exists, and declares one of each contribution point', () => {
  const dir = path.join(root, 'test/fixtures/third-party-plugin');
  expect(doc).toContain('test/fixtures/third-party-plugin/');
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  for (const p of Object.keys(schema.properties.contributes.properties)) expect([p, manifest.contributes[p]?.length]).toEqual([p, 1]);
  expect(fs.existsSync(path.join(dir, manifest.entry))).toBe(true);
});
