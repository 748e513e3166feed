/**
 * What a plugin answers. Ordered by severity: the pipeline keeps the most
 * severe of all answers, and a `deny` ends the `beforeAuth` chain.
 */
export type VerdictAction = 'allow' | 'delay' | 'hold' | 'tempfail' | 'deny';

export const VERDICT_SEVERITY: Readonly<Record<VerdictAction, number>> = {
  allow: 0,
  delay: 1,
  hold: 2,
  tempfail: 3,
  deny: 4,
};

export interface Verdict {
  readonly action: VerdictAction;
  /** Short reason for logs, the admin and (for SMTP) the client. No secrets. */
  readonly reason: string;
  /** For `delay`: tarpit seconds before answering. */
  readonly delaySeconds?: number;
  /** Id of the plugin that decided (the host fills it in when a plugin leaves it out). */
  readonly plugin?: string;
}

export const ALLOW: Verdict = Object.freeze({ action: 'allow', reason: 'no objection' });

export function isMoreSevere(a: Verdict, than: Verdict): boolean {
  return VERDICT_SEVERITY[a.action] > VERDICT_SEVERITY[than.action];
}
