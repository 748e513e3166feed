import type { HookContext, HookName, Logger, Metrics } from '../../../shared';
import { TimeoutError, withTimeout } from '../time';

export interface HookEntry {
  readonly id: string;
  readonly fn: (...args: any[]) => unknown;
  readonly ctx: HookContext;
  readonly timeoutMs: number;
  readonly failClosed: boolean;
}

/** A hook that threw or timed out. */
export const FAULT: unique symbol = Symbol('hook fault');

function fault(entry: HookEntry, hook: HookName, e: unknown, logger: Logger, metrics: Metrics): typeof FAULT {
  const kind = e instanceof TimeoutError ? 'timeout' : 'error';
  metrics.increment('plugin_faults', { plugin: entry.id, hook, kind });
  logger.error({ plugin: entry.id, hook, kind, err: (e as Error)?.message ?? String(e) }, `plugin ${kind}`);
  return FAULT;
}

const isThenable = (r: unknown): r is Promise<unknown> =>
  r !== null && typeof r === 'object' && typeof (r as Promise<unknown>).then === 'function';

/**
 * Calls one plugin hook in isolation. A synchronous answer is returned as is
 * (no promise, no timer: the common case stays cheap); only a real promise
 * gets a timeout. A throw or a timeout is logged, counted, and returned as
 * FAULT for the caller to apply the plugin's failure policy.
 */
export function runHook(entry: HookEntry, hook: HookName, args: unknown[], logger: Logger, metrics: Metrics): unknown {
  let r: unknown;
  try {
    r = entry.fn(...args, entry.ctx);
  } catch (e) {
    return fault(entry, hook, e, logger, metrics);
  }
  if (!isThenable(r)) return r;
  return withTimeout(r, entry.timeoutMs, `${entry.id}.${hook}`).catch((e) => fault(entry, hook, e, logger, metrics));
}
