/**
 * Named policies a domain starts from; any rule set in the domain's config
 * wins over its profile's value.
 *
 * - `nist-single-factor` (the default): NIST SP 800-63B-4 §3.1.1.2 for a
 *   password that is the only factor: at least 15 characters, no composition
 *   rules (no required digits, cases or symbols), a blocklist of common and
 *   breached passwords and of context words (login, domain, name), long
 *   passphrases with spaces accepted (maximum ≥ 64). The strength floor is
 *   the lowest that still refuses a word repeated or a keyboard walk that
 *   slips past the list; a passphrase of four common words passes it.
 * - `nist-multi-factor`: the same for a password used with a second factor,
 *   where 800-63B-4 allows 8 characters.
 * - `bluemind`: the rules mail suites such as BlueMind have long applied:
 *   at least 6 characters with a digit, an upper-case and a lower-case letter
 *   and a special character. Kept for sites that must match them; NIST
 *   recommends against composition rules (they yield `Tr0ub4dor&3`, which is
 *   short and predictable).
 */
export const PROFILES = {
  'nist-single-factor': { minLength: 15, minDigits: 0, minUpper: 0, minLower: 0, minSpecial: 0, minStrength: 2 },
  'nist-multi-factor': { minLength: 8, minDigits: 0, minUpper: 0, minLower: 0, minSpecial: 0, minStrength: 2 },
  bluemind: { minLength: 6, minDigits: 1, minUpper: 1, minLower: 1, minSpecial: 1, minStrength: 0 },
} as const;

export type ProfileName = keyof typeof PROFILES;
export type ProfileRules = { readonly [K in keyof (typeof PROFILES)['bluemind']]: number };
export const DEFAULT_PROFILE: ProfileName = 'nist-single-factor';
