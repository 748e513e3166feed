import type { PasswordChange, Violation } from '../../shared';
import { codePointLength, countClasses } from './char-classes';
import { findPart, forbiddenParts } from './login-parts';
import { MESSAGES } from './messages';
import type { PolicyConfig } from './policy-config';
import { commonPasswords, estimate } from './strength';

/**
 * Every rule of the policy that needs no stored state, one violation per
 * failed rule. The order is the cost order: an empty or over-long password is
 * answered before anything else runs, so a 100k-character input costs one
 * linear count.
 */
export function checkPolicy(change: PasswordChange, c: PolicyConfig): Violation[] {
  const pw = change.newPassword;
  if (pw.length === 0) return [{ rule: 'empty', params: {}, message: MESSAGES.empty() }];
  const length = codePointLength(pw);
  if (length > c.maxLength) {
    const params = { max: c.maxLength, length };
    return [{ rule: 'maxLength', params, message: MESSAGES.maxLength(params) }];
  }
  const out: Violation[] = [];
  const counts = countClasses(pw);
  if (counts.control > 0) {
    const params = { count: counts.control };
    out.push({ rule: 'controlCharacters', params, message: MESSAGES.controlCharacters(params) });
  }
  if (length < c.minLength) {
    const params = { min: c.minLength, length };
    out.push({ rule: 'minLength', params, message: MESSAGES.minLength(params) });
  }
  const classes = [
    ['minDigits', c.minDigits, counts.digits],
    ['minUpper', c.minUpper, counts.upper],
    ['minLower', c.minLower, counts.lower],
    ['minSpecial', c.minSpecial, counts.special],
  ] as const;
  for (const [rule, min, count] of classes) {
    if (count < min) out.push({ rule, params: { min, count }, message: MESSAGES[rule]({ min, count }) });
  }
  const parts = forbiddenParts(change.login, change.domain, change.displayName);
  if (c.forbidLoginParts) {
    const found = findPart(pw, parts);
    if (found) {
      const params = { source: found.source, part: found.text, reversed: found.reversed };
      out.push({ rule: 'loginParts', params, message: MESSAGES.loginParts(params) });
    }
  }
  if (c.forbidCommon && commonPasswords().has(pw.normalize('NFC').toLowerCase())) {
    out.push({ rule: 'common', params: {}, message: MESSAGES.common() });
  }
  if (c.minStrength > 0) {
    const s = estimate(pw, parts.map((p) => p.text));
    if (s.score < c.minStrength) {
      const params = { min: c.minStrength, score: s.score, warning: s.warning ?? '', suggestions: s.suggestions.join(',') };
      out.push({ rule: 'minStrength', params, message: MESSAGES.minStrength(params, s.feedback) });
    }
  }
  return out;
}
