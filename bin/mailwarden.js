#!/usr/bin/env node
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const main = path.join(__dirname, '..', 'dist', 'app', 'host', 'adapters', 'cli', 'main.js');
if (!fs.existsSync(main)) {
  process.stderr.write('mailwarden: not built yet; run `npm run build` in ' + path.dirname(__dirname) + '\n');
  process.exit(1);
}
require(main).runCli(process.argv.slice(2));
