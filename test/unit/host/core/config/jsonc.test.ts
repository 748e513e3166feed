import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadHostConfig } from '../../../../../host/core/config/host-config';
import { stripJsonComments } from '../../../../../host/core/config/jsonc';
import schema from '../../../../../host/core/config/host-config.schema.json';
import { tempDir } from '../../../../helpers/plugin-fixture';

const SAMPLE = path.join(__dirname, '../../../../../docs/mailwarden.sample.jsonc');

describe('config files with comments', () => {
  test('comments go, strings that look like comments stay, positions are kept', () => {
    const text = '{\n  // a\n  "u": "http://x/*y*/", /* b\n c */ "q": "say \\"//\\"" // end\n}';
    const out = stripJsonComments(text);
    expect(JSON.parse(out)).toEqual({ u: 'http://x/*y*/', q: 'say "//"' });
    expect(out.length).toBe(text.length);
    expect(out.split('\n').length).toBe(text.split('\n').length);
  });

  test('an unterminated block comment is an error naming the file', () => {
    const dir = tempDir('mw-jsonc-');
    const file = path.join(dir, 'c.jsonc');
    fs.writeFileSync(file, '{ "log": { "level": "info" } /* oops');
    expect(() => loadHostConfig({ configFile: file, env: {} })).toThrow(new RegExp(file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
  });

  test('the shipped sample loads, and mentions every option of the schema', () => {
    const c = loadHostConfig({ configFile: SAMPLE, env: {} });
    expect(c.defaultDomain).toBe('example.com');
    expect(c.listen).toEqual({ admin: '127.0.0.1:8440', dovecot: '127.0.0.1:8441', postfix: '127.0.0.1:10040' });
    expect(c.state.backend).toBe('sqlite');
    const text = fs.readFileSync(SAMPLE, 'utf8');
    const missing: string[] = [];
    const walk = (props: Record<string, any>, where: string) => {
      for (const [k, v] of Object.entries(props)) {
        if (!text.includes(`"${k}"`)) missing.push(where + k);
        if (v.properties) walk(v.properties, `${where}${k}.`);
      }
    };
    walk(schema.properties, '');
    expect(missing).toEqual([]);
  });
});
