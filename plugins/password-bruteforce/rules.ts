import type { Block, StateStore } from '../../shared';
import { type BlockKind, createBlock } from './blocks';
import type { Settings } from './config';
import * as K from './keys';
import type { Subject } from './subject';

const HOUR = 3_600_000;

/**
 * The block that refuses this subject now, if any. An account-wide block
 * never applies on a network where the login succeeded recently: an attacker
 * must not be able to lock a user out of their usual networks.
 */
export async function activeBlock(store: StateStore, subj: Subject, now: number): Promise<Block | undefined> {
  const pair = await store.getBlock(K.pairBlock(subj.net, subj.login), subj.domain, now);
  if (pair) return pair;
  const net = await store.getBlock(K.networkBlock(subj.net), subj.domain, now);
  if (net) return net;
  const login = await store.getBlock(K.loginBlock(subj.login), subj.domain, now);
  if (login && !(await isKnownNetwork(store, subj, now))) return login;
  return undefined;
}

export async function isKnownNetwork(store: StateStore, subj: Subject, now: number): Promise<boolean> {
  return (await store.get<number>(K.knownNetwork(subj.login, subj.net), now)) !== undefined;
}

/** Distinct wrong passwords this pair has in the window (for the tarpit). */
export async function pairFailureCount(store: StateStore, subj: Subject, s: Settings, now: number): Promise<number> {
  return (await store.distinctMembers(K.pairFailures(subj.net, subj.login), s.findMs, now)).length;
}

export interface FailureResult {
  readonly pairFailures: number;
  readonly loginNetworks: number;
  readonly networkLogins: number;
  readonly blocks: Block[];
}

/**
 * Counts one failed authentication under the three rules and blocks what
 * crossed its threshold. `member` identifies the password (Dovecot's pwhash):
 * the same wrong password again is one failure, not many. Unknown users are
 * counted exactly like existing ones.
 */
export async function recordFailure(store: StateStore, subj: Subject, member: string, s: Settings, now: number): Promise<FailureResult> {
  const blocks: Block[] = [];
  const pairKey = K.pairFailures(subj.net, subj.login);
  const pairFailures = await store.addDistinct(pairKey, member, s.findMs, now);
  let loginNetworks = 0;
  let networkLogins = 0;
  if (s.loginMaxNetworks > 0) loginNetworks = await store.addDistinct(K.loginNetworks(subj.login), subj.net, s.findMs, now);
  if (s.ipMaxLogins > 0) networkLogins = await store.addDistinct(K.networkLogins(subj.domain, subj.net), subj.login, s.findMs, now);

  const trip = async (kind: BlockKind, counterKey: string, evidence: Record<string, unknown>) => {
    // A block starts the count afresh: after it ends, the next block needs a full threshold again (and is twice as long).
    await store.reset(counterKey);
    const b = await createBlock(store, kind, subj, s, now, evidence);
    blocks.push(b);
  };
  if (pairFailures >= s.maxFailures) await trip('pair', pairKey, { failures: pairFailures });
  if (s.loginMaxNetworks > 0 && loginNetworks >= s.loginMaxNetworks) await trip('login', K.loginNetworks(subj.login), { networks: loginNetworks });
  if (s.ipMaxLogins > 0 && networkLogins >= s.ipMaxLogins) await trip('network', K.networkLogins(subj.domain, subj.net), { logins: networkLogins });
  return { pairFailures, loginNetworks, networkLogins, blocks };
}

/** A success resets the pair and makes (or keeps) the network known for the login. */
export async function recordSuccess(store: StateStore, subj: Subject, s: Settings, now: number): Promise<void> {
  await store.reset(K.pairFailures(subj.net, subj.login));
  if (s.knownMs <= 0) return;
  const key = K.knownNetwork(subj.login, subj.net);
  const since = await store.get<number>(key, now);
  // Once an hour is plenty for a memory of days, and spares a disk write per login.
  if (since === undefined || now - since >= HOUR) await store.set(key, now, now + s.knownMs);
}
