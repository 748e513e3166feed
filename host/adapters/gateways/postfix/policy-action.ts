import type { Verdict } from '../../../../shared';

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

/** Longest tarpit asked of Postfix; SMTP clients wait minutes, but a longer pause ties up an smtpd process for little gain. */
export const MAX_SLEEP_SECONDS = 60;

/**
 * The access(5) action for a verdict. No verdict is DUNNO: Postfix goes on
 * with its own restrictions (reject_unauth_destination…), so silence never
 * opens the relay. `delay` becomes Postfix's own `sleep N` restriction
 * (pause, then go on like DUNNO) rather than us holding the answer back,
 * which would run into smtpd_policy_service_timeout.
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
    case 'delay': {
      const n = Math.min(MAX_SLEEP_SECONDS, Math.ceil(v.delaySeconds ?? 0));
      return n >= 1 ? `sleep ${n}` : 'DUNNO';
    }
    default:
      return 'DUNNO';
  }
}
