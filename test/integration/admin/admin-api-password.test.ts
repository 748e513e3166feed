import { GLOBAL } from '../../../host/core/domains/domain-settings';
import { type AdminHarness, startAdmin } from '../../helpers/admin-client';
import { pluginDirWith } from '../../helpers/built-plugins';

let h: AdminHarness;
beforeAll(async () => {
  h = await startAdmin({ pluginDir: pluginDirWith(['password-sizestrength']) });
  await h.app.settings.addDomain('example.org', 'test', 'fr');
  await h.app.settings.setEnabled('example.org', h.app.registry.get('password-sizestrength')!, true, 'test');
  // Written against the composition rules (8+ characters, classes, strength 2): the bluemind profile with those values.
  await h.app.settings.setConfig(GLOBAL, h.app.registry.get('password-sizestrength')!, { profile: 'bluemind', minLength: 8, minStrength: 2 }, 'test');
});
afterAll(() => h.close());

test('a weak password: every failed rule, in the language asked for, else the domain\'s locale', async () => {
  const r = await h.call('POST', '/api/password/check', { body: { domain: 'example.org', login: 'alice', password: 'alice' } });
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ ok: false, login: 'alice@example.org', domain: 'example.org', lang: 'fr', policies: ['password-sizestrength'] });
  const rules = r.body.violations.map((v: { rule: string }) => v.rule);
  expect(rules).toEqual(expect.arrayContaining(['minLength', 'minDigits', 'minUpper']));
  expect(r.body.violations[0].text).toBe(r.body.violations[0].message.fr);
  const en = await h.call('POST', '/api/password/check', { body: { domain: 'example.org', login: 'alice', password: 'alice' }, headers: { 'accept-language': 'en-GB,en;q=0.9' } });
  expect(en.body.lang).toBe('en');
  const de = await h.call('POST', '/api/password/check', { body: { domain: 'example.org', login: 'alice', password: 'alice', lang: 'de' }, headers: { 'accept-language': 'en' } });
  expect(de.body.violations[0].text).toBe(de.body.violations[0].message.de);
});

test('a strong password passes; bad input names the field and the password is never echoed in errors', async () => {
  const ok = await h.call('POST', '/api/password/check', { body: { domain: 'example.org', login: 'alice@example.org', password: 'Vx9!kq2#Lm7$pR' } });
  expect(ok.body).toMatchObject({ ok: true, violations: [] });
  const missing = await h.call('POST', '/api/password/check', { body: { login: 'alice' } });
  expect(missing.body.problems).toEqual([{ path: '/password', message: 'is required', rule: 'required' }]);
  const other = await h.call('POST', '/api/password/check', { body: { domain: 'example.org', login: 'bob@other.example', password: 'S3cret-password-x' } });
  expect(other.status).toBe(400);
  expect(other.body.error).toContain('belongs to other.example');
  expect(JSON.stringify(other.body)).not.toContain('S3cret-password-x');
  const dom = await h.call('POST', '/api/password/check', { body: { domain: 'bad..domain', login: 'a', password: 'x' } });
  expect(dom.body.problems[0].path).toBe('/domain');
  const lang = await h.call('POST', '/api/password/check', { body: { login: 'a', password: 'x', lang: 'it' } });
  expect(lang.body.problems[0]).toMatchObject({ path: '/lang', rule: 'enum' });
});
