import { domainToASCII } from 'node:url';

export class LoginError extends Error {
  override readonly name = 'LoginError';
}

/** Plain LDH names (the vast majority) need no IDN conversion; this checks without a regex. */
function isPlainAsciiDomain(d: string): boolean {
  if (d.length === 0 || d.length > 253 || d.charCodeAt(0) === 46 || d.charCodeAt(0) === 45) return false;
  let prevDot = false;
  for (let i = 0; i < d.length; i++) {
    const c = d.charCodeAt(i);
    const dot = c === 46;
    if (dot && prevDot) return false;
    prevDot = dot;
    if (!(dot || c === 45 || (c >= 97 && c <= 122) || (c >= 48 && c <= 57))) return false;
  }
  return !prevDot;
}

/** Lower-cased ASCII form of a domain (IDN to punycode), or an error saying why not. */
export function normalizeDomain(raw: string): string {
  const fast = raw.toLowerCase();
  if (isPlainAsciiDomain(fast) && !fast.startsWith('xn--')) return fast;
  const d = raw.trim().toLowerCase().replace(/\.$/, '');
  if (d.length === 0) throw new LoginError('domain is empty');
  if (d.length > 253) throw new LoginError(`domain "${d.slice(0, 40)}…" is longer than 253 characters`);
  const ascii = domainToASCII(d);
  if (!ascii || ascii.includes('..') || ascii.startsWith('.')) throw new LoginError(`"${d}" is not a valid domain name`);
  return ascii;
}

export interface NormalizedLogin {
  readonly login: string;
  readonly domain: string;
}

const MAX_LOGIN = 320;

function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 127) return true;
  }
  return false;
}

/**
 * One login, one key: `  Alice@Exämple.COM ` and `alice@xn--exmple-cua.com`
 * are the same account to every plugin. A bare login belongs to the default domain.
 */
export function normalizeLogin(raw: string, defaultDomain: string): NormalizedLogin {
  const s = raw.trim();
  if (s.length === 0) throw new LoginError('login is empty');
  if (s.length > MAX_LOGIN) throw new LoginError(`login is longer than ${MAX_LOGIN} characters`);
  if (hasControl(s)) throw new LoginError('login contains control characters');
  const at = s.lastIndexOf('@');
  const local = (at < 0 ? s : s.slice(0, at)).toLowerCase();
  if (local.length === 0) throw new LoginError(`login "${s}" has an empty local part`);
  const domain = at < 0 ? defaultDomain : normalizeDomain(s.slice(at + 1));
  return { login: `${local}@${domain}`, domain };
}
