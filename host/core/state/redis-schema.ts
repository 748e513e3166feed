import type { HostStore } from './host-store';
import { SchemaTooNewError } from './migrations/sqlite-migrations';

/**
 * The Redis store's key layout version, kept as a key/value of the store
 * itself (so it lives under the deployment's keyPrefix, next to the data it
 * describes). Layout 1 is the one of redis-keys.ts; data written before
 * versioning has it too, so a missing stamp is written as 1. A layout change
 * adds a step here that rewrites keys, then the stamp.
 */
export const REDIS_SCHEMA_VERSION = 1;
const STAMP = 'h:schema:redis';

interface Stamp {
  readonly version: number;
  readonly at: number;
}

const STEPS: ReadonlyArray<{ version: number; up: (store: HostStore) => Promise<void> }> = [];

/**
 * Run once at open, before anything else reads the store: refuses a layout a
 * newer mailwarden wrote, brings an older one forward. Does nothing while
 * Redis is unreachable (a fail-open store then decides from its local copy and
 * the check runs at the next start).
 */
export async function ensureRedisSchema(store: HostStore, now = Date.now()): Promise<{ from: number; to: number } | undefined> {
  const ready = (store as Partial<{ ready(): Promise<boolean> }>).ready;
  if (store.backend !== 'redis' || !ready || !(await ready.call(store))) return undefined;
  const stamp = await store.get<Stamp>(STAMP, now);
  const from = stamp?.version ?? 0;
  if (from > REDIS_SCHEMA_VERSION) {
    throw new SchemaTooNewError(
      `Redis key ${STAMP}: state layout version ${from} is newer than this mailwarden understands (${REDIS_SCHEMA_VERSION}); a newer mailwarden wrote it. Install that version again on this node`,
    );
  }
  for (const s of STEPS) if (s.version > from) await s.up(store);
  if (from !== REDIS_SCHEMA_VERSION) await store.set(STAMP, { version: REDIS_SCHEMA_VERSION, at: now } satisfies Stamp);
  return { from, to: REDIS_SCHEMA_VERSION };
}
