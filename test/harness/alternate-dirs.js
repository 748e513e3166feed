#!/usr/bin/env node
// Adds or removes one directory in alternate_config_directories of the default
// main.cf. Run only under `flock` (see postfix.ts): several test processes
// edit the same file at once. Entries whose directory no longer exists are
// dropped on the way (left by a test that was killed), so the line stays short.
// Usage: node alternate-dirs.js add|remove DIR [MAIN_CF]
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const [op, dir, mainCf = '/etc/postfix/main.cf'] = process.argv.slice(2);
if ((op !== 'add' && op !== 'remove') || !dir || !path.isAbsolute(dir)) {
  process.stderr.write('usage: alternate-dirs.js add|remove ABSOLUTE_DIR [MAIN_CF]\n');
  process.exit(2);
}
const NAME = 'alternate_config_directories';
const text = fs.existsSync(mainCf) ? fs.readFileSync(mainCf, 'utf8') : '';
const lines = text.split('\n');
if (lines[lines.length - 1] === '') lines.pop();
const kept = [];
let values = [];
for (let i = 0; i < lines.length; i++) {
  const l = lines[i];
  const eq = l.indexOf('=');
  if (!/^\s/.test(l) && eq > 0 && l.slice(0, eq).trim() === NAME) {
    // A main.cf logical line continues on lines that start with white space.
    let v = l.slice(eq + 1);
    while (i + 1 < lines.length && /^\s/.test(lines[i + 1]) && lines[i + 1].trim() !== '' && !lines[i + 1].trim().startsWith('#')) v += ' ' + lines[++i];
    values.push(...v.split(/[\s,]+/).filter(Boolean));
    continue;
  }
  kept.push(l);
}
values = [...new Set(values)].filter((v) => v !== dir && (v.includes('$') || fs.existsSync(v)));
if (op === 'add') values.push(dir);
if (values.length) kept.push(`${NAME} = ${values.join(', ')}`);
const out = kept.join('\n') + '\n';
if (out !== text) {
  const tmp = `${mainCf}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, out, { mode: 0o644 });
  fs.renameSync(tmp, mainCf);
}
