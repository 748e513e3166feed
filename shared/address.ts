import { domainToASCII } from 'node:url';
import { codePointName, unsafeCharIndex } from './text';

/*
 * One form per login, domain and envelope address, for every gateway, tool and
 * plugin: written once here so that `Alice@Exämple.COM` is one key everywhere.
 */

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


/**
 * One login, one key: `  Alice@Exämple.COM ` and `alice@xn--exmple-cua.com`
 * are the same account to every plugin. A bare login belongs to the default domain.
 */
export function normalizeLogin(raw: string, defaultDomain: string): NormalizedLogin {
  const s = raw.trim();
  if (s.length === 0) throw new LoginError('login is empty');
  if (s.length > MAX_LOGIN) throw new LoginError(`login is longer than ${MAX_LOGIN} characters`);
  // Logins are shown in logs, alert subjects and the console: C0/C1 controls,
  // line separators and bidi controls are refused here, at the one place every gateway passes.
  const bad = unsafeCharIndex(s);
  if (bad >= 0) throw new LoginError(`login contains a control character: ${codePointName(s, bad)} at position ${bad + 1} (control characters, line separators and text-direction controls are refused)`);
  const at = s.lastIndexOf('@');
  const local = (at < 0 ? s : s.slice(0, at)).toLowerCase();
  if (local.length === 0) throw new LoginError(`login "${s}" has an empty local part`);
  const domain = at < 0 ? defaultDomain : normalizeDomain(s.slice(at + 1));
  return { login: `${local}@${domain}`, domain };
}

/**
 * A normalised login as one argv element of the kick command: `doveadm kick`
 * reads its user argument as a mask (`*`, `?` match other users) and an
 * argument starting with `-` as an option. Such a login is refused, never
 * escaped: doveadm has no escape for a mask.
 */
export function literalLoginForKick(login: string): string {
  const bad = /[*?]/.exec(login);
  if (bad) throw new LoginError(`login "${login}" contains "${bad[0]}", which doveadm kick reads as a wildcard matching other users; its sessions are not closed by the kick command`);
  if (login.startsWith('-')) throw new LoginError(`login "${login}" starts with "-", which the kick command would read as an option; its sessions are not closed by the kick command`);
  return login;
}

/**
 * One form per envelope address, for equality: lower-cased, `<…>` dropped, the
 * domain in ASCII. `<>` and '' are the null sender. Never used for substring
 * tests: `login@domain.net` must not match `xlogin@domain.net`.
 */
export function normalizeAddress(raw: string): string {
  let s = raw.trim();
  if (s.length >= 2 && s.startsWith('<') && s.endsWith('>')) s = s.slice(1, -1).trim();
  if (s.length === 0) return '';
  const at = s.lastIndexOf('@');
  if (at < 0) return s.toLowerCase();
  const domain = s.slice(at + 1).toLowerCase();
  const ascii = isAscii(domain) ? domain : domainToASCII(domain) || domain;
  return `${s.slice(0, at).toLowerCase()}@${ascii}`;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}
