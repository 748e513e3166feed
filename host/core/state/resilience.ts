import { StateUnavailableError } from './state-errors';

/**
 * How a store behaves when its backend fails under it (SQLite's disk, Redis's
 * network). The rule is one for every backend (`resilient` below); what
 * "down" means and how the backend comes back are the backend's own: SQLite
 * stays in memory until a restart, Redis probes and resynchronises.
 */
export interface OutagePolicy {
  /** The backend's name, for the refusal's message. */
  readonly backend: string;
  /** An error of the backend itself (disk, connection), not of the call (a bug, bad data). */
  isOutage(e: unknown): boolean;
  /** The first outage error of a call made while up; `isDown()` is true after it. */
  down(e: unknown, during: string): void;
  isDown(): boolean;
  /** While down: answer from the local store (fail open) or refuse the call (fail closed). */
  failOpen(): boolean;
  /** Before each call: e.g. wait for the first connection, or start a probe while down. */
  before?(): Promise<void> | void;
  /** A call was answered from the local store. */
  servedLocally?(): void;
}

const isThenable = (r: unknown): r is PromiseLike<unknown> => r !== null && typeof r === 'object' && typeof (r as PromiseLike<unknown>).then === 'function';

/**
 * Runs one store call: on the backend while it is up; an outage error takes
 * it down and the same call is answered locally (or refused with
 * StateUnavailableError when failing closed). Any other error is the
 * caller's. A synchronous backend (SQLite) gets a synchronous answer: the
 * allow path makes several store calls per request, and an extra promise
 * each is measurable there.
 */
export function resilient<T>(p: OutagePolicy, during: string, primary: () => T | Promise<T>, local: () => T | Promise<T>): T | Promise<T> {
  const b = p.before?.();
  if (b && isThenable(b)) return b.then(() => attempt(p, during, primary, local));
  return attempt(p, during, primary, local);
}

function attempt<T>(p: OutagePolicy, during: string, primary: () => T | Promise<T>, local: () => T | Promise<T>): T | Promise<T> {
  if (p.isDown()) return fallback(p, local);
  let r: T | Promise<T>;
  try {
    r = primary();
  } catch (e) {
    return failed(p, during, e, local);
  }
  return isThenable(r) ? (r as Promise<T>).then(undefined, (e: unknown) => failed(p, during, e, local)) : r;
}

function failed<T>(p: OutagePolicy, during: string, e: unknown, local: () => T | Promise<T>): T | Promise<T> {
  if (!p.isOutage(e)) throw e;
  p.down(e, during);
  return fallback(p, local);
}

function fallback<T>(p: OutagePolicy, local: () => T | Promise<T>): T | Promise<T> {
  p.servedLocally?.();
  if (p.failOpen()) return local();
  throw new StateUnavailableError(`the state store (${p.backend}) is unavailable`);
}
