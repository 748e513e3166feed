import type { ConfigProblem } from '../../shared';

/** One domain's password policy, as validated by the manifest's configSchema (defaults filled in). */
export interface PolicyConfig {
  readonly minLength: number;
  readonly maxLength: number;
  readonly minDigits: number;
  readonly minUpper: number;
  readonly minLower: number;
  readonly minSpecial: number;
  readonly forbidLoginParts: boolean;
  readonly forbidCommon: boolean;
  readonly minStrength: number;
  readonly historySize: number;
}

/**
 * What the configSchema cannot say: a policy no password can satisfy. The
 * class minimums must fit in minLength (a password of exactly minLength must
 * be able to pass), and maxLength must leave room for minLength.
 */
export function policyConfigProblems(c: PolicyConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const classes = c.minDigits + c.minUpper + c.minLower + c.minSpecial;
  if (c.minLength < classes) {
    problems.push({
      path: '/minLength',
      rule: 'minLengthCoversClasses',
      message: `is ${c.minLength}, below the sum of the class minimums (minDigits ${c.minDigits} + minUpper ${c.minUpper} + minLower ${c.minLower} + minSpecial ${c.minSpecial} = ${classes}); set minLength to at least ${classes} or lower a class minimum`,
    });
  }
  if (c.maxLength < c.minLength) {
    problems.push({
      path: '/maxLength',
      rule: 'maxLengthAtLeastMinLength',
      message: `is ${c.maxLength}, below minLength ${c.minLength}: no password could pass; set maxLength to at least ${c.minLength}`,
    });
  }
  return problems;
}
