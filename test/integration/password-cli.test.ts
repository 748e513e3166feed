import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../host/core/paths';
import { runCli } from '../helpers/cli';
import { cli } from '../helpers/cli-run';
import { describeWith } from '../helpers/system';
import { tempDir } from '../helpers/plugin-fixture';
import { realPluginDir } from '../helpers/real-plugin';

const GOOD = 'Été2024!x';

function setup(hostConfig: Record<string, unknown> = {}, o: { legacyRules?: boolean } = {}) {
  const dir = tempDir('mw-cli-');
  const config = path.join(dir, 'mailwarden.json');
  fs.writeFileSync(config, JSON.stringify({ dataDir: path.join(dir, 'data'), pluginDir: realPluginDir('password-sizestrength'), log: { level: 'warn' }, ...hostConfig }));
  const args = ['--config', config];
  // These tests are about the command, written against the composition rules (8+ characters, classes, strength 2):
  // the bluemind profile with those values (the NIST default is tested in test/unit/plugins/password-sizestrength).
  if (o.legacyRules !== false) beforeAll(async () => {
    expect((await cli(['config', 'set', 'password-sizestrength', 'profile=bluemind', 'minLength=8', 'minStrength=2', ...args])).code).toBe(0);
  }, 60_000);
  return { dir, args };
}

describe('mailwarden password check', () => {
  const { args } = setup();

  test('exit 0 when accepted, reading the password from stdin', async () => {
    const r = await cli(['password', 'check', '--domain', 'example.com', '--login', 'alice', '--name', 'Alice Martin', ...args], `${GOOD}\n`);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe('accepted: the password meets the policy of example.com for alice@example.com\n');
  });

  test('exit 3 with each violation, in the language asked', async () => {
    const r = await cli(['password', 'check', '--domain', 'example.com', '--login', 'alice', '--lang', 'fr', ...args], 'alice2024\n');
    expect(r.code).toBe(3);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('refused for alice@example.com: 4 rules not met');
    expect(lines.slice(1).map((l) => l.slice(l.lastIndexOf('[')))).toEqual([
      '[password-sizestrength:minUpper]', '[password-sizestrength:minSpecial]', '[password-sizestrength:loginParts]', '[password-sizestrength:minStrength]',
    ]);
    expect(lines[1]).toBe('  - Le mot de passe doit contenir au moins 1 lettre majuscule (0 trouvé). [password-sizestrength:minUpper]');
  });

  test('--json gives every violation with all three messages', async () => {
    const r = await cli(['password', 'check', '--domain', 'example.com', '--login', 'alice', '--lang', 'de', '--json', ...args], 'Aa1!\n');
    expect(r.code).toBe(3);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: false, login: 'alice@example.com', domain: 'example.com', lang: 'de', policies: ['password-sizestrength'] });
    expect(j.violations[0]).toEqual({
      rule: 'minLength', plugin: 'password-sizestrength', params: { min: 8, length: 4 },
      message: 'Das Passwort ist zu kurz: 4 Zeichen, mindestens 8 erforderlich.',
      messages: {
        en: 'The password is too short: 4 characters, at least 8 required.',
        fr: 'Le mot de passe est trop court : 4 caractères, au moins 8 requis.',
        de: 'Das Passwort ist zu kurz: 4 Zeichen, mindestens 8 erforderlich.',
      },
    });
  });

  test('only the final newline is stripped: inner and leading spaces are part of the password', async () => {
    const r = await cli(['password', 'check', '--login', 'alice', '--json', ...args], ' Aa1!\r\n');
    expect(JSON.parse(r.stdout).violations[0].params).toEqual({ min: 8, length: 5 });
  });

  test('the installed binary reads the password from a real pipe and exits 3 on refusal', async () => {
    const r = await runCli(['password', 'check', '--domain', 'example.com', '--login', 'alice', '--json', ...args], { input: 'Aa1!\n', timeoutMs: 60000 });
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).violations.map((v: { rule: string }) => v.rule)).toContain('minLength');
  });

  test('a password on the command line is refused, not used', async () => {
    const r = await cli(['password', 'check', '--login', 'alice', GOOD, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unexpected argument');
    expect(r.stderr).toContain('read from standard input, never from the command line');
    expect(r.stderr).not.toContain(GOOD);
  });

  test.each([
    [['password'], 'a subcommand is required (check, set)'],
    [['password', 'rotate', '--login', 'a'], 'unknown subcommand "rotate"'],
    [['password', 'check'], '--login is required'],
    [['password', 'check', '--login', 'a', '--lang', 'es'], '--lang must be en, fr or de, not "es"'],
    [['password', 'check', '--login', 'a', '--domain', 'bad..domain'], '"bad..domain" is not a valid domain name'],
  ])('usage error for %j', async (argv, message) => {
    const r = await cli([...argv, ...args], 'x\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  test('invalid UTF-8 on stdin is refused with a clear message', async () => {
    const r = await cli(['password', 'check', '--login', 'alice', ...args], Buffer.from([0x41, 0xff, 0xfe, 0x0a]));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('mailwarden: the password on standard input is not valid UTF-8\n');
  });

  test('more than 1 MiB on stdin is refused before decoding', async () => {
    const r = await cli(['password', 'check', '--login', 'alice', ...args], Buffer.alloc((1 << 20) + 1, 0x61));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('longer than 1048576 bytes');
  });
});

const withDoveadm = describeWith('/usr/bin/doveadm', 'dovecot-core');

const SCRIPT = path.join(packageRoot(), 'docs', 'examples', 'dovecot-passwd-set.sh');

withDoveadm('mailwarden password set with the documented Dovecot passwd-file script', () => {
  const usersFile = path.join(tempDir('mw-dove-'), 'users');
  fs.writeFileSync(usersFile, '# test accounts\nalice@example.com:{PLAIN}old-secret:1000:1000::/home/alice\nbob@example.com:{PLAIN}bob-secret::\n', { mode: 0o640 });
  const { args } = setup({ passwords: { setCommand: [SCRIPT, usersFile, '{login}'] } });
  const users = () => fs.readFileSync(usersFile, 'utf8');
  const hashOf = (login: string) => users().split('\n').find((l) => l.startsWith(`${login}:`))!.split(':')[1];
  const verifies = (hash: string, password: string) => {
    try {
      execFileSync('doveadm', ['pw', '-t', hash, '-p', password], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  };

  test('the script in docs/password-policy.md is the one tested here, verbatim', () => {
    const doc = fs.readFileSync(path.join(packageRoot(), 'docs', 'password-policy.md'), 'utf8');
    expect(doc).toContain('```sh\n' + fs.readFileSync(SCRIPT, 'utf8') + '```');
  });

  test('sets a SHA512-CRYPT hash that doveadm verifies, leaving the other lines alone', async () => {
    const bob = users().split('\n')[2];
    const r = await cli(['password', 'set', '--domain', 'example.com', '--login', 'Alice', ...args], `${GOOD}\n`);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe('changed: password of alice@example.com set and recorded\n');
    const lines = users().split('\n');
    expect(lines[0]).toBe('# test accounts');
    expect(lines[1]).toMatch(/^alice@example\.com:\{SHA512-CRYPT\}\$6\$[^:]+:1000:1000::\/home\/alice$/);
    expect(lines[2]).toBe(bob);
    expect(verifies(hashOf('alice@example.com'), GOOD)).toBe(true);
    expect(verifies(hashOf('alice@example.com'), 'old-secret')).toBe(false);
    expect(fs.statSync(usersFile).mode & 0o777).toBe(0o640);
  });

  test('reusing the current password is refused by history and the file is untouched', async () => {
    const before = users();
    const r = await cli(['password', 'set', '--domain', 'example.com', '--login', 'alice', ...args], `${GOOD}\n`);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('[password-sizestrength:history]');
    expect(users()).toBe(before);
  });

  test('a refused password never reaches the script', async () => {
    const before = users();
    const r = await cli(['password', 'set', '--domain', 'example.com', '--login', 'bob', ...args], 'bob\n');
    expect(r.code).toBe(3);
    expect(users()).toBe(before);
  });

  test('an account missing from the passwd-file: exit 1, file unchanged, nothing recorded', async () => {
    const before = users();
    const r = await cli(['password', 'set', '--domain', 'example.com', '--login', 'carol', ...args], 'Kx9!mwQ2#vb\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the password was NOT changed');
    expect(r.stderr).toContain('carol@example.com: no such account');
    expect(users()).toBe(before);
    // Not recorded: the same password is still acceptable for carol.
    expect((await cli(['password', 'check', '--domain', 'example.com', '--login', 'carol', ...args], 'Kx9!mwQ2#vb\n')).code).toBe(0);
  });

  test('a second change works and the previous password is now history', async () => {
    const next = 'Zweites#Pw2026';
    expect((await cli(['password', 'set', '--domain', 'example.com', '--login', 'alice', ...args], `${next}\n`)).code).toBe(0);
    expect(verifies(hashOf('alice@example.com'), next)).toBe(true);
    const back = await cli(['password', 'check', '--domain', 'example.com', '--login', 'alice', '--json', ...args], `${GOOD}\n`);
    expect(JSON.parse(back.stdout).violations.map((v: { rule: string }) => v.rule)).toEqual(['history']);
  });
});

test('password set without passwords.setCommand is a usage error before the password is read', async () => {
  const { args } = setup({}, { legacyRules: false });
  const r = await cli(['password', 'set', '--login', 'alice', ...args], `${GOOD}\n`);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('passwords.setCommand is not set in the host config');
});
