import type { Verdict } from '../../../shared';

/** Longest reason text put in a reply (Postfix truncates SMTP replies anyway). */
const MAX_TEXT = 200;

/** The reason as SMTP reply text: printable ASCII only, one line, bounded. */
export function replyText(reason: string): string {
  let out = '';
  for (let i = 0; i < reason.length && out.length < MAX_TEXT; i++) {
    const c = reason.charCodeAt(i);
    out += c >= 32 && c < 127 ? reason[i] : c === 9 || c === 10 || c === 13 ? ' ' : '?';
  }
  return out.trim() || 'policy';
}

/**
 * The access(5) action for a verdict. No verdict is DUNNO: Postfix goes on
 * with its own restrictions (reject_unauth_destination…), so silence never
 * opens the relay. `delay` is DUNNO too: Postfix has no tarpit reply, and
 * holding the answer back would stall the smtpd process and run into
 * smtpd_policy_service_timeout, which Postfix treats as a server error.
 */
export function policyAction(v: Verdict | undefined): string {
  if (!v) return 'DUNNO';
  switch (v.action) {
    case 'allow':
      return 'OK';
    case 'deny':
      return `REJECT ${replyText(v.reason)}`;
    case 'tempfail':
      return `DEFER_IF_PERMIT ${replyText(v.reason)}`;
    case 'hold':
      return `HOLD ${replyText(v.reason)}`;
    case 'delay':
      return 'DUNNO';
    default:
      return 'DUNNO';
  }
}
