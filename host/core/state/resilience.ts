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

/**
 * Runs one store call: on the backend while it is up; an outage error takes
 * it down and the same call is answered locally (or refused with
 * StateUnavailableError when failing closed). Any other error is the
 * caller's.
 */
export async function resilient<T>(p: OutagePolicy, during: string, primary: () => T | Promise<T>, local: () => T | Promise<T>): Promise<T> {
  if (p.before) await p.before();
  if (!p.isDown()) {
    try {
      return await primary();
    } catch (e) {
      if (!p.isOutage(e)) throw e;
      p.down(e, during);
    }
  }
  p.servedLocally?.();
  if (p.failOpen()) return local();
  throw new StateUnavailableError(`the state store (${p.backend}) is unavailable`);
}
