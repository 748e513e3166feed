import type { RelayRequest } from '../../../../shared';
import { normalizeIp } from '../../../../shared/net';
import { normalizeDomain, normalizeLogin } from '../../../../shared/address';
import type { PolicyRequest } from './policy-parser';

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

/** Normalised domains of recent senders: IDN conversion is the costliest step of a request, and senders repeat. */
const domainCache = new Map<string, string | null>();
const DOMAIN_CACHE_SIZE = 4096;

/** The domain part of an envelope address, normalised; undefined for `<>` or junk. */
export function senderDomain(sender: string): string | undefined {
  const at = sender.lastIndexOf('@');
  if (at < 0 || at === sender.length - 1) return undefined;
  const raw = sender.slice(at + 1);
  const hit = domainCache.get(raw);
  if (hit !== undefined) return hit ?? undefined;
  let d: string | null;
  try {
    d = normalizeDomain(raw);
  } catch {
    d = null;
  }
  if (domainCache.size >= DOMAIN_CACHE_SIZE) domainCache.clear();
  domainCache.set(raw, d);
  return d ?? undefined;
}

/**
 * A RelayRequest whose `attributes` are built on first use (the plugins
 * shipped with mailwarden never read them). A class, not an object literal
 * with a getter: V8 builds those through its slow path, once per request.
 */
class PolicyRelayRequest implements RelayRequest {
  request = '';
  protocolState = '';
  clientAddress = '';
  sender = '';
  recipient = '';
  recipientCount = 0;
  size = 0;
  instance = '';
  domain = '';
  at = 0;
  protocolName?: string;
  clientName?: string;
  heloName?: string;
  saslMethod?: string;
  saslUsername?: string;
  queueId?: string;
  policyContext?: string;

  constructor(private readonly source: PolicyRequest) {}

  get attributes(): Readonly<Record<string, string>> {
    return this.source.attributes;
  }

  toJSON(): RelayRequest {
    const { source: _source, ...fields } = this;
    return { ...fields, attributes: this.attributes };
  }
}

/**
 * Turns one request's attributes into the RelayRequest plugins see. The
 * domain whose settings apply is the SASL login's, else the sender's, else the
 * default domain. Throws LoginError when sasl_username is present but
 * unusable: such a request must not pass for an unauthenticated one.
 */
export function toRelayRequest(req: PolicyRequest, defaultDomain: string, now: number): RelayRequest {
  const a = req.fields;
  const sasl = a.sasl_username ? utf8(a.sasl_username) : '';
  const sender = a.sender ? utf8(a.sender) : '';
  const r = new PolicyRelayRequest(req);
  if (sasl.length) {
    const n = normalizeLogin(sasl, defaultDomain);
    r.saslUsername = n.login;
    r.domain = n.domain;
  } else r.domain = senderDomain(sender) ?? defaultDomain;
  const client = a.client_address ?? '';
  r.request = a.request ?? '';
  r.protocolState = (a.protocol_state ?? '').toUpperCase();
  r.clientAddress = normalizeIp(client) ?? client;
  r.sender = sender;
  r.recipient = a.recipient ? utf8(a.recipient) : '';
  r.recipientCount = count(a.recipient_count);
  r.size = count(a.size);
  r.instance = a.instance ?? '';
  r.at = now;
  if (a.protocol_name) r.protocolName = a.protocol_name;
  if (a.client_name) r.clientName = utf8(a.client_name);
  if (a.helo_name) r.heloName = utf8(a.helo_name);
  if (a.sasl_method) r.saslMethod = a.sasl_method;
  if (a.queue_id) r.queueId = a.queue_id;
  if (a.policy_context) r.policyContext = utf8(a.policy_context);
  return r;
}
