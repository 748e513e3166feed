/*
 * The bundled plugins' tests use the plugin SDK only: the contract (shared/),
 * its test kit (shared/testing/) and the plugin's own folder, as a third-party
 * plugin's tests would. A test that reaches into host/ (or into test helpers
 * that build host internals) tests the host, and belongs under test/unit/host
 * or test/integration.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '../../..');
const HERE = path.join(ROOT, 'test/unit/plugins');

/** Tests not yet moved onto the SDK. Shrink it; never grow it. */
const NOT_YET: string[] = [];

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

/** Where a file's relative imports lead that the SDK rule forbids: anything but shared/, plugins/<own id>/ and this test folder. */
function forbiddenImports(file: string): string[] {
  const own = path.relative(HERE, file).split(path.sep)[0];
  const allowed = [path.join(ROOT, 'shared'), path.join(ROOT, 'plugins', own), path.join(HERE, own)];
  const text = fs.readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"](\.[^'"]*)['"]/g)].map((m) => m[1]);
  return specs.filter((s) => {
    const target = path.resolve(path.dirname(file), s);
    return !allowed.some((a) => target === a || target.startsWith(a + path.sep));
  });
}

describe('plugin tests use only the plugin SDK', () => {
  const all = files(HERE).filter((f) => f !== __filename);
  const offenders = Object.fromEntries(all.map((f) => [path.relative(HERE, f), forbiddenImports(f)]).filter(([, bad]) => bad.length));

  test('no test outside the allow-list imports host/ or other test helpers', () => {
    const unexpected = Object.entries(offenders).filter(([f]) => !NOT_YET.includes(f));
    expect(unexpected).toEqual([]);
  });

  test('the allow-list names only files that still need it (drop a file once it is moved onto the SDK)', () => {
    expect(NOT_YET.filter((f) => fs.existsSync(path.join(HERE, f)) && !(f in offenders))).toEqual([]);
  });
});
