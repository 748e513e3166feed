import * as fs from 'node:fs';
import * as path from 'node:path';
import * as contract from '../../../../shared';

const ROOT = path.join(__dirname, '../../../..');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [path.join(dir, e.name)] : []));
}

describe('the test kit is a separate entry', () => {
  test('the contract does not export it', () => {
    for (const name of ['loadPlugin', 'PluginHarness', 'ManualClock', 'MemoryStateStore', 'RecordingNotifier']) expect(Object.keys(contract)).not.toContain(name);
  });

  test('no plugin code and no contract file outside shared/testing imports it', () => {
    const importers = [...sources(path.join(ROOT, 'plugins')), ...sources(path.join(ROOT, 'shared')).filter((f) => !f.includes(`${path.sep}testing${path.sep}`))]
      .filter((f) => /from\s+['"][^'"]*\/testing['"]|from\s+['"]\.\/testing['"]/.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(ROOT, f));
    expect(importers).toEqual([]);
  });
});
