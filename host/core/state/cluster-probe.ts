import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';

/** Redis Cluster's hash slots. */
const SLOTS = 16384;

/** Tries to find a key in a range of slots before giving up (a one-slot range needs ~16k on average). */
const MAX_TRIES = 1 << 20;

/** Probe keys found, by slot range: the ranges only change when the cluster is resharded. */
const found = new Map<string, string>();

/**
 * A key (never written) whose Redis Cluster slot lies in [start, end]. It
 * carries the store's prefix, so an ACL that limits the store to its own
 * keys allows it; its hash tag alone decides the slot.
 */
export function keyInSlots(prefix: string, start: number, end: number): string {
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end < SLOTS)) throw new Error(`not a range of Redis Cluster slots: ${start}-${end}`);
  const id = `${prefix}\u0000${start}-${end}`;
  const known = found.get(id);
  if (known !== undefined) return known;
  for (let i = 0; i < MAX_TRIES; i++) {
    const k = `${prefix}{probe:${i}}`;
    const s = calculateSlot(k);
    if (s >= start && s <= end) {
      found.set(id, k);
      return k;
    }
  }
  throw new Error(`no probe key found for slots ${start}-${end}`);
}

/**
 * Resolves when every master of the cluster answers; rejects (or times out,
 * by the client's commandTimeout) when one does not. A master is asked by a
 * read of a key in its slots, not by a PING to each node the client lists:
 * ioredis drops a master that stopped answering from that list while the
 * cluster still gives it its slots (seen with CLIENT PAUSE), and a PING to
 * the rest then said all was well while every call for those slots timed
 * out. A keyed read goes where the cluster says the slot lives.
 */
export async function everyMasterAnswers(c: Cluster, prefix: string): Promise<void> {
  // Per range: start, end, then the master ([host, port, id, …]), then its replicas.
  const ranges = (await c.cluster('SLOTS')) as unknown as Array<[number, number, [string, number, ...unknown[]]]>;
  // Each master's widest range: after resharding a master may hold single slots, whose key takes ~16k tries to find.
  const widest = new Map<string, [number, number]>();
  for (const [start, end, master] of ranges) {
    // Its node id when given (Redis 4+), else its address (an endpoint may be '?' or empty when unknown).
    const node = typeof master[2] === 'string' && master[2] ? master[2] : `${master[0]}:${master[1]}`;
    const known = widest.get(node);
    if (!known || end - start > known[1] - known[0]) widest.set(node, [start, end]);
  }
  // GET: a command the store uses anyway, so an ACL that lets it work lets the probe work.
  await Promise.all([...widest.values()].map(([start, end]) => c.get(keyInSlots(prefix, start, end))));
}
