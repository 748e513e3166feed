/*
 * Postfix restriction lists (`smtpd_relay_restrictions = a, b { x, y }, c`)
 * as items: a restriction name and, for those that take one, its argument.
 * The tokens come from the contract's one main.cf list splitter.
 */

import { mainCfTokens } from '../../../shared/postfix-list';

export interface Restriction {
  readonly name: string;
  /** Argument of restrictions that take one (`check_policy_service inet:…`), braces removed. */
  readonly arg?: string;
  /** `name=value` settings inside a `{ … }` argument (policy_context, default_action…). */
  readonly options?: Readonly<Record<string, string>>;
}

/** Restrictions followed by one argument (a table, a service, a number…). */
const TAKES_ARG = new Set([
  'check_policy_service', 'check_client_access', 'check_client_a_access', 'check_client_mx_access', 'check_client_ns_access',
  'check_reverse_client_hostname_access', 'check_helo_access', 'check_sender_access', 'check_recipient_access',
  'check_sender_mx_access', 'check_recipient_mx_access', 'check_sender_ns_access', 'check_recipient_ns_access',
  'check_sender_a_access', 'check_recipient_a_access', 'check_ccert_access', 'check_sasl_access', 'check_etrn_access',
  'reject_rbl_client', 'reject_rhsbl_client', 'reject_rhsbl_sender', 'reject_rhsbl_recipient', 'reject_rhsbl_helo',
  'reject_rhsbl_reverse_client', 'permit_dnswl_client', 'permit_rhswl_client', 'sleep',
]);

/** `{ inet:127.0.0.1:10040, policy_context=relay }` → service and options. */
function braced(tok: string): { arg: string; options: Record<string, string> } {
  const inner = tok.slice(1, tok.endsWith('}') ? -1 : undefined);
  const parts = inner.split(',').map((p) => p.trim()).filter(Boolean);
  const options: Record<string, string> = {};
  let arg = '';
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq > 0 && !arg.length && p.slice(0, eq).includes(':')) arg = p;
    else if (eq > 0) options[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
    else if (!arg) arg = p;
  }
  return { arg, options };
}

export function parseRestrictions(value: string): Restriction[] {
  const t = mainCfTokens(value);
  const out: Restriction[] = [];
  for (let i = 0; i < t.length; i++) {
    const name = t[i];
    if (TAKES_ARG.has(name) && i + 1 < t.length) {
      const a = t[++i];
      if (a.startsWith('{')) {
        const b = braced(a);
        out.push({ name, arg: b.arg, options: b.options });
      } else out.push({ name, arg: a });
    } else out.push({ name });
  }
  return out;
}

/** Restrictions that can let a request through. */
export function permits(r: Restriction): boolean {
  return r.name === 'permit' || r.name.startsWith('permit_') || r.name.startsWith('check_');
}
