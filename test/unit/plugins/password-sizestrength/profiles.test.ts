import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PasswordChange } from '../../../../shared';
import { configSchemaProblems } from '../../../../shared/testing';
import { checkPolicy } from '../../../../plugins/password-sizestrength/policy';
import { type PolicyConfigInput, policyConfigProblems, resolvePolicy } from '../../../../plugins/password-sizestrength/policy-config';

/** The domain config as the host hands it when nobody set anything: the manifest's defaults. */
function configFrom(own: Record<string, unknown> = {}): PolicyConfigInput {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../../plugins/password-sizestrength/manifest.json'), 'utf8'));
  const doc = { ...own };
  expect(configSchemaProblems(manifest, doc)).toEqual([]);
  return doc as unknown as PolicyConfigInput;
}
const change = (newPassword: string): PasswordChange => ({ domain: 'example.com', login: 'jean.dupont@example.com', displayName: 'Marie Curie', newPassword });
const rules = (pw: string, own: Record<string, unknown> = {}) => checkPolicy(change(pw), resolvePolicy(configFrom(own))).map((v) => v.rule);

describe('default policy: NIST SP 800-63B-4, password as the only factor', () => {
  test('a long passphrase passes; Tr0ub4dor&3 does not', () => {
    expect(rules('correct horse battery staple 9!')).toEqual([]);
    expect(rules('Tr0ub4dor&3')).toEqual(['minLength']);
  });

  test('length first: 15 characters, no composition rules', () => {
    expect(resolvePolicy(configFrom())).toMatchObject({ profile: 'nist-single-factor', minLength: 15, minDigits: 0, minUpper: 0, minLower: 0, minSpecial: 0 });
    expect(rules('purple elephants dance')).toEqual([]);
    expect(rules('sunny tuesday')).toEqual(['minLength']);
  });

  test('long passphrases up to at least 64 characters, spaces and any script accepted', () => {
    const long = 'the quick brown fox jumps over the lazy dog near the riverbank at dawn';
    expect(long.length).toBeGreaterThan(64);
    expect(rules(long)).toEqual([]);
    expect(rules('Schöne Grüße aus München, lieber Jürgen')).toEqual([]);
    expect(resolvePolicy(configFrom()).maxLength).toBeGreaterThanOrEqual(64);
  });

  test('a blocklist: common and guessable passwords and context words are refused however long', () => {
    expect(rules('passwordpassword')).toEqual(expect.arrayContaining(['minStrength']));
    expect(rules('qwertyuiopasdfgh')).toEqual(['minStrength']);
    expect(rules('jean.dupont-is-my-login')).toEqual(expect.arrayContaining(['loginParts']));
  });
});

describe('profiles', () => {
  test('nist-multi-factor: 8 characters, still no composition rules', () => {
    expect(rules('Tr0ub4dor&3', { profile: 'nist-multi-factor' })).toEqual([]);
    expect(rules('sunny tuesday', { profile: 'nist-multi-factor' })).toEqual([]);
    expect(rules('sunnyday', { profile: 'nist-multi-factor' })).toEqual(expect.arrayContaining(['minStrength']));
  });

  test('bluemind: 6+ characters with a digit, an upper-case, a lower-case letter and a special character', () => {
    expect(resolvePolicy(configFrom({ profile: 'bluemind' }))).toMatchObject({ minLength: 6, minDigits: 1, minUpper: 1, minLower: 1, minSpecial: 1, minStrength: 0 });
    expect(rules('Tr0ub4dor&3', { profile: 'bluemind' })).toEqual([]);
    expect(rules('correct horse battery staple', { profile: 'bluemind' })).toEqual(['minDigits', 'minUpper', 'minSpecial']);
    expect(rules('Ab1!x', { profile: 'bluemind' })).toEqual(['minLength']);
  });

  test('a rule the domain sets wins over its profile', () => {
    expect(resolvePolicy(configFrom({ minLength: 20 }))).toMatchObject({ profile: 'nist-single-factor', minLength: 20, minDigits: 0 });
    expect(resolvePolicy(configFrom({ profile: 'bluemind', minSpecial: 0 }))).toMatchObject({ minLength: 6, minSpecial: 0, minDigits: 1 });
  });

  test('an unknown profile is refused by the schema; an impossible mix by the plugin, naming the field', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../../plugins/password-sizestrength/manifest.json'), 'utf8'));
    expect(configSchemaProblems(manifest, { profile: 'strict' })).toEqual([expect.stringMatching(/^\/profile must be equal to one of the allowed values/)]);
    expect(policyConfigProblems(configFrom({ profile: 'bluemind', minLength: 3 })).map((p) => p.path)).toEqual(['/minLength']);
  });
});
