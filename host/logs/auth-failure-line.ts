import type { Protocol } from '../../shared';
import type { LinePrefix } from './line-prefix';

/** A failed authentication read from a log line. */
export interface LoggedAuthFailure {
  readonly login: string;
  readonly remoteIp: string;
  readonly protocol: Protocol;
  /** Failed attempts the line stands for (Dovecot sums a connection's attempts). */
  readonly attempts: number;
  readonly source: 'postfix' | 'dovecot';
}

const MAX_ATTEMPTS_PER_LINE = 20;

/** Text between `open` and the next `close` after it, or undefined. */
function between(s: string, open: string, close: string, from = 0): string | undefined {
  const i = s.indexOf(open, from);
  if (i < 0) return undefined;
  const start = i + open.length;
  const j = s.indexOf(close, start);
  return j < 0 ? undefined : s.slice(start, j);
}

/**
 * Postfix smtpd: `warning: unknown[46.48.93.60]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=admin`.
 * Without `sasl_username` (Postfix before 3.7-ish) the login is unknown and the line is not counted.
 */
function postfixFailure(p: LinePrefix): LoggedAuthFailure | undefined {
  if (!(p.tag === 'smtpd' || p.tag.endsWith('/smtpd'))) return undefined;
  const m = p.message;
  const marker = m.indexOf(' authentication failed');
  if (marker < 0 || !m.startsWith('warning: ')) return undefined;
  const sasl = m.lastIndexOf(']: SASL ', marker);
  if (sasl < 0) return undefined;
  const open = m.lastIndexOf('[', sasl);
  if (open < 0) return undefined;
  const remoteIp = m.slice(open + 1, sasl);
  const u = m.indexOf(', sasl_username=', marker);
  if (u < 0) return undefined;
  const login = m.slice(u + 16).trim();
  if (!login) return undefined;
  const submission = p.tag.includes('submission') || p.tag.includes('smtps');
  return { login, remoteIp, protocol: submission ? 'submission' : 'smtp', attempts: 1, source: 'postfix' };
}

const DOVECOT_SERVICES: Readonly<Record<string, Protocol>> = {
  'imap-login': 'imap',
  'pop3-login': 'pop3',
  'submission-login': 'submission',
  'managesieve-login': 'other',
};

/**
 * Dovecot login processes: `imap-login: Disconnected: … (auth failed, 3 attempts in 12 secs): user=<alice>, method=PLAIN, rip=198.51.100.7, …`,
 * through syslog (tag `dovecot`, message `imap-login: …`) or Dovecot's own log file (tag `imap-login`).
 */
function dovecotFailure(p: LinePrefix): LoggedAuthFailure | undefined {
  let service = p.tag;
  let m = p.message;
  if (service === 'dovecot') {
    const colon = m.indexOf(': ');
    if (colon < 0) return undefined;
    service = m.slice(0, colon);
    m = m.slice(colon + 2);
  }
  const protocol = DOVECOT_SERVICES[service];
  if (!protocol) return undefined;
  const af = m.indexOf('(auth failed, ');
  if (af < 0) return undefined;
  const n = Number(between(m, '(auth failed, ', ' attempt', af));
  const login = between(m, 'user=<', '>', af);
  const rip = m.indexOf('rip=', af);
  if (!login || rip < 0 || !(n >= 1)) return undefined;
  const ripEnd = m.indexOf(',', rip);
  const remoteIp = m.slice(rip + 4, ripEnd < 0 ? m.length : ripEnd).trim();
  return { login, remoteIp, protocol, attempts: Math.min(n, MAX_ATTEMPTS_PER_LINE), source: 'dovecot' };
}

/** The failed authentication a log line reports, if it reports one. */
export function authFailureOf(p: LinePrefix): LoggedAuthFailure | undefined {
  return postfixFailure(p) ?? dovecotFailure(p);
}
