import type { Block, StateStore } from '../../shared';
import { type BlockKind, blockKey, createBlock } from './blocks';
import type { Settings } from './config';
import * as K from './keys';
import type { Subject } from './subject';

const HOUR = 3_600_000;

/**
 * The block that refuses this subject now, if any. On one of the login's
 * known networks (often a shared NAT or office address) neither an
 * account-wide block nor a network block applies: an attacker must not be
 * able to lock a user out of their usual networks. A pair block does apply
 * there (it takes knownPairMaxFailures guesses), except to what the owner
 * has shown: a device that succeeded, or the password that succeeded (see
 * passesPairBlock). A device block refuses that one device.
 */
export async function activeBlock(store: StateStore, subj: Subject, s: Settings, now: number, pwhash?: string): Promise<Block | undefined> {
  const pair = await store.getBlock(K.pairBlock(subj.net, subj.login), subj.domain, now);
  const device = subj.device === undefined ? undefined : await store.getBlock(K.deviceBlock(subj.net, subj.login, subj.device), subj.domain, now);
  if (device) return device;
  const net = await store.getBlock(K.networkBlock(subj.net), subj.domain, now);
  const login = await store.getBlock(K.loginBlock(subj.login), subj.domain, now);
  if (!pair && !net && !login) return undefined;
  const known = await isKnownNetwork(store, subj, now);
  if (pair && !(known && (await passesPairBlock(store, subj, s, now, pwhash)))) return pair;
  return known ? undefined : (net ?? login);
}

/**
 * What gets through a pair block on a known network: a device that
 * succeeded for the login, or the password that last succeeded, told by
 * Dovecot's pwhash (salted with a nonce the attacker does not have). The
 * hash is truncated (12 bits by default), so about one wrong password in
 * 4096 shares it: such failures are counted, and maxFailures of them in the
 * find time end this pass until they leave the window.
 */
async function passesPairBlock(store: StateStore, subj: Subject, s: Settings, now: number, pwhash: string | undefined): Promise<boolean> {
  if (await isKnownDevice(store, subj, now)) return true;
  if (pwhash === undefined || (await store.get<string>(K.knownHash(subj.login), now)) !== pwhash) return false;
  return (await store.count(K.hashCollisions(subj.net, subj.login), s.findMs, now)) < s.maxFailures;
}

/** The owner, as far as can be told: on a known network with a device or the password that succeeded there. */
export async function isOwnerOnKnownNetwork(store: StateStore, subj: Subject, s: Settings, now: number, pwhash?: string): Promise<boolean> {
  return (await isKnownNetwork(store, subj, now)) && (await passesPairBlock(store, subj, s, now, pwhash));
}

export async function isKnownNetwork(store: StateStore, subj: Subject, now: number): Promise<boolean> {
  return (await store.get<number>(K.knownNetwork(subj.login, subj.net), now)) !== undefined;
}

export async function isKnownDevice(store: StateStore, subj: Subject, now: number): Promise<boolean> {
  return subj.device !== undefined && (await store.get<number>(K.knownDevice(subj.login, subj.device), now)) !== undefined;
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
 * Counts one failed authentication under the rules and blocks what crossed
 * its threshold. `member` identifies the password (Dovecot's pwhash): the
 * same wrong password again is one failure, not many. Unknown users are
 * counted exactly like existing ones.
 */
export async function recordFailure(store: StateStore, subj: Subject, member: string, s: Settings, now: number): Promise<FailureResult> {
  const blocks: Block[] = [];
  const trip = async (kind: BlockKind, counterKey: string, evidence: Record<string, unknown>) => {
    // A block starts the count afresh: after it ends, the next block needs a full threshold again (and is twice as long).
    await store.reset(counterKey);
    if (await store.getBlock(blockKey(kind, subj), subj.domain, now)) return;
    const b = await createBlock(store, kind, subj, s, now, evidence);
    blocks.push(b);
  };
  const known = await isKnownNetwork(store, subj, now);
  if (known && (await store.get<string>(K.knownHash(subj.login), now)) === member) await store.hit(K.hashCollisions(subj.net, subj.login), s.findMs, now);
  // On a known network each device is capped on its own at the ordinary threshold: a stolen device id buys no more.
  if (known && subj.device !== undefined) {
    const deviceKey = K.deviceFailures(subj.net, subj.login, subj.device);
    const deviceFailures = await store.addDistinct(deviceKey, member, s.findMs, now);
    if (deviceFailures >= s.maxFailures) await trip('device', deviceKey, { failures: deviceFailures });
  }
  // A blocked pair's attempts are refused before the password check; a failure
  // reported anyway (a race, a log line, an exempt device) must not extend or repeat the block.
  if (await store.getBlock(K.pairBlock(subj.net, subj.login), subj.domain, now)) return { pairFailures: 0, loginNetworks: 0, networkLogins: 0, blocks };
  const pairKey = K.pairFailures(subj.net, subj.login);
  const pairFailures = await store.addDistinct(pairKey, member, s.findMs, now);
  let loginNetworks = 0;
  let networkLogins = 0;
  if (s.loginMaxNetworks > 0) loginNetworks = await store.addDistinct(K.loginNetworks(subj.login), subj.net, s.findMs, now);
  if (s.ipMaxLogins > 0) networkLogins = await store.addDistinct(K.networkLogins(subj.domain, subj.net), subj.login, s.findMs, now);

  if (pairFailures >= (known ? s.knownPairMaxFailures : s.maxFailures)) await trip('pair', pairKey, { failures: pairFailures, knownNetwork: known });
  if (s.loginMaxNetworks > 0 && loginNetworks >= s.loginMaxNetworks) await trip('login', K.loginNetworks(subj.login), { networks: loginNetworks });
  if (s.ipMaxLogins > 0 && networkLogins >= s.ipMaxLogins) await trip('network', K.networkLogins(subj.domain, subj.net), { logins: networkLogins });
  return { pairFailures, loginNetworks, networkLogins, blocks };
}

/**
 * A success makes (or keeps) the network known for the login, and the device
 * too when the client named one. It resets the pair only on a network that
 * was not known yet: on a known one (a NAT the owner shares) the owner
 * logging in every minute would otherwise hand a neighbour fresh guesses
 * each time; there failures leave the window instead. A device's own
 * failures are reset by that device's success.
 */
export async function recordSuccess(store: StateStore, subj: Subject, s: Settings, now: number, pwhash?: string): Promise<void> {
  // One read tells whether the network is known and since when (a store read is a disk read on SQLite).
  const knownKey = K.knownNetwork(subj.login, subj.net);
  const knownSince = await store.get<number>(knownKey, now);
  if (knownSince === undefined) await store.reset(K.pairFailures(subj.net, subj.login));
  if (subj.device !== undefined) await store.reset(K.deviceFailures(subj.net, subj.login, subj.device));
  if (s.knownMs <= 0) return;
  await remember(store, knownKey, knownSince, s, now);
  if (subj.device !== undefined) {
    const deviceKey = K.knownDevice(subj.login, subj.device);
    await remember(store, deviceKey, await store.get<number>(deviceKey, now), s, now);
  }
  if (pwhash !== undefined && (await store.get<string>(K.knownHash(subj.login), now)) !== pwhash) await store.set(K.knownHash(subj.login), pwhash, now + s.knownMs);
}

async function remember(store: StateStore, key: string, since: number | undefined, s: Settings, now: number): Promise<void> {
  // Once an hour is plenty for a memory of days, and spares a disk write per login.
  if (since === undefined || now - since >= HOUR) await store.set(key, now, now + s.knownMs);
}
