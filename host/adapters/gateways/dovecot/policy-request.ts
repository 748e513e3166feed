import { type AuthOutcome, type FailType, normalizeIp, type Protocol } from '../../../../shared';
import type { RawAttempt } from '../../../core/pipeline/hook-pipeline';

export type PolicyCommand = 'allow' | 'report';

export interface PolicyRequest {
  readonly command: PolicyCommand;
  readonly attempt: RawAttempt;
  /** Present for `report` only. */
  readonly outcome?: AuthOutcome;
}

/** A request Dovecot (or anyone) sent that we will not act on; the message says why. */
export class BadPolicyRequest extends Error {
  override readonly name = 'BadPolicyRequest';
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The `command` query parameter of a request target, found without a URL parser (hot path). */
export function commandOf(target: string): string | undefined {
  const q = target.indexOf('?');
  if (q < 0) return undefined;
  for (const part of target.slice(q + 1).split('&')) {
    if (!part.startsWith('command=')) continue;
    try {
      return decodeURIComponent(part.slice(8));
    } catch {
      throw new BadPolicyRequest(400, 'the command parameter is not valid percent-encoding');
    }
  }
  return undefined;
}

export function parseCommand(target: string): PolicyCommand {
  const c = commandOf(target);
  if (c === 'allow' || c === 'report') return c;
  if (c === undefined) throw new BadPolicyRequest(400, 'missing ?command= (allow or report)');
  throw new BadPolicyRequest(400, `unknown command "${c.slice(0, 40)}" (allow or report)`);
}

const PROTOCOL_OF: Readonly<Record<string, Protocol>> = {
  imap: 'imap',
  pop3: 'pop3',
  smtp: 'smtp',
  submission: 'submission',
  webmail: 'webmail',
  eas: 'eas',
};

const FAIL_TYPES: ReadonlySet<string> = new Set(['credentials', 'account', 'expired', 'disabled', 'policy', 'internal']);

/** Dovecot sends strings; a field of another type is refused rather than guessed at. */
function optString(body: Record<string, unknown>, name: string, max = 1024): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new BadPolicyRequest(400, `field "${name}" must be a string, not ${typeof v}`);
  if (v.length > max) throw new BadPolicyRequest(400, `field "${name}" is longer than ${max} characters`);
  return v;
}

/** `tls` is a JSON boolean from Dovecot; string forms are accepted for hand-written callers. */
function optBool(body: Record<string, unknown>, name: string): boolean | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no' || v === '') return false;
  throw new BadPolicyRequest(400, `field "${name}" must be a boolean`);
}

function reqBool(body: Record<string, unknown>, name: string): boolean {
  const v = body[name];
  if (typeof v !== 'boolean') throw new BadPolicyRequest(400, v === undefined ? `field "${name}" is required in a report` : `field "${name}" must be a boolean, not ${typeof v}`);
  return v;
}

/**
 * Checks a Dovecot auth-policy body (JSON from `auth_policy_request_attributes`)
 * and turns it into an attempt. Unknown fields are ignored; known ones with
 * the wrong type are an error. Nothing here logs values (pwhash is a secret-ish).
 */
export function parsePolicyBody(command: PolicyCommand, text: string): PolicyRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new BadPolicyRequest(400, `body is not JSON: ${(e as Error).message.slice(0, 120)}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadPolicyRequest(400, 'body must be a JSON object');
  const b = body as Record<string, unknown>;
  const login = optString(b, 'login', 320);
  if (login === undefined || login.trim() === '') throw new BadPolicyRequest(400, 'field "login" is required');
  const remote = parseRemote(optString(b, 'remote', 64));
  const protocolText = (optString(b, 'protocol', 32) ?? '').toLowerCase();
  const pwhash = optString(b, 'pwhash', 256);
  const deviceId = optString(b, 'device_id', 256);
  const sessionId = optString(b, 'session_id', 256);
  const tls = optBool(b, 'tls');
  const attempt: RawAttempt = {
    login,
    remoteIp: remote,
    protocol: PROTOCOL_OF[protocolText] ?? 'other',
    ...(pwhash ? { pwhash } : {}),
    ...(deviceId ? { deviceId } : {}),
    ...(sessionId ? { sessionId } : {}),
    ...(tls !== undefined ? { tls } : {}),
  };
  if (command === 'allow') return { command, attempt };
  const success = reqBool(b, 'success');
  const policyReject = b.policy_reject === undefined ? false : reqBool(b, 'policy_reject');
  const failText = optString(b, 'fail_type', 32);
  const failType = failText === undefined || failText === '' ? undefined : ((FAIL_TYPES.has(failText) ? failText : 'other') as FailType);
  return { command, attempt, outcome: { success, policyReject, ...(failType ? { failType } : {}) } };
}

/**
 * The client address Dovecot sends as `remote` (%{rip}), in canonical form.
 * Also taken: an IPv6 zone id (`fe80::1%eth0`: the zone names an interface
 * of this host, not a different client) and a port (`192.0.2.1:1234`,
 * `[2001:db8::1]:1234`, as some callers write it). Anything else, the empty
 * string included, is refused: lumping unreadable addresses together would
 * make one shared network of every caller that sends one.
 */
export function parseRemote(text: string | undefined): string {
  if (text === undefined) throw new BadPolicyRequest(400, 'field "remote" (the client address) is required');
  let s = text.trim();
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    const rest = end < 0 ? '' : s.slice(end + 1);
    if (end < 0 || (rest !== '' && !isPortSuffix(rest))) throw badRemote(text);
    s = s.slice(1, end);
  } else {
    const colon = s.indexOf(':');
    // One colon: IPv4 with a port. More: an IPv6 address, whose last group must not be taken for a port.
    if (colon >= 0 && s.indexOf(':', colon + 1) < 0) {
      if (!isPortSuffix(s.slice(colon))) throw badRemote(text);
      s = s.slice(0, colon);
    }
  }
  const zone = s.indexOf('%');
  if (zone >= 0) {
    if (s.indexOf(':') < 0 || zone === s.length - 1) throw badRemote(text);
    s = s.slice(0, zone);
  }
  const ip = normalizeIp(s);
  if (ip === undefined) throw badRemote(text);
  return ip;
}

function isPortSuffix(t: string): boolean {
  if (t.length < 2 || t.length > 6 || t[0] !== ':') return false;
  for (let i = 1; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return Number(t.slice(1)) <= 65535;
}

function badRemote(text: string): BadPolicyRequest {
  return new BadPolicyRequest(400, `field "remote" is not an IP address: ${JSON.stringify(text.slice(0, 64))}`);
}
