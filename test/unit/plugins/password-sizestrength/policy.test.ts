import type { PasswordChange, Violation } from '../../../../shared';
import { codePointLength, countClasses } from '../../../../plugins/password-sizestrength/char-classes';
import { RULES } from '../../../../plugins/password-sizestrength/messages';
import { checkPolicy } from '../../../../plugins/password-sizestrength/policy';
import type { PolicyConfig } from '../../../../plugins/password-sizestrength/policy-config';
import { estimate } from '../../../../plugins/password-sizestrength/strength';

const DEFAULTS: PolicyConfig = {
  profile: 'bluemind', minLength: 8, maxLength: 128, minDigits: 1, minUpper: 1, minLower: 1, minSpecial: 1,
  forbidLoginParts: true, forbidCommon: true, minStrength: 2, historySize: 5,
};
/** Only the rule under test switched on. */
const BARE: PolicyConfig = { ...DEFAULTS, minLength: 1, minDigits: 0, minUpper: 0, minLower: 0, minSpecial: 0, forbidLoginParts: false, forbidCommon: false, minStrength: 0 };

const change = (newPassword: string, extra: Partial<PasswordChange> = {}): PasswordChange => ({
  domain: 'example.com', login: 'jean.dupont@example.com', displayName: 'Marie Curie', newPassword, ...extra,
});
const seen: Violation[] = [];
function rules(pw: string, config: Partial<PolicyConfig>, extra: Partial<PasswordChange> = {}): string[] {
  const v = checkPolicy(change(pw, extra), { ...BARE, ...config });
  seen.push(...v);
  return v.map((x) => x.rule);
}

describe('length in code points', () => {
  test.each([
    ['Aa1!Aa1', { minLength: 8 }, ['minLength']],
    ['Aa1!Aa1!', { minLength: 8 }, []],
    ['Aa1!Aa1!Aa1!', { maxLength: 12 }, []],
    ['Aa1!Aa1!Aa1!x', { maxLength: 12 }, ['maxLength']],
    // 4 emoji are 8 UTF-16 units but 4 characters.
    ['Aa1!😀😀😀😀', { minLength: 8, maxLength: 8 }, []],
    ['Aa1!😀😀😀😀😀', { maxLength: 8 }, ['maxLength']],
    // e + combining acute: two code points.
    ['Ete\u0301', { minLength: 5 }, ['minLength']],
    ['Ete\u0301', { minLength: 4, maxLength: 4 }, []],
  ] as const)('%j with %j → %j', (pw, config, expected) => {
    expect(rules(pw, config)).toEqual(expected);
  });

  test('an over-long password gets the maxLength violation alone, with its length', () => {
    const v = checkPolicy(change('a'.repeat(100_000)), DEFAULTS);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ rule: 'maxLength', params: { max: 128, length: 100_000 } });
  });

  test('the empty password is its own rule, alone', () => {
    expect(rules('', DEFAULTS)).toEqual(['empty']);
  });

  test('codePointLength counts surrogate pairs once and lone surrogates as one', () => {
    expect(codePointLength('😀a')).toBe(2);
    expect(codePointLength('\ud800a')).toBe(2);
    expect(codePointLength('a\udc00\ud83d')).toBe(3);
  });
});

describe('character classes by Unicode category', () => {
  test.each([
    ['minDigits', 'abc1', { minDigits: 2 }, ['minDigits']],
    ['minDigits', 'abc12', { minDigits: 2 }, []],
    ['minDigits (Arabic-Indic ٣)', 'abc1٣', { minDigits: 2 }, []],
    ['minUpper', 'Aa', { minUpper: 2 }, ['minUpper']],
    ['minUpper (É is upper)', 'AÉ', { minUpper: 2 }, []],
    ['minUpper (decomposed É: E + accent)', 'AE\u0301', { minUpper: 2 }, []],
    ['minLower', 'aB', { minLower: 2 }, ['minLower']],
    ['minLower (ß is lower)', 'aß', { minLower: 2 }, []],
    ['minSpecial', 'a!', { minSpecial: 2 }, ['minSpecial']],
    ['minSpecial (emoji is special)', 'a!😀', { minSpecial: 2 }, []],
    ['minSpecial (a space is not)', 'a! ', { minSpecial: 2 }, ['minSpecial']],
    ['minSpecial (a combining accent is not)', 'a!e\u0301', { minSpecial: 2 }, ['minSpecial']],
  ] as const)('%s: %j with %j → %j', (_name, pw, config, expected) => {
    expect(rules(pw, config)).toEqual(expected);
  });

  test.each([
    ['Été2024!x', { upper: 1, lower: 3, digits: 4, special: 1, length: 9 }],
    ['ПАРОЛЬ123!a', { upper: 6, lower: 1, digits: 3, special: 1, length: 11 }],
    ['E\u0301te\u03012024!x', { upper: 1, lower: 3, digits: 4, special: 1, length: 11 }],
    ['pässwörd😀٣', { upper: 0, lower: 8, digits: 1, special: 1, length: 10 }],
  ])('%j is counted by category', (pw, expected) => {
    expect(countClasses(pw)).toMatchObject({ ...expected, control: 0 });
  });

  test.each(['Été2024!x', 'ПАРОЛЬ123!a', 'E\u0301te\u03012024!x'])('%j meets the default classes and length', (pw) => {
    const r = rules(pw, { ...DEFAULTS, forbidLoginParts: false, forbidCommon: false, minStrength: 0 });
    expect(r).toEqual([]);
  });

  test.each([
    ['a tab', 'Abcdef1!\t', 1],
    ['NUL and DEL', 'Abc\u0000def1!\u007f', 2],
    ['a C1 control', 'Abcdef1!\u0085', 1],
    ['a lone surrogate', 'Abcdef1!\ud800', 1],
  ])('%s is refused as controlCharacters', (_n, pw, count) => {
    const v = checkPolicy(change(pw), BARE);
    seen.push(...v);
    expect(v.map((x) => x.rule)).toEqual(['controlCharacters']);
    expect(v[0].params.count).toBe(count);
  });
});

describe('login, domain and name parts', () => {
  const on = { forbidLoginParts: true };
  test.each([
    ['the local part', 'jean.dupont#1', 'login', false],
    ['a word of the local part', 'xDupont#2024', 'login', false],
    ['upper case', 'DUPONT!!', 'login', false],
    ['reversed', 'tnopud#2024', 'login', true],
    ['l33t digits (0→o)', 'Dup0nt#2024', 'login', false],
    ['l33t and reversed (7→t, 0→o)', '7n0pud#2024', 'login', true],
    ['the domain label with 4→a', 'Ex4mple!99', 'domain', false],
    ['the domain label with 3→e and 1→l', 'exampl3!!1', 'domain', false],
    ['a name word', 'CURIE!2024z', 'name', false],
    ['a name word reversed', 'eiruc!2024Z', 'name', true],
    ['a name word with 4→a', 'M4rie?x', 'name', false],
  ] as const)('%s: %j is refused', (_n, pw, source, reversed) => {
    const v = checkPolicy(change(pw), { ...BARE, ...on });
    seen.push(...v);
    expect(v.map((x) => x.rule)).toEqual(['loginParts']);
    expect(v[0].params).toMatchObject({ source, reversed });
  });

  test.each(['Blue#Horse42', 'Duponx', 'Curi', 'Lisbon!42', 'M4r1e'])('%j does not contain a forbidden part', (pw) => {
    expect(rules(pw, on, { displayName: 'Marie Curie Li' })).toEqual([]);
  });

  test('name words shorter than 3 characters are not forbidden', () => {
    expect(rules('Li-Na-2024', on, { displayName: 'Li Na', login: 'zz@example.com' })).toEqual([]);
  });

  test('only the first 16 words of a display name count (callers other than the host may not bound it)', () => {
    const name = Array.from({ length: 5000 }, (_, i) => `word${String.fromCharCode(97 + (i % 26))}${i}`).join(' ');
    expect(rules('Worda0!x', on, { displayName: name })).toEqual(['loginParts']);
    expect(rules('Wordq16!x', on, { displayName: name })).toEqual([]);
  });

  test('an IDN domain is compared in Unicode', () => {
    expect(rules('Bücher#2024', on, { domain: 'xn--bcher-kva.example', login: 'zz@xn--bcher-kva.example' })).toEqual(['loginParts']);
  });

  test('switched off, the parts are allowed', () => {
    expect(rules('Dupont#2024', { forbidLoginParts: false })).toEqual([]);
  });
});

describe('common passwords', () => {
  test.each(['PaSsWoRd123', 'QWERTY123', 'TrustNo1', 'p@ssw0rd'])('%j is on the list, whatever its case', (pw) => {
    expect(rules(pw, { forbidCommon: true })).toEqual(['common']);
  });
  test('an uncommon password is not', () => {
    expect(rules('kT9#mQ2$vLx7!pR', { forbidCommon: true })).toEqual([]);
  });
  test('switched off, a common password passes this rule', () => {
    expect(rules('PaSsWoRd123', { forbidCommon: false })).toEqual([]);
  });
});

describe('zxcvbn strength floor', () => {
  test.each([
    ['aaaaaaaa', 1, true],
    ['kT9#mQ2$vLx7!pR', 4, false],
  ] as const)('%j against minStrength %d → refused %s', (pw, min, refused) => {
    expect(rules(pw, { minStrength: min })).toEqual(refused ? ['minStrength'] : []);
  });

  test('refused exactly below the score: a password of score s passes s and fails s+1', () => {
    const pw = 'Summer2024!';
    const { score } = estimate(pw, []);
    expect(score).toBeGreaterThan(0);
    expect(score).toBeLessThan(4);
    expect(rules(pw, { minStrength: score })).toEqual([]);
    expect(rules(pw, { minStrength: score + 1 })).toEqual(['minStrength']);
  });

  test("the message carries the estimator's feedback in each language", () => {
    const [v] = checkPolicy(change('abcabcabc'), { ...BARE, minStrength: 3 });
    seen.push(v);
    expect(v.rule).toBe('minStrength');
    expect(v.params).toMatchObject({ min: 3, warning: 'extendedRepeat' });
    expect(v.message.en).toContain('"abcabcabc"');
    expect(v.message.fr).toContain("'abcabcabc'");
    expect(v.message.de).toContain('"abcabcabc"');
  });

  test('the login counts as a word the password must not lean on', () => {
    const pw = 'jeandupont';
    const theirs = estimate(pw, ['jean', 'dupont']);
    expect(theirs.score).toBeLessThan(estimate(pw, []).score);
    expect(theirs.warning).toBe('userInputs');
    // Same password, same config: refused for Jean Dupont, accepted for someone else.
    expect(rules(pw, { minStrength: 2 })).toEqual(['minStrength']);
    expect(rules(pw, { minStrength: 2 }, { login: 'zz@example.com', displayName: undefined })).toEqual([]);
  });
});

describe('messages', () => {
  test('every rule the policy reports speaks en, fr and de (history is covered by its own test)', () => {
    const reported = new Set(seen.map((v) => v.rule));
    for (const r of RULES.filter((x) => x !== 'history')) expect(reported).toContain(r);
    for (const v of seen) {
      for (const lang of ['en', 'fr', 'de'] as const) expect(v.message[lang].length).toBeGreaterThan(10);
      expect(new Set([v.message.en, v.message.fr, v.message.de]).size).toBe(3);
    }
  });
});
