#!/usr/bin/env node
'use strict';
// Runs every bench/*.bench.js in turn, each in its own process so one
// benchmark's heap and JIT state do not colour the next. Figures are ratios
// against a baseline measured in the same run (the machines are shared).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const only = process.argv.slice(2);
// Benchmarks with helpers of their own live in a folder (fleet/).
const files = [...fs.readdirSync(__dirname), ...fs.readdirSync(path.join(__dirname, 'fleet')).map((f) => `fleet/${f}`)]
  .filter((f) => f.endsWith('.bench.js')).sort()
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
let failed = 0;
for (const f of files) {
  process.stdout.write(`\n=== ${f}\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(__dirname, f)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`!!! ${f} exited with ${r.status ?? r.signal}\n`);
  }
}
process.exit(failed ? 1 : 0);
