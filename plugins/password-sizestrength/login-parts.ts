import { domainToUnicode } from 'node:url';

/** The l33t digits a user swaps for letters; undone before looking for login parts. */
const L33T: Readonly<Record<string, string>> = { '0': 'o', '1': 'l', '3': 'e', '4': 'a', '5': 's', '7': 't' };

/** Parts shorter than this would forbid too much (`li`, `jo`). */
export const MIN_PART = 3;

const MAX_NAME = 256;
const MAX_NAME_WORDS = 16;

export type PartSource = 'login' | 'domain' | 'name';

export interface ForbiddenPart {
  readonly source: PartSource;
  /** As the user wrote it (lower-cased), for the message. */
  readonly text: string;
}

export interface FoundPart extends ForbiddenPart {
  readonly reversed: boolean;
}

/** Lower-case, NFC, l33t digits read as letters: the form both sides are compared in. */
export function fold(s: string): string {
  const lower = s.normalize('NFC').toLowerCase();
  let out = '';
  for (const ch of lower) out += L33T[ch] ?? ch;
  return out;
}

const WORD_CHAR = /^[\p{L}\p{N}\p{M}]$/u;

/** Words of letters and digits, split on everything else (dots, dashes, spaces, apostrophes). */
export function words(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const ch of s) {
    if (WORD_CHAR.test(ch)) cur += ch;
    else if (cur) {
      out.push(cur);
      cur = '';
    }
  }
  if (cur) out.push(cur);
  return out;
}

function longEnough(s: string): boolean {
  let n = 0;
  for (const _ of s) if (++n >= MIN_PART) return true;
  return false;
}

/**
 * What a password must not contain: the login's local part (whole and its
 * words), the first label of the domain (in Unicode for an IDN), and each
 * word of the display name.
 */
export function forbiddenParts(login: string, domain: string, displayName: string | undefined): ForbiddenPart[] {
  const at = login.lastIndexOf('@');
  const local = (at < 0 ? login : login.slice(0, at)).toLowerCase();
  const label = domainToUnicode(domain).split('.')[0] || domain.split('.')[0];
  const candidates: ForbiddenPart[] = [
    { source: 'login', text: local },
    ...words(local).map((w) => ({ source: 'login' as const, text: w })),
    { source: 'domain', text: label.toLowerCase() },
    // A name is a few words; the host bounds it, and so do we for other callers.
    ...words((displayName ?? '').slice(0, MAX_NAME)).slice(0, MAX_NAME_WORDS).map((w) => ({ source: 'name' as const, text: w.toLowerCase() })),
  ];
  const seen = new Set<string>();
  return candidates.filter((c) => {
    if (!longEnough(c.text) || seen.has(c.text)) return false;
    seen.add(c.text);
    return true;
  });
}

/** The first forbidden part the password contains, forwards or reversed, case and l33t ignored. */
export function findPart(password: string, parts: readonly ForbiddenPart[]): FoundPart | undefined {
  const hay = fold(password);
  for (const p of parts) {
    const needle = fold(p.text);
    if (hay.includes(needle)) return { ...p, reversed: false };
    if (hay.includes([...needle].reverse().join(''))) return { ...p, reversed: true };
  }
  return undefined;
}
