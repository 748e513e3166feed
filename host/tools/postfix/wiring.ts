import { createHash } from 'node:crypto';
import type { ListenAddress } from '../listen-address';

/*
 * The one wiring of mailwarden into Postfix and Dovecot. `mailwarden wiring`
 * prints it, `doctor` compares the running configuration with it, and the
 * README and docs/postfix.md show its output.
 *
 * Postfix. The relay decision stays Postfix's own: permit_mynetworks (what
 * a plugin writes for mynetworks, printed with these lines),
 * permit_sasl_authenticated, reject_unauth_destination.
 * mailwarden is asked only afterwards, so no answer of a policy plugin can
 * ever open the relay:
 * - smtpd_recipient_restrictions, evaluated after smtpd_relay_restrictions
 *   for every recipient that passed them (authenticated, trusted, or for a
 *   local domain): policy_context=relay, state RCPT. Send limits count
 *   recipients here; an OK here ends only this list.
 * - smtpd_end_of_data_restrictions, once the message is in: policy_context=
 *   limits, state END-OF-MESSAGE. Message caps (trusted relays' hourly cap,
 *   per-account messages per hour), holds, and the mail events of the plugins.
 * Each list asks once per recipient or message, so nothing is counted twice.
 */

/** policy_context of the RCPT check and of the END-OF-MESSAGE check. */
export const RELAY_CONTEXT = 'relay';
export const LIMITS_CONTEXT = 'limits';

/** How Postfix and Dovecot on this host reach a listener: a wildcard bind is reached on loopback. */
export function reachableAt(a: ListenAddress): string {
  const host = a.host === '0.0.0.0' ? '127.0.0.1' : a.host === '::' ? '::1' : a.host;
  return host.includes(':') ? `[${host}]:${a.port}` : `${host}:${a.port}`;
}

export function policyService(address: string, context: string): string {
  return `check_policy_service { inet:${address}, policy_context=${context} }`;
}

export interface PostfixWiring {
  readonly relay: string;
  readonly recipient: string;
  readonly endOfData: string;
}

/** The host's main.cf settings (one line each) for the policy listener at `address` (host:port as Postfix writes it). */
export function postfixWiring(o: { policyAddress: string }): PostfixWiring {
  return {
    relay: 'smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination',
    recipient: `smtpd_recipient_restrictions = ${policyService(o.policyAddress, RELAY_CONTEXT)}`,
    endOfData: `smtpd_end_of_data_restrictions = ${policyService(o.policyAddress, LIMITS_CONTEXT)}`,
  };
}

/**
 * The main.cf block `mailwarden wiring postfix` prints: the plugins' lines
 * (`contributed`, with their comments: mynetworks, say) come before the relay
 * decision that reads them.
 */
export function postfixWiringText(o: { policyAddress: string; contributed?: readonly string[] }): string {
  const w = postfixWiring(o);
  return [
    `# mailwarden policy service at ${o.policyAddress} (Postfix 3.1+ for policy_context).`,
    ...(o.contributed ?? []),
    '# The relay decision stays Postfix\'s; reject_unauth_destination keeps the server from being an open relay.',
    w.relay,
    '# Every recipient that passed the relay decision (send limits). If this list has',
    '# restrictions of yours, keep them and add the check_policy_service as the last item.',
    w.recipient,
    '# Every message once its data is in (message caps, holds, mail events).',
    w.endOfData,
    '',
  ].join('\n');
}

/** The `auth_policy_request_attributes` mailwarden reads (Dovecot 2.3.11+ for %{session}). */
export const DOVECOT_REQUEST_ATTRIBUTES = 'login=%{requested_username} pwhash=%{hashed_password} remote=%{rip} device_id=%{client_id} protocol=%s session_id=%{session}';

/**
 * A nonce for this instance, stable across runs: derived from its Dovecot
 * secret, so every Dovecot node wired to it hashes passwords alike, and
 * one-way, so it tells nothing about the secret.
 */
export function hashNonceFor(headerLine: string): string {
  return createHash('sha256').update(`mailwarden auth_policy_hash_nonce\0${headerLine}`).digest('hex').slice(0, 32);
}

export interface DovecotWiring {
  readonly url: string;
  readonly apiHeader: string;
  readonly lines: readonly string[];
}

/** dovecot.conf settings for the Dovecot listener at `address` with the API header line `headerLine`. */
export function dovecotWiring(o: { dovecotAddress: string; headerLine: string }): DovecotWiring {
  const url = `auth_policy_server_url = http://${o.dovecotAddress}/`;
  const apiHeader = `auth_policy_server_api_header = ${o.headerLine}`;
  return {
    url,
    apiHeader,
    lines: [
      url,
      apiHeader,
      'auth_policy_server_timeout_msecs = 2000',
      `auth_policy_hash_nonce = ${hashNonceFor(o.headerLine)}`,
      'auth_policy_hash_truncate = 12',
      `auth_policy_request_attributes = ${DOVECOT_REQUEST_ATTRIBUTES}`,
      'auth_policy_check_before_auth = yes',
      'auth_policy_check_after_auth = yes',
      'auth_policy_report_after_auth = yes',
    ],
  };
}

export function dovecotWiringText(o: { dovecotAddress: string; headerLine: string; secretFile?: string }): string {
  return [
    `# mailwarden auth policy at ${o.dovecotAddress}: e.g. /etc/dovecot/conf.d/95-mailwarden.conf (mode 640, root:dovecot), then \`doveadm reload\`.`,
    `# The API header carries this instance's secret${o.secretFile ? ` (${o.secretFile})` : ''}: requests without it get 401.`,
    '# Dovecot 2.4 (Debian 13): leave out auth_policy_server_timeout_msecs and auth_policy_request_attributes; 2.4 has',
    '# neither setting in this form (its timeout is 2 s by default) and sends these attributes by default.',
    ...dovecotWiring(o).lines,
    '',
  ].join('\n');
}
