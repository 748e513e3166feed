import { policyConfigProblems, type PolicyConfig } from '../../../../plugins/password-sizestrength/policy-config';

const DEFAULTS: PolicyConfig = {
  profile: 'bluemind', minLength: 8, maxLength: 128, minDigits: 1, minUpper: 1, minLower: 1, minSpecial: 1,
  forbidLoginParts: true, forbidCommon: true, minStrength: 2, historySize: 5,
};

test.each([
  ['the defaults', {}, []],
  ['minLength equal to the class sum', { minLength: 4 }, []],
  ['minLength below the class sum', { minLength: 3 }, ['/minLength']],
  ['raised class minimums', { minDigits: 3, minSpecial: 3, minLength: 7 }, ['/minLength']],
  ['maxLength equal to minLength', { maxLength: 8 }, []],
  ['maxLength below minLength', { maxLength: 7 }, ['/maxLength']],
  ['both', { minLength: 3, maxLength: 2 }, ['/minLength', '/maxLength']],
] as const)('%s → %j', (_n, over, paths) => {
  const problems = policyConfigProblems({ ...DEFAULTS, ...over });
  expect(problems.map((p) => p.path)).toEqual(paths);
});

test('the message says what is wrong and what would fix it', () => {
  const [p] = policyConfigProblems({ ...DEFAULTS, minLength: 3 });
  expect(p.message).toContain('below the sum of the class minimums');
  expect(p.message).toContain('at least 4');
  const [q] = policyConfigProblems({ ...DEFAULTS, minLength: 16, maxLength: 12 });
  expect(q.message).toContain('below minLength 16');
});
