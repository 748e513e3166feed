#!/usr/bin/env node
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const app = path.join(__dirname, '..', 'dist', 'app');
const main = path.join(app, 'host', 'adapters', 'cli', 'main.js');
// build.mjs bundles main.js and the host code it loads into one file, and makes its code cache
// (resolving, reading and compiling a hundred modules one by one cost a command more than node's
// own start): run with host/core/code-cache.ts. main.js when there is no bundle.
const bundle = path.join(app, 'host', 'cli.js');

if (fs.existsSync(bundle)) {
  const { runCached } = require(path.join(app, 'host', 'core', 'code-cache.js'));
  runCached(bundle, require('node:module').createRequire(bundle), true, true).exports.runCli(process.argv.slice(2));
} else if (fs.existsSync(main)) {
  require(main).runCli(process.argv.slice(2));
} else {
  process.stderr.write('mailwarden: not built yet; run `npm run build` in ' + path.dirname(__dirname) + '\n');
  process.exit(1);
}
