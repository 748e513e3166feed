import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './plugin-fixture';

/**
 * A command directory with a `postqueue` that prints a fixture and a
 * `postsuper` that records what it was asked (flags and stdin) and answers
 * like Postfix does, counting the IDs it was given that the fixture holds.
 */
export function fakePostfixCommands(fixture: string) {
  const dir = tempDir('mw-fake-postfix-');
  const calls = path.join(dir, 'postsuper-calls.jsonl');
  fs.writeFileSync(path.join(dir, 'postqueue'), `#!${process.execPath}
process.stdout.write(require('fs').readFileSync(${JSON.stringify(fixture)}));
`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'postsuper'), `#!${process.execPath}
const fs = require('fs');
const ids = fs.readFileSync(0, 'utf8').split('\\n').filter(Boolean);
const known = fs.readFileSync(${JSON.stringify(fixture)}, 'utf8');
const n = ids.filter((id) => known.includes('"queue_id": "' + id + '"')).length;
fs.appendFileSync(${JSON.stringify(calls)}, JSON.stringify({ argv: process.argv.slice(2), ids }) + '\\n');
const label = { '-h': 'Placed on hold', '-H': 'Released from hold', '-d': 'Deleted' }[process.argv[process.argv.length - 2]];
process.stderr.write('postsuper: ' + label + ': ' + n + ' message' + (n === 1 ? '' : 's') + '\\n');
`, { mode: 0o755 });
  const postsuperCalls = (): Array<{ argv: string[]; ids: string[] }> =>
    fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
  return { dir, postqueuePath: path.join(dir, 'postqueue'), postsuperPath: path.join(dir, 'postsuper'), postsuperCalls };
}
