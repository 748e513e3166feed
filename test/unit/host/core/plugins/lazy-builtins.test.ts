import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lazyBuiltin } from '../../../../../host/core/plugins/lazy-builtins';

const DIST = process.env.MAILWARDEN_DIST ? path.resolve(process.env.MAILWARDEN_DIST) : path.join(__dirname, '../../../../../dist');
const BUILT = path.join(DIST, 'app/host/core/plugins/lazy-builtins.js');

describe('lazyBuiltin (node modules a plugin loads on first use)', () => {
  it('stands in for crypto, child_process and dns only, one stand-in per module', () => {
    expect(lazyBuiltin('node:crypto')).toBe(lazyBuiltin('crypto'));
    expect(lazyBuiltin('node:dns')).toBeDefined();
    expect(lazyBuiltin('node:child_process')).toBeDefined();
    for (const id of ['fs', 'node:fs', 'node:stream', 'inversify', './x']) expect(lazyBuiltin(id)).toBeUndefined();
  });

  it("gives node's own values, keys and descriptors, as a bundle's import helpers read them", () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const real = require('node:crypto') as Record<string, unknown>;
    const lazy = lazyBuiltin('node:crypto') as Record<string, unknown>;
    expect(lazy.createHash).toBe(real.createHash);
    expect((lazy.createHash as typeof import('node:crypto').createHash)('sha256').update('x').digest('hex')).toBe((real.createHash as typeof import('node:crypto').createHash)('sha256').update('x').digest('hex'));
    expect(Object.keys(lazy)).toEqual(Object.keys(real));
    expect('randomBytes' in lazy).toBe(true);
    // tsc's __importStar: for…in, hasOwnProperty, getOwnPropertyDescriptor, defineProperty.
    const copy: Record<string, unknown> = {};
    for (const k in lazy) if (Object.prototype.hasOwnProperty.call(lazy, k)) Object.defineProperty(copy, k, Object.getOwnPropertyDescriptor(lazy, k)!);
    for (const k of Object.keys(real)) expect(copy[k]).toBe(real[k]);
    expect(Object.getPrototypeOf(lazy)).toBe(Object.getPrototypeOf(real));
  });

  const inNode = fs.existsSync(BUILT) ? it : it.skip;
  inNode('loads the module on the first property read, not before', () => {
    const script = `
      const { lazyBuiltin } = require(${JSON.stringify(BUILT)});
      const loaded = () => process.moduleLoadList.includes('NativeModule crypto');
      const out = [loaded()];
      const c = lazyBuiltin('node:crypto');
      out.push(loaded());
      out.push(typeof c.randomBytes, loaded());
      process.stdout.write(JSON.stringify(out));`;
    // A file, not -e: node -e loads crypto itself.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-lazy-builtins-'));
    fs.writeFileSync(path.join(dir, 'check.js'), script);
    const r = spawnSync(process.execPath, [path.join(dir, 'check.js')], { encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([false, false, 'function', true]);
  });
});
