import type { Block, StateStore } from '../../shared';
import type { Settings } from './config';
import * as K from './keys';
import type { Subject } from './subject';

export type BlockKind = 'pair' | 'login' | 'network' | 'device';

export const PLUGIN_ID = 'password-bruteforce';

const REASONS: Record<BlockKind, string> = {
  pair: 'too many wrong passwords for this login from this network',
  login: 'wrong passwords for this login from too many networks',
  network: 'this network failed for too many logins',
  device: 'too many wrong passwords for this login from this device',
};

export function blockKey(kind: BlockKind, s: Subject): string {
  switch (kind) {
    case 'pair':
      return K.pairBlock(s.net, s.login);
    case 'login':
      return K.loginBlock(s.login);
    case 'network':
      return K.networkBlock(s.net);
    case 'device':
      return K.deviceBlock(s.net, s.login, s.device ?? '');
  }
}

/**
 * Blocks one key. Each new block of a key blocked recently doubles the last
 * one, up to the maximum: a patient attacker gets 3 guesses per block, and
 * blocks grow faster than the guesses.
 */
export async function createBlock(store: StateStore, kind: BlockKind, subj: Subject, s: Settings, now: number, evidence: Record<string, unknown>): Promise<Block> {
  const key = blockKey(kind, subj);
  const strikeKey = K.strikes(subj.domain, key);
  const strikes = ((await store.get<number>(strikeKey, now)) ?? 0) + 1;
  const ms = Math.min(s.blockMs * 2 ** (strikes - 1), s.maxBlockMs);
  const block: Block = {
    key,
    domain: subj.domain,
    ...(kind !== 'network' ? { login: subj.login } : {}),
    ...(kind !== 'login' ? { network: subj.net } : {}),
    reason: REASONS[kind],
    source: PLUGIN_ID,
    createdAt: now,
    expiresAt: now + ms,
    strikes,
    data: { kind, ...evidence },
  };
  await store.putBlock(block);
  await store.set(strikeKey, strikes, block.expiresAt + s.strikeMemoryMs);
  return block;
}
