import type { DoctorFinding } from '../../../shared';
import { parseRestrictions, permits, type Restriction } from './restrictions';
import { DOVECOT_REQUEST_ATTRIBUTES, dovecotWiring, LIMITS_CONTEXT, postfixWiring, RELAY_CONTEXT } from './wiring';

export type FindingLevel = DoctorFinding['level'];

/** One line of `mailwarden doctor`: the host's checks are relay, policy, dovecot, listener and store; plugins add theirs. */
export type Finding = DoctorFinding;

export interface DoctorInput {
  /** Effective main.cf values (postconf -x NAME…) of the parameters doctor reads. */
  readonly postconf: Readonly<Record<string, string>>;
  /** Parameters set explicitly (postconf -n). */
  readonly explicit: ReadonlySet<string>;
  /** `doveconf -n` top-level settings, or undefined when Dovecot is not there. */
  readonly doveconf?: Readonly<Record<string, string>>;
  /** Why doveconf could not be read, when it could not. */
  readonly doveconfError?: string;
  /** mailwarden's policy listener as Postfix must name it: `127.0.0.1:10040`. */
  readonly policyAddress: string;
  /** mailwarden's Dovecot listener: `127.0.0.1:8441`. */
  readonly dovecotAddress: string;
  /** The `auth_policy_server_api_header` line the listener requires; undefined when its secret does not exist yet. */
  readonly dovecotApiHeader?: string;
}

/** The parameters diagnose() reads. */
export const DOCTOR_PARAMS = ['smtpd_relay_restrictions', 'smtpd_recipient_restrictions', 'smtpd_end_of_data_restrictions'] as const;

const UNAUTH = new Set(['reject_unauth_destination', 'defer_unauth_destination']);

/** The host's main.cf lines of the one wiring (`mailwarden wiring postfix`): relay, recipient, end of data. */
export function recommendedMainCf(o: { policyAddress: string }): string[] {
  const w = postfixWiring(o);
  return [w.relay, w.recipient, w.endOfData];
}

/** Is `r` a check_policy_service call to `address` (inet:host:port)? */
function isOurs(r: Restriction, address: string): boolean {
  return r.name === 'check_policy_service' && (r.arg === `inet:${address}` || r.arg === `inet:[${address.slice(0, address.lastIndexOf(':'))}]${address.slice(address.lastIndexOf(':'))}`);
}

function relayFindings(i: DoctorInput): Finding[] {
  const out: Finding[] = [];
  const paste = [recommendedMainCf(i)[0]];
  const lists: Array<[string, Restriction[]]> = [
    ['smtpd_relay_restrictions', parseRestrictions(i.postconf.smtpd_relay_restrictions ?? '')],
    ['smtpd_recipient_restrictions', parseRestrictions(i.postconf.smtpd_recipient_restrictions ?? '')],
  ];
  let guarded = false;
  for (const [name, list] of lists) {
    const at = list.findIndex((r) => UNAUTH.has(r.name));
    const bare = list.findIndex((r) => r.name === 'permit');
    if (bare >= 0 && (at < 0 || bare < at)) {
      out.push({ check: 'relay', level: 'problem', message: `${name} has "permit" before any reject_unauth_destination: the server relays for anyone (an open relay)`, paste });
      return out;
    }
    if (at < 0) continue;
    guarded = true;
    if (list[at].name === 'defer_unauth_destination') {
      out.push({ check: 'relay', level: 'warning', message: `${name} uses defer_unauth_destination: relay attempts get a temporary 4xx and keep coming back; refuse them with reject_unauth_destination`, paste });
    }
    const risky = list.slice(0, at).filter((r) => permits(r) && !['permit_mynetworks', 'permit_sasl_authenticated'].includes(r.name) && !isOurs(r, i.policyAddress));
    if (risky.length) {
      out.push({ check: 'relay', level: 'warning', message: `${name}: ${risky.map((r) => r.name + (r.arg ? ` ${r.arg}` : '')).join(', ')} can permit relaying before reject_unauth_destination is reached; make sure none of them answers OK for strangers` });
    }
  }
  if (!guarded) {
    out.push({ check: 'relay', level: 'problem', message: 'neither smtpd_relay_restrictions nor smtpd_recipient_restrictions contains reject_unauth_destination: nothing stops this server from relaying for anyone', paste });
  } else if (!out.some((f) => f.level !== 'ok')) {
    out.push({ check: 'relay', level: 'ok', message: 'relaying to other domains is refused unless a client is trusted or authenticated (reject_unauth_destination)' });
  }
  const rcpt = lists[1][1];
  const rcptUnauth = rcpt.findIndex((r) => UNAUTH.has(r.name));
  const earlyPolicy = rcpt.findIndex((r) => r.name === 'check_policy_service');
  if (earlyPolicy >= 0 && rcptUnauth >= 0 && earlyPolicy < rcptUnauth) {
    out.push({ check: 'relay', level: 'warning', message: 'smtpd_recipient_restrictions calls check_policy_service before reject_unauth_destination; put policy services after it (a policy that answers OK there opens the relay)' });
  }
  return out;
}

function policyFindings(i: DoctorInput): Finding[] {
  const relay = parseRestrictions(i.postconf.smtpd_relay_restrictions ?? '');
  const eod = parseRestrictions(i.postconf.smtpd_end_of_data_restrictions ?? '');
  const rcpt = parseRestrictions(i.postconf.smtpd_recipient_restrictions ?? '');
  const out: Finding[] = [];
  const [relayLine, recipientLine, eodLine] = recommendedMainCf(i);
  const relayUnauth = relay.findIndex((r) => UNAUTH.has(r.name));
  const early = relay.findIndex((r) => isOurs(r, i.policyAddress));
  if (early >= 0 && (relayUnauth < 0 || early < relayUnauth)) {
    out.push({ check: 'policy', level: 'warning', message: `smtpd_relay_restrictions asks mailwarden before reject_unauth_destination: an OK from any policy plugin would let that client relay. Leave the relay decision to Postfix and ask mailwarden in smtpd_recipient_restrictions`, paste: [relayLine, recipientLine] });
  }
  const inRcpt = rcpt.find((r) => isOurs(r, i.policyAddress)) ?? (early >= 0 ? relay[early] : undefined);
  if (!inRcpt) out.push({ check: 'policy', level: 'problem', message: `recipients are not checked by mailwarden (no check_policy_service inet:${i.policyAddress} in smtpd_recipient_restrictions): send limits per recipient are not applied`, paste: [recipientLine] });
  else if ((inRcpt.options?.policy_context ?? RELAY_CONTEXT) !== RELAY_CONTEXT) {
    out.push({ check: 'policy', level: 'problem', message: `the recipient check uses policy_context=${inRcpt.options!.policy_context}; mailwarden's plugins expect policy_context=${RELAY_CONTEXT} there`, paste: [recipientLine] });
  }
  const inEod = eod.find((r) => isOurs(r, i.policyAddress));
  if (!inEod) out.push({ check: 'policy', level: 'problem', message: 'smtpd_end_of_data_restrictions does not ask mailwarden: message caps, holds and mail events (END-OF-MESSAGE) are not applied', paste: [eodLine] });
  else if (inEod.options?.policy_context !== undefined && inEod.options.policy_context !== LIMITS_CONTEXT) {
    out.push({ check: 'policy', level: 'problem', message: `the end-of-data check uses policy_context=${inEod.options.policy_context}; with anything but policy_context=${LIMITS_CONTEXT} the trusted relays' hourly caps are silently off`, paste: [eodLine] });
  }
  if (!out.length) out.push({ check: 'policy', level: 'ok', message: `Postfix asks mailwarden (inet:${i.policyAddress}) for each recipient (${RELAY_CONTEXT}) and each message (${LIMITS_CONTEXT}), after its own relay decision` });
  return out;
}

/** `Name: value` as Dovecot sends it (split at the first colon, value trimmed). */
function headerParts(line: string): [string, string] {
  const c = line.indexOf(':');
  return c < 0 ? ['x-api-key', line.trim()] : [line.slice(0, c).trim().toLowerCase(), line.slice(c + 1).trim()];
}

function dovecotFindings(i: DoctorInput): Finding[] {
  if (!i.doveconf) return [{ check: 'dovecot', level: 'skipped', message: `Dovecot configuration not read${i.doveconfError ? `: ${i.doveconfError}` : ''}` }];
  const wiring = i.dovecotApiHeader ? dovecotWiring({ dovecotAddress: i.dovecotAddress, headerLine: i.dovecotApiHeader }) : undefined;
  const paste = wiring ? [...wiring.lines] : [`auth_policy_server_url = http://${i.dovecotAddress}/`, '# then the API header and the other lines of this instance: `mailwarden wiring dovecot`'];
  const url = i.doveconf.auth_policy_server_url;
  if (!url) return [{ check: 'dovecot', level: 'problem', message: 'Dovecot does not ask mailwarden before logins (auth_policy_server_url is not set): brute-force blocking sees nothing', paste }];
  let hostPort = '';
  try {
    hostPort = new URL(url).host;
  } catch {
    return [{ check: 'dovecot', level: 'problem', message: `auth_policy_server_url "${url}" is not a URL`, paste }];
  }
  if (hostPort !== i.dovecotAddress) return [{ check: 'dovecot', level: 'warning', message: `auth_policy_server_url points to ${hostPort}, not mailwarden's Dovecot listener ${i.dovecotAddress}`, paste }];
  const out: Finding[] = [];
  const sent = i.doveconf.auth_policy_server_api_header;
  if (!i.dovecotApiHeader) {
    out.push({ check: 'dovecot', level: 'problem', message: "mailwarden's Dovecot secret does not exist yet (it is created on the first `mailwarden serve` or `mailwarden wiring dovecot`); until Dovecot sends it, every policy request is refused (401) and Dovecot lets logins through unchecked", paste });
  } else if (!sent) {
    out.push({ check: 'dovecot', level: 'problem', message: 'auth_policy_server_api_header is not set: mailwarden refuses (401) every policy request without its secret, so Dovecot lets logins through unchecked', paste: [wiring!.apiHeader] });
  } else {
    const [wantName, wantValue] = headerParts(i.dovecotApiHeader);
    const [gotName, gotValue] = headerParts(sent);
    if (gotName !== wantName || gotValue !== wantValue) out.push({ check: 'dovecot', level: 'problem', message: "auth_policy_server_api_header does not match mailwarden's secret: every policy request is refused (401) and Dovecot lets logins through unchecked", paste: [wiring!.apiHeader] });
  }
  if (!i.doveconf.auth_policy_hash_nonce) out.push({ check: 'dovecot', level: 'problem', message: 'auth_policy_hash_nonce is not set: Dovecot sends no password hashes, so wrong passwords cannot be told apart', paste: paste.filter((l) => l.startsWith('auth_policy_hash_nonce')) });
  const attrs = i.doveconf.auth_policy_request_attributes;
  if (attrs !== undefined && !/(^|\s)remote=%\{rip\}(\s|$)/.test(attrs)) {
    out.push({ check: 'dovecot', level: 'problem', message: 'auth_policy_request_attributes does not send remote=%{rip}: mailwarden refuses requests without the client address', paste: [`auth_policy_request_attributes = ${DOVECOT_REQUEST_ATTRIBUTES}`] });
  }
  for (const [name, what] of [['auth_policy_check_before_auth', 'logins are not checked before the password'], ['auth_policy_report_after_auth', 'failed logins are not reported, so nothing is counted']] as const) {
    if (i.doveconf[name] === 'no') out.push({ check: 'dovecot', level: 'problem', message: `${name} = no: ${what}`, paste: [`${name} = yes`] });
  }
  if (!out.length) out.push({ check: 'dovecot', level: 'ok', message: `Dovecot asks mailwarden (${url}) about logins, with its secret` });
  return out;
}

/** The host's findings about its wiring, in the order an admin should fix them (plugins' checks follow). */
export function diagnose(i: DoctorInput): Finding[] {
  return [...relayFindings(i), ...policyFindings(i), ...dovecotFindings(i)];
}

/** `postconf -n` / `postconf -x NAME…` output → name → value (continuation lines joined). */
export function parseMainCfOutput(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    if ((line[0] === ' ' || line[0] === '\t') && last) {
      out[last] += ' ' + line.trim();
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    last = line.slice(0, eq).trim();
    out[last] = line.slice(eq + 1).trim();
  }
  return out;
}

/** `doveconf -n` → its top-level `key = value` settings (sections skipped). */
export function parseDoveconf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let depth = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (line.endsWith('{')) {
      depth++;
      continue;
    }
    if (line === '}') {
      depth = Math.max(0, depth - 1);
      continue;
    }
    if (depth > 0) continue;
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}
