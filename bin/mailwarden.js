#!/usr/bin/env node
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const app = path.join(__dirname, '..', 'dist', 'app');
const main = path.join(app, 'host', 'adapters', 'cli', 'main.js');
const bundle = path.join(app, 'host', 'cli.js');

/**
 * Runs the CLI bundle (build.mjs bundles main.js and the host code it loads into
 * dist/app/host/cli.js) with the V8 code cache build.mjs made for it: resolving,
 * reading and compiling a hundred modules one by one cost a command more than
 * node's own start. Documented APIs only (vm.Script cachedData).
 * The cache is used only for the very source it was made from: V8 itself
 * checks no more than the source's length. A cache V8 rejects (another node,
 * other flags) or none costs time, nothing else.
 */
function loadCli(file, useCache = true) {
  const vm = require('node:vm');
  const { createRequire } = require('node:module');
  const source = fs.readFileSync(file);
  let cachedData;
  if (useCache) {
    try {
      const cache = fs.readFileSync(file + '.cache');
      const n = cache.readUInt32LE(0);
      if (n === source.length && cache.subarray(4, 4 + n).equals(source)) cachedData = cache.subarray(4 + n);
    } catch {
      // No cache (not made, or unreadable): compiled from source.
    }
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source.toString('utf8')}\n})`, { filename: file, cachedData });
  const mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, createRequire(file), mod, file, path.dirname(file));
  return { cli: mod.exports, script, source };
}

/** The cache file for `source`: its length, itself, then V8's data (see loadCli). */
function codeCache(source, data) {
  const n = Buffer.alloc(4);
  n.writeUInt32LE(source.length, 0);
  return Buffer.concat([n, source, data]);
}

module.exports = { loadCli, codeCache };

if (require.main === module) {
  if (fs.existsSync(bundle)) loadCli(bundle).cli.runCli(process.argv.slice(2));
  else if (fs.existsSync(main)) require(main).runCli(process.argv.slice(2));
  else {
    process.stderr.write('mailwarden: not built yet; run `npm run build` in ' + path.dirname(__dirname) + '\n');
    process.exit(1);
  }
}
