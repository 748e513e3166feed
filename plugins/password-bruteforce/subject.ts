import { type AuthAttempt, cidrContains, networkOf, parseIp } from '../../shared';
import type { Settings } from './config';

/** Who is trying, as the rules count it: the login and its client network. */
export interface Subject {
  readonly domain: string;
  readonly login: string;
  /** CIDR of the client's network (/32, /64 by default), or `unknown` for an unusable address. */
  readonly net: string;
}

export function subjectOf(a: AuthAttempt, s: Settings): Subject {
  return { domain: a.domain, login: a.login, net: networkOf(a.remoteIp, s.ipv4Prefix, s.ipv6Prefix) ?? 'unknown' };
}

export function isTrusted(remoteIp: string, s: Settings): boolean {
  if (s.trusted.length === 0) return false;
  const ip = parseIp(remoteIp);
  return ip !== undefined && s.trusted.some((c) => cidrContains(c, ip));
}
