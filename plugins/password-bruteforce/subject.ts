import { createHash } from 'node:crypto';
import { type AuthAttempt, cidrContains, networkOf, parseIp } from '../../shared';
import type { Settings } from './config';

/** Who is trying, as the rules count it: the login and its client network. */
export interface Subject {
  readonly domain: string;
  readonly login: string;
  /** CIDR of the client's network (/32, /64 by default), or `unknown` for an unusable address. */
  readonly net: string;
  /**
   * The client's device (Dovecot's device_id), hashed: it is client-chosen
   * text of any length and ends up in keys. Absent when the client sent none.
   */
  readonly device?: string;
}

export function subjectOf(a: AuthAttempt, s: Settings): Subject {
  const net = networkOf(a.remoteIp, s.ipv4Prefix, s.ipv6Prefix) ?? 'unknown';
  if (!a.deviceId) return { domain: a.domain, login: a.login, net };
  return { domain: a.domain, login: a.login, net, device: createHash('sha256').update(a.deviceId).digest('base64url').slice(0, 16) };
}

export function isTrusted(remoteIp: string, s: Settings): boolean {
  if (s.trusted.length === 0) return false;
  const ip = parseIp(remoteIp);
  return ip !== undefined && s.trusted.some((c) => cidrContains(c, ip));
}
