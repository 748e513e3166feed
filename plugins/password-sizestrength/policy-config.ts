import type { ConfigProblem } from '../../shared';
import { DEFAULT_PROFILE, PROFILES, type ProfileName, type ProfileRules } from './profiles';

/** One domain's password policy as the host hands it: the profile, and the rules the domain set itself. */
export interface PolicyConfigInput extends Partial<ProfileRules> {
  readonly profile?: ProfileName;
  readonly maxLength: number;
  readonly forbidLoginParts: boolean;
  readonly forbidCommon: boolean;
  readonly historySize: number;
}

/** The policy applied: the profile's rules with the domain's own on top. */
export interface PolicyConfig extends ProfileRules {
  readonly profile: ProfileName;
  readonly maxLength: number;
  readonly forbidLoginParts: boolean;
  readonly forbidCommon: boolean;
  readonly historySize: number;
}

export function resolvePolicy(c: PolicyConfigInput): PolicyConfig {
  const profile = c.profile && Object.hasOwn(PROFILES, c.profile) ? c.profile : DEFAULT_PROFILE;
  const base = PROFILES[profile];
  const pick = (k: keyof ProfileRules): number => c[k] ?? base[k];
  return {
    profile,
    minLength: pick('minLength'),
    minDigits: pick('minDigits'),
    minUpper: pick('minUpper'),
    minLower: pick('minLower'),
    minSpecial: pick('minSpecial'),
    minStrength: pick('minStrength'),
    maxLength: c.maxLength,
    forbidLoginParts: c.forbidLoginParts,
    forbidCommon: c.forbidCommon,
    historySize: c.historySize,
  };
}

/**
 * What the configSchema cannot say: a policy no password can satisfy. The
 * class minimums must fit in minLength (a password of exactly minLength must
 * be able to pass), and maxLength must leave room for minLength.
 */
export function policyConfigProblems(input: PolicyConfigInput): ConfigProblem[] {
  const c = resolvePolicy(input);
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
