/*
 * The chain runner: how the host (and the plugin test kit) run one hook of
 * the enabled plugins, under the hook's combining rule (HOOKS in ./hooks).
 * Answers without a promise when every plugin answered without one: the
 * Postfix gateway asks per request, and a promise per request is measurable.
 */
import { HOOKS, type HookContext, type HookName } from './hooks';
import type { Violation } from './password';
import { VERDICT_SEVERITY, type Verdict } from './verdict';

/** One plugin's hook, ready to call: what the host's plan holds per hook. */
export interface ChainEntry {
  /** The plugin's id: names it in verdicts, violations and fault reports. */
  readonly plugin: string;
  /** The hook, bound to its plugin; called with the hook's arguments then `ctx`. */
  readonly fn: (...args: any[]) => unknown;
  readonly ctx: HookContext;
  /** How long a returned promise may take; a synchronous answer is never timed. */
  readonly timeoutMs: number;
  /** The manifest's `failurePolicy: "closed"`: a fault refuses (tempfail) instead of letting through. */
  readonly failClosed: boolean;
}

/** A hook that threw, rejected or timed out; the runner carries on with the next plugin. */
export interface HookFault {
  readonly plugin: string;
  readonly hook: HookName;
  readonly kind: 'error' | 'timeout';
  /** The error's message (or the timeout's). */
  readonly message: string;
}

/** Told of every fault, to log and count it (the runner itself neither logs nor counts). */
export type FaultListener = (fault: HookFault) => void;

type MaybePromise<T> = T | Promise<T>;

/** What a chain answers, by combining rule. */
interface RuleResult {
  'most-severe': Verdict | undefined;
  'first-answer': Verdict | undefined;
  collect: Violation[];
  all: void;
}
export type ChainResult<H extends HookName> = RuleResult[(typeof HOOKS)[H]['rule']];

const FAULT: unique symbol = Symbol('hook fault');

const isThenable = (r: unknown): r is PromiseLike<unknown> =>
  r !== null && typeof r === 'object' && typeof (r as PromiseLike<unknown>).then === 'function';

/**
 * Runs `hook` of each entry in order under the hook's combining rule. Each
 * call is isolated: a throw, a rejection or a promise that outlives the
 * entry's timeout is reported to `onFault` and counts as the plugin's failure
 * policy says (open: no objection; closed: tempfail, or an `unavailable`
 * violation for validatePassword). Verdicts and violations carry the plugin
 * that gave them. `extra` is the second argument of two-argument hooks
 * (afterAuth's outcome). Never rejects.
 */
export function runChain<H extends HookName>(
  hook: H,
  entries: readonly ChainEntry[],
  subject: unknown,
  extra: unknown,
  onFault: FaultListener,
): MaybePromise<ChainResult<H>> {
  const fold = new Fold(HOOKS[hook].rule);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const r = call(e, hook, subject, extra, onFault);
    if (isThenable(r)) return finishAsync(hook, entries, subject, extra, onFault, fold, i, r as Promise<unknown>) as Promise<ChainResult<H>>;
    if (fold.add(e, r)) break;
  }
  return fold.result() as ChainResult<H>;
}

async function finishAsync(hook: HookName, entries: readonly ChainEntry[], subject: unknown, extra: unknown, onFault: FaultListener, fold: Fold, at: number, pending: Promise<unknown>): Promise<unknown> {
  if (fold.add(entries[at], await pending)) return fold.result();
  for (let i = at + 1; i < entries.length; i++) {
    const e = entries[i];
    let r = call(e, hook, subject, extra, onFault);
    if (isThenable(r)) r = await r;
    if (fold.add(e, r)) break;
  }
  return fold.result();
}

/** One call in isolation; a promise only when the hook returned one (then timed, and never rejecting). */
function call(e: ChainEntry, hook: HookName, subject: unknown, extra: unknown, onFault: FaultListener): unknown {
  let r: unknown;
  try {
    r = extra === undefined ? e.fn(subject, e.ctx) : e.fn(subject, extra, e.ctx);
  } catch (err) {
    onFault({ plugin: e.plugin, hook, kind: 'error', message: messageOf(err) });
    return FAULT;
  }
  return isThenable(r) ? timed(r, e, hook, onFault) : r;
}

function timed(p: PromiseLike<unknown>, e: ChainEntry, hook: HookName, onFault: FaultListener): Promise<unknown> {
  return new Promise((resolve) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      onFault({ plugin: e.plugin, hook, kind: 'timeout', message: `${e.plugin}.${hook} did not finish within ${e.timeoutMs} ms` });
      resolve(FAULT);
    }, e.timeoutMs);
    // A hanging hook must not hold the process open.
    (timer as { unref?(): void }).unref?.();
    p.then(
      (v) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        onFault({ plugin: e.plugin, hook, kind: 'error', message: messageOf(err) });
        resolve(FAULT);
      },
    );
  });
}

function messageOf(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

/** The combining rule's running answer. */
class Fold {
  private best: Verdict | undefined = undefined;
  private violations: Violation[] | undefined = undefined;

  constructor(private readonly rule: keyof RuleResult) {}

  /** Adds one plugin's answer; true when the chain ends here. */
  add(e: ChainEntry, r: unknown): boolean {
    switch (this.rule) {
      case 'all':
        return false;
      case 'collect': {
        const out = (this.violations ??= []);
        if (r === FAULT) {
          if (e.failClosed) out.push(unavailableViolation(e.plugin, `the password policy (${e.plugin})`));
        } else if (r) {
          for (const v of r as readonly Violation[]) out.push({ ...v, plugin: e.plugin });
        }
        return false;
      }
      default: {
        const v = verdictOf(e, r);
        if (!v) return false;
        if (this.rule === 'first-answer') {
          this.best = v;
          return true;
        }
        const b = this.best;
        if (!b || VERDICT_SEVERITY[v.action] > VERDICT_SEVERITY[b.action] || (v.action === b.action && (v.delaySeconds ?? 0) > (b.delaySeconds ?? 0))) this.best = v;
        return v.action === 'deny';
      }
    }
  }

  result(): unknown {
    if (this.rule === 'collect') return this.violations ?? [];
    return this.rule === 'all' ? undefined : this.best;
  }
}

function verdictOf(e: ChainEntry, r: unknown): Verdict | undefined {
  if (r === FAULT) return e.failClosed ? { action: 'tempfail', reason: `${e.plugin} is unavailable`, plugin: e.plugin } : undefined;
  const v = r as Verdict | undefined;
  if (!v) return undefined;
  return v.plugin === undefined ? { ...v, plugin: e.plugin } : v;
}

/**
 * The violation that stands for a policy that could not be checked
 * (`what` e.g. "the password policy (my-plugin)"): the change is refused and
 * the user is told to try later, in the languages violations come in.
 */
export function unavailableViolation(plugin: string, what: string): Violation {
  const [fr, de] = [what.replace('the password policy', 'la politique de mot de passe'), what.replace('the password policy', 'die Passwortrichtlinie')];
  return {
    rule: 'unavailable',
    plugin,
    params: {},
    message: {
      en: `${upperFirst(what)} is unavailable; try again later.`,
      fr: `${upperFirst(fr)} est indisponible ; réessayez plus tard.`,
      de: `${upperFirst(de)} ist nicht verfügbar; bitte später erneut versuchen.`,
    },
  };
}

const upperFirst = (s: string): string => `${s[0].toUpperCase()}${s.slice(1)}`;
