import type { RelayRequest } from '../../../shared';
import { normalizeIp } from '../../../shared';
import { normalizeDomain, normalizeLogin } from '../../login';
import type { PolicyAttributes } from './policy-parser';

/** Postfix attribute values arrive as bytes; names and addresses may be UTF-8. */
function utf8(latin1: string): string {
  for (let i = 0; i < latin1.length; i++) {
    if (latin1.charCodeAt(i) > 127) return Buffer.from(latin1, 'latin1').toString('utf8');
  }
  return latin1;
}

function count(v: string | undefined): number {
  if (v === undefined || v.length === 0 || v.length > 15) return 0;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

/** The domain part of an envelope address, normalised; undefined for `<>` or junk. */
export function senderDomain(sender: string): string | undefined {
  const at = sender.lastIndexOf('@');
  if (at < 0 || at === sender.length - 1) return undefined;
  try {
    return normalizeDomain(sender.slice(at + 1));
  } catch {
    return undefined;
  }
}

/**
 * Turns one request's attributes into the RelayRequest plugins see. The
 * domain whose settings apply is the SASL login's, else the sender's, else the
 * default domain. Throws LoginError when sasl_username is present but
 * unusable: such a request must not pass for an unauthenticated one.
 */
export function toRelayRequest(a: PolicyAttributes, defaultDomain: string, now: number): RelayRequest {
  const sasl = a.sasl_username ? utf8(a.sasl_username) : '';
  const sender = utf8(a.sender ?? '');
  let saslUsername: string | undefined;
  let domain: string;
  if (sasl.length) {
    const n = normalizeLogin(sasl, defaultDomain);
    saslUsername = n.login;
    domain = n.domain;
  } else domain = senderDomain(sender) ?? defaultDomain;
  const opt = (name: string, key: string): Record<string, string> => (a[key] ? { [name]: utf8(a[key]) } : {});
  return {
    request: a.request,
    protocolState: (a.protocol_state ?? '').toUpperCase(),
    clientAddress: normalizeIp(a.client_address ?? '') ?? a.client_address ?? '',
    sender,
    recipient: utf8(a.recipient ?? ''),
    recipientCount: count(a.recipient_count),
    size: count(a.size),
    instance: a.instance ?? '',
    domain,
    at: now,
    attributes: a,
    ...(saslUsername ? { saslUsername } : {}),
    ...opt('protocolName', 'protocol_name'),
    ...opt('clientName', 'client_name'),
    ...opt('heloName', 'helo_name'),
    ...opt('saslMethod', 'sasl_method'),
    ...opt('queueId', 'queue_id'),
    ...opt('policyContext', 'policy_context'),
  } as RelayRequest;
}
