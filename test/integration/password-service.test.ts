import { GLOBAL } from '../../host/core/domains/domain-settings';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { App } from '../../host/core/app';
import { PasswordService } from '../../host/core/password/password-service';
import { PasswordSetError } from '../../host/core/password/set-command';
import { tempDir } from '../helpers/plugin-fixture';
import { realPluginDir } from '../helpers/real-plugin';
import { testApp } from '../helpers/test-app';

const ID = 'password-sizestrength';
const GOOD = 'Été2024!x';
const LEGACY = { profile: 'bluemind', minLength: 8, minStrength: 2 };

async function open(config: Record<string, unknown> = {}) {
  const t = await testApp({ pluginDir: realPluginDir(ID), config: config as never });
  expect(await t.app.loadPlugins()).toEqual([]);
  // Written against the composition rules (8+ characters, classes, strength 2): the bluemind profile with those values.
  await t.app.settings.setConfig(GLOBAL, t.app.registry.get(ID)!, LEGACY, 'test');
  return { ...t, passwords: new PasswordService(t.app) };
}
const plugin = (app: App) => app.registry.get(ID)!;

describe('checkPassword through the real plugin', () => {
  let t: Awaited<ReturnType<typeof open>>;
  beforeAll(async () => {
    t = await open();
    await t.app.settings.addDomain('strict.example', 'test', 'de');
    await t.app.settings.addDomain('lax.example', 'test', 'fr');
    await t.app.settings.setConfig('strict.example', plugin(t.app), { minLength: 14 }, 'test');
    await t.app.settings.setEnabled('lax.example', plugin(t.app), false, 'test');
  });
  afterAll(() => t.app.close());

  test('the login is normalised and joins the domain', async () => {
    const v = await t.passwords.checkPassword({ domain: 'Strict.Example', login: '  Alice ', password: GOOD });
    expect(v).toMatchObject({ login: 'alice@strict.example', domain: 'strict.example', policies: [ID] });
  });

  test('each domain has its own policy; messages in the domain locale unless asked', async () => {
    const strict = await t.passwords.checkPassword({ login: 'alice@strict.example', password: GOOD });
    expect(strict.ok).toBe(false);
    expect(strict.lang).toBe('de');
    expect(strict.violations).toEqual([expect.objectContaining({ rule: 'minLength', plugin: ID, params: { min: 14, length: 9 }, text: 'Das Passwort ist zu kurz: 9 Zeichen, mindestens 14 erforderlich.' })]);
    const en = await t.passwords.checkPassword({ login: 'alice@strict.example', password: GOOD, lang: 'en-GB' });
    expect(en.violations[0].text).toBe('The password is too short: 9 characters, at least 14 required.');
    // A domain that was never added uses the global settings (defaults here).
    expect((await t.passwords.checkPassword({ login: 'alice@other.example', password: GOOD })).ok).toBe(true);
  });

  test('a domain with the plugin disabled has no policy', async () => {
    const v = await t.passwords.checkPassword({ login: 'alice@lax.example', password: 'a' });
    expect(v).toMatchObject({ ok: true, policies: [], violations: [], lang: 'fr' });
  });

  test('every failed rule is its own violation, each in three languages', async () => {
    const v = await t.passwords.checkPassword({ login: 'alice@other.example', password: 'alice', displayName: 'Alice Martin' });
    expect(v.violations.map((x) => x.rule)).toEqual(['minLength', 'minDigits', 'minUpper', 'minSpecial', 'loginParts', 'common', 'minStrength']);
    for (const x of v.violations) expect(Object.keys(x.message).sort()).toEqual(['de', 'en', 'fr']);
  });

  test('a login of another domain than the one given is an error', async () => {
    await expect(t.passwords.checkPassword({ domain: 'strict.example', login: 'alice@lax.example', password: GOOD })).rejects.toThrow('login "alice@lax.example" belongs to lax.example, not to strict.example');
  });

  test('a display name longer than 256 characters is refused by name', async () => {
    await expect(t.passwords.checkPassword({ login: 'alice', password: GOOD, displayName: 'Jean '.repeat(60) })).rejects.toThrow('/displayName is longer than 256 characters');
  });

  test('an unknown language is refused by name', async () => {
    await expect(t.passwords.checkPassword({ login: 'alice', password: GOOD, lang: 'es' })).rejects.toThrow('/lang "es" is not a language we offer (en, fr, de)');
  });

  test('a 100k-character input is answered with maxLength alone', async () => {
    const v = await t.passwords.checkPassword({ login: 'alice@other.example', password: 'Aa1!'.repeat(25_000) });
    expect(v.violations.map((x) => [x.rule, x.params])).toEqual([['maxLength', { max: 128, length: 100_000 }]]);
  });

  test('the refused config never reaches the plugin', async () => {
    await expect(t.app.settings.setConfig('strict.example', plugin(t.app), { minLength: 3 }, 'test')).rejects.toThrow(
      'password-sizestrength config (strict.example): /minLength is 3, below the sum of the class minimums',
    );
    await expect(t.app.settings.setConfig('strict.example', plugin(t.app), { maxLength: 10 }, 'test')).rejects.toThrow('/maxLength is 10, below minLength 14');
    expect((await t.app.settings.effective('strict.example', plugin(t.app))).config).toMatchObject({ minLength: 14, maxLength: 128 });
  });
});

describe('changePassword', () => {
  test('refuses without a configured command, before anything runs', async () => {
    const t = await open();
    await expect(t.passwords.changePassword({ login: 'alice', password: GOOD, actor: 'test' })).rejects.toThrow('passwords.setCommand is not set');
    await t.app.close();
  });

  test('sets through the command (password on stdin, not argv), then refuses reuse from history', async () => {
    const dir = tempDir('mw-set-');
    const out = path.join(dir, 'out');
    // Writes its argv and then its stdin, so the test sees both.
    const script = `printf '%s\\n' "$@" > "${out}"; cat >> "${out}"`;
    const t = await open({ passwords: { setCommand: ['/bin/sh', '-c', script, 'sh', '{login}', '{local}', '{domain}'], setTimeoutMs: 5000 } });
    const r = await t.passwords.changePassword({ login: 'Alice@Example.com', password: GOOD, actor: 'test:me' });
    expect(r).toMatchObject({ changed: true, verdict: { ok: true, login: 'alice@example.com' } });
    expect(fs.readFileSync(out, 'utf8')).toBe(`alice@example.com\nalice\nexample.com\n${GOOD}\n`);
    const audit = await t.app.store.listAudit({ subjectPrefix: 'account:alice@example.com' });
    expect(audit).toEqual([expect.objectContaining({ action: 'password.change', actor: 'test:me', domain: 'example.com' })]);
    expect(JSON.stringify(audit)).not.toContain(GOOD);
    expect(t.logs.lines.map((l) => JSON.stringify(l)).join('\n')).not.toContain(GOOD);

    fs.rmSync(out);
    const again = await t.passwords.changePassword({ login: 'alice@example.com', password: GOOD, actor: 'test' });
    expect(again.changed).toBe(false);
    expect(again.verdict.violations.map((v) => v.rule)).toEqual(['history']);
    expect(fs.existsSync(out)).toBe(false);
    await t.app.close();
  });

  test('a failing command changes nothing and records nothing', async () => {
    const t = await open({ passwords: { setCommand: ['/bin/sh', '-c', 'cat >/dev/null; echo "no such account" >&2; exit 3'], setTimeoutMs: 5000 } });
    const err = await t.passwords.changePassword({ login: 'alice', password: GOOD, actor: 'test' }).catch((e) => e);
    expect(err).toBeInstanceOf(PasswordSetError);
    expect(err.message).toBe('/bin/sh exited with status 3: no such account');
    expect((await t.passwords.checkPassword({ login: 'alice', password: GOOD })).ok).toBe(true);
    expect(await t.app.store.listAudit({ subjectPrefix: 'account:' })).toEqual([]);
    await t.app.close();
  });

  test('a command that hangs is killed at the timeout', async () => {
    const t = await open({ passwords: { setCommand: ['/bin/sh', '-c', 'exec sleep 30'], setTimeoutMs: 200 } });
    await expect(t.passwords.changePassword({ login: 'alice', password: GOOD, actor: 'test' })).rejects.toThrow('was killed by SIGKILL (timeout 200 ms?)');
    await t.app.close();
  });

  test('recordPasswordChange feeds the history for callers that set the password themselves', async () => {
    const t = await open();
    await t.passwords.recordPasswordChange({ login: 'bob@example.com', password: GOOD, actor: 'webmail:bob' });
    const v = await t.passwords.checkPassword({ login: 'bob@example.com', password: GOOD });
    expect(v.violations.map((x) => x.rule)).toEqual(['history']);
    expect(v.violations[0].text).toContain('the 5 before it');
    await t.app.close();
  });
});
