import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCached } from '../../../../host/core/code-cache';

// The built module, for the checks that need node's main context (a test runs in jest's own).
const DIST = process.env.MAILWARDEN_DIST ? path.resolve(process.env.MAILWARDEN_DIST) : path.join(__dirname, '../../../../dist');
const BUILT = path.join(DIST, 'app/host/core/code-cache.js');

describe('runCached (code run with a V8 code cache beside it)', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-code-cache-'));
    file = path.join(dir, 'mod.js');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs the module as CommonJS in this realm, with its own require, __filename and __dirname', () => {
    fs.writeFileSync(file, "globalThis.__mwCodeCacheSeen = true; module.exports = { f: __filename, d: __dirname, sep: require('node:path').sep, self: this === exports, array: [] };");
    const out = runCached(file, require).exports as { f: string; d: string; sep: string; self: boolean; array: unknown };
    expect(out).toEqual({ f: file, d: dir, sep: path.sep, self: true, array: [] });
    // Plugins share the host's globals and built-ins.
    expect(out.array).toBeInstanceOf(Array);
    expect((globalThis as { __mwCodeCacheSeen?: boolean }).__mwCodeCacheSeen).toBe(true);
  });

  it('runs a file that holds the wrapper function itself (wrapped)', () => {
    fs.writeFileSync(file, '(function (exports, require, module, __filename, __dirname) {module.exports = { d: __dirname, self: this === exports };\n})');
    expect(runCached(file, require, true, true).exports).toEqual({ d: dir, self: true });
  });

  it('throws what the module throws', () => {
    fs.writeFileSync(file, "throw new Error('boom');");
    expect(() => runCached(file, require)).toThrow('boom');
  });

  // In node's main context, where the cache is used.
  const inNode = fs.existsSync(BUILT) ? it : it.skip;
  inNode('uses a cache made from the same source, never one made from another source of the same length or a longer one, and runs from source when the cache is not V8 data', () => {
    const script = `
      const fs = require('node:fs');
      const { runCached } = require(${JSON.stringify(BUILT)});
      const file = ${JSON.stringify(file)};
      const call = () => runCached(file, require).exports();
      const out = [];
      fs.writeFileSync(file, 'module.exports = () => 1;');
      const first = runCached(file, require, false);
      fs.writeFileSync(file + '.cache', first.cache());
      out.push(call());
      // V8 itself takes a cache for any source of the same length (and runs the old code).
      fs.writeFileSync(file, 'module.exports = () => 2;');
      out.push(call());
      const source = fs.readFileSync(file);
      const n = Buffer.alloc(4);
      n.writeUInt32LE(source.length, 0);
      fs.writeFileSync(file + '.cache', Buffer.concat([n, source, Buffer.from('not v8 data')]));
      out.push(call());
      fs.writeFileSync(file + '.cache', 'xy');
      out.push(call());
      // A change past the first 64 kB (the file is compared piecewise), and a file grown past the cached source.
      const pad = '/*' + 'x'.repeat(100_000) + '*/ ';
      fs.writeFileSync(file, pad + 'module.exports = () => 3;');
      fs.writeFileSync(file + '.cache', runCached(file, require, false).cache());
      out.push(call());
      fs.writeFileSync(file, pad + 'module.exports = () => 4;');
      out.push(call());
      fs.writeFileSync(file, pad + 'module.exports = () => 3;');
      out.push(call());
      fs.appendFileSync(file, 'module.exports = () => 5;');
      out.push(call());
      fs.writeFileSync(file, '(function (exports, require, module) {module.exports = () => 6;\\n})');
      fs.writeFileSync(file + '.cache', runCached(file, require, false, true).cache());
      out.push(runCached(file, require, true, true).exports());
      process.stdout.write(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([1, 2, 2, 2, 3, 4, 3, 5, 6]);
  });

  inNode('runs from source when the cache cannot be read (a directory in its place, an empty file)', () => {
    const script = `
      const fs = require('node:fs');
      const { runCached } = require(${JSON.stringify(BUILT)});
      const file = ${JSON.stringify(file)};
      fs.writeFileSync(file, 'module.exports = () => 7;');
      fs.mkdirSync(file + '.cache');
      const out = [runCached(file, require).exports()];
      fs.rmdirSync(file + '.cache');
      fs.writeFileSync(file + '.cache', '');
      out.push(runCached(file, require).exports());
      process.stdout.write(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([7, 7]);
  });

  // ASCII source is read as latin1 (a copy); any other byte must still be read as UTF-8.
  inNode('reads a source with UTF-8 text as UTF-8 and an ASCII one unchanged, with and without its cache', () => {
    const script = `
      const fs = require('node:fs');
      const { runCached } = require(${JSON.stringify(BUILT)});
      const file = ${JSON.stringify(file)};
      const out = [];
      for (const text of ['Passwort zu kurz: mindestens 12 Zeichen, \u00e4\u00f6\u00fc \u2014 \ud83d\udd12', 'plain ASCII ~ 127 \\x7f']) {
        fs.writeFileSync(file, 'module.exports = ' + JSON.stringify(text) + ';', 'utf8');
        const first = runCached(file, require, false);
        fs.writeFileSync(file + '.cache', first.cache());
        out.push(first.exports === text, runCached(file, require).exports === text);
      }
      process.stdout.write(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([true, true, true, true]);
  });
});
