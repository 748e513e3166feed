import type { HookContext, HookName, Logger, Metrics } from '../../shared';
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

/**
 * Calls one plugin hook in isolation. A synchronous answer costs nothing
 * extra; only a real promise gets a timer. A throw or a timeout is logged,
 * counted, and returned as FAULT for the caller to apply the failure policy.
 */
export async function runHook(entry: HookEntry, hook: HookName, args: unknown[], logger: Logger, metrics: Metrics): Promise<unknown> {
  try {
    const r = entry.fn(...args, entry.ctx);
    if (r !== null && typeof r === 'object' && typeof (r as Promise<unknown>).then === 'function') {
      return await withTimeout(r as Promise<unknown>, entry.timeoutMs, `${entry.id}.${hook}`);
    }
    return r;
  } catch (e) {
    const kind = e instanceof TimeoutError ? 'timeout' : 'error';
    metrics.increment('plugin_faults', { plugin: entry.id, hook, kind });
    logger.error({ plugin: entry.id, hook, kind, err: (e as Error)?.message ?? String(e) }, `plugin ${kind}`);
    return FAULT;
  }
}
