import * as fs from 'node:fs';
import * as path from 'node:path';

/*
 * The host knows no bundled plugin by name: everything a plugin brings (a
 * doctor check, a report section, main.cf lines, trusted networks, a console
 * view) reaches the host through its contribution points. Comments, strings,
 * JSON schema descriptions and console assets count: a name in any of them is
 * the start of a special case.
 */

const ROOT = path.join(__dirname, '..', '..', '..');
const HOST = path.join(ROOT, 'host');

/** Every bundled plugin (a folder of plugins/ with a manifest), whatever is added later. */
function bundledIds(): string[] {
  return fs
    .readdirSync(path.join(ROOT, 'plugins'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(ROOT, 'plugins', d.name, 'manifest.json')))
    .map((d) => d.name);
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? filesUnder(p) : d.isFile() ? [p] : [];
  });
}

function hits(pattern: RegExp): string[] {
  const out: string[] = [];
  for (const file of filesUnder(HOST)) {
    const lines = fs.readFileSync(file, 'latin1').split('\n');
    lines.forEach((l, i) => {
      if (pattern.test(l)) out.push(`${path.relative(ROOT, file)}:${i + 1}: ${l.trim().slice(0, 160)}`);
    });
  }
  return out;
}

test('the plugins folder still holds the plugins named here (new ones are picked up from it)', () => {
  expect(bundledIds()).toEqual(expect.arrayContaining(['trusted-ips', 'password-bruteforce', 'password-sizestrength', 'sender-ratelimit', 'queue-monitor', 'reputation-watch']));
});

test('no file under host/ names a bundled plugin', () => {
  const names = [...new Set(['trusted-ips', 'password-bruteforce', 'password-sizestrength', 'sender-ratelimit', 'queue-monitor', 'reputation-watch', ...bundledIds()])];
  expect(hits(new RegExp(names.map((n) => n.replace(/[-]/g, '\\-')).join('|')))).toEqual([]);
});

test('the search would see a name (the test can fail)', () => {
  expect(hits(/mailwarden/).length).toBeGreaterThan(0);
});
