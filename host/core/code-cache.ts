import { isAscii } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

/**
 * CommonJS code run with a V8 code cache beside it (`<file>.cache`, made by
 * build.mjs): the CLI bundle (bin/mailwarden.js) and the shipped plugins'
 * bundles. Compiling their functions as a command first calls them cost more
 * than node's own start; a cache hands V8 the compiled code. Documented APIs
 * only (vm.Script cachedData), run in this realm as node runs a module.
 *
 * A cache file is the source's length, the source itself, then V8's data: it
 * is used only for the very source it was made from (V8 itself checks no more
 * than the length). One that V8 rejects (another node, other flags), or none,
 * costs time, nothing else.
 */
export interface CachedScript {
  readonly exports: unknown;
  /** V8's data for what has been compiled of this code so far, for `<file>.cache`. */
  cache(): Buffer;
}

/** A CommonJS module's parameters; quoted, as build.mjs rewrites the bare names to each module's own folder. */
const PARAM_NAMES = ['exports', 'require', 'module', '__filename', '__dirname'];
const PARAMS = PARAM_NAMES.join(', ');

let mainContext: boolean | undefined;
function inMainContext(): boolean {
  mainContext ??= vm.runInThisContext('globalThis') === globalThis;
  return mainContext;
}

/**
 * `wrapped`: the file holds the function expression itself, `(function (exports, require, module,
 * __filename, __dirname) {…})` (build.mjs writes the CLI bundle so): V8 then compiles the text read,
 * not a copy joined to the wrapper.
 */
export function runCached(file: string, require: (id: string) => unknown, useCache = true, wrapped = false): CachedScript {
  const cached = useCache && inMainContext() ? cacheFor(file) : undefined;
  const source = cached?.source ?? fs.readFileSync(file);
  // vm runs code in node's main context: the code must share this realm's globals and built-ins
  // (plugins do), so in another context (a test runner's) it is this realm's Function, uncached.
  if (!inMainContext()) {
    const mod = { exports: {} as unknown };
    const text = `${source.toString('utf8')}\n//# sourceURL=${file}`;
    const fn = (wrapped ? new Function(`return ${text}\n`)() : new Function(...PARAM_NAMES, text)) as (...a: unknown[]) => void;
    fn.call(mod.exports, mod.exports, require, mod, file, path.dirname(file));
    return {
      exports: mod.exports,
      cache: () => {
        throw new Error(`${file}: no code cache outside node's main context`);
      },
    };
  }
  // esbuild writes ASCII (other characters escaped): read as latin1, a source is copied, not decoded.
  const ascii = isAscii(source);
  const text = ascii ? source.toString('latin1') : source.toString('utf8');
  const script = new vm.Script(wrapped ? text : `(function (${PARAMS}) {${text}\n})`, {
    filename: file,
    cachedData: cached?.data,
  });
  const mod = { exports: {} as unknown };
  (script.runInThisContext() as (...a: unknown[]) => void).call(mod.exports, mod.exports, require, mod, file, path.dirname(file));
  const run: CachedScript = {
    exports: mod.exports,
    cache: () => {
      // The bytes read were a borrowed buffer's (cacheFor); the text run gives them back.
      const bytes = Buffer.from(text, ascii ? 'latin1' : 'utf8');
      const n = Buffer.alloc(4);
      n.writeUInt32LE(bytes.length, 0);
      return Buffer.concat([n, bytes, script.createCachedData()]);
    },
  };
  recording?.set(file, run);
  return run;
}

/** Code run since recordCodeCaches(), by file (build.mjs writes their caches after running commands). */
let recording: Map<string, CachedScript> | undefined;

/** build.mjs: remember the code run from now on (inversify, plugin bundles), to write its caches once commands have run. */
export function recordCodeCaches(): void {
  recording = new Map();
}

/** build.mjs: writes `<file>.cache` for the code run since recordCodeCaches(), with what V8 compiled of it so far; returns the files. */
export function writeCodeCaches(): string[] {
  const runs = recording ?? new Map<string, CachedScript>();
  recording = undefined;
  for (const [file, run] of runs) fs.writeFileSync(`${file}.cache`, run.cache());
  return [...runs.keys()];
}

/**
 * Memory a start-up reads cache files into, reused: the first touch of fresh
 * memory is most of what reading a file costs (on a virtual machine, ten
 * times the copy), and a command reads a dozen caches, 2 MB. Each is used
 * before the next is read (V8 copies what it takes from the data; the
 * source becomes a string). Kept for the process's life: the largest cache,
 * about 1 MB.
 */
let scratch: Buffer | undefined;
/** For comparing a file with the cache's copy of it, piecewise. */
let chunk: Buffer | undefined;

/** The file's bytes in `scratch` (valid until the next call), or undefined when it cannot be read (no cache: compiled from source). */
function readInto(file: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    if (!scratch || scratch.length < size) scratch = Buffer.allocUnsafeSlow(size);
    let got = 0;
    while (got < size) {
      const n = fs.readSync(fd, scratch, got, size - got, got);
      if (n <= 0) break;
      got += n;
    }
    return scratch.subarray(0, got);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * The cache's copy of the source and V8's data, when the file holds exactly that source; both are
 * views of the shared `scratch`, valid until the next cache is read. The file is compared through a
 * small buffer, not read whole: the copy is the source run.
 */
function cacheFor(file: string): { source: Buffer; data: Buffer } | undefined {
  const cache = readInto(`${file}.cache`);
  if (!cache || cache.length < 4) return undefined;
  const n = cache.readUInt32LE(0);
  if (cache.length < 4 + n) return undefined;
  const source = cache.subarray(4, 4 + n);
  const fd = fs.openSync(file, 'r');
  try {
    if (fs.fstatSync(fd).size !== n) return undefined;
    chunk ??= Buffer.allocUnsafeSlow(64 * 1024);
    for (let at = 0; at < n; ) {
      const got = fs.readSync(fd, chunk, 0, Math.min(chunk.length, n - at), at);
      if (got <= 0 || !chunk.subarray(0, got).equals(source.subarray(at, at + got))) return undefined;
      at += got;
    }
    // Grown since its size was read: not the source the cache was made from.
    if (fs.readSync(fd, chunk, 0, 1, n) !== 0) return undefined;
  } finally {
    fs.closeSync(fd);
  }
  return { source, data: cache.subarray(4 + n) };
}
