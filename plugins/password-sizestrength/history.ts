import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { StateStore } from '../../shared';

/*
 * Password history: salted scrypt hashes only, never the password. One entry
 * per accepted change, newest first, each with its own random salt and the
 * cost it was made with (so the cost can be raised without losing history).
 */

export interface HistoryEntry {
  readonly alg: 'scrypt';
  readonly N: number;
  readonly r: number;
  readonly p: number;
  /** base64 */
  readonly salt: string;
  /** base64 */
  readonly hash: string;
  /** Epoch ms of the change. */
  readonly at: number;
}

/**
 * OWASP's recommended scrypt cost (Password Storage Cheat Sheet): N=2^17,
 * r=8, p=1, about 128 MiB and a few hundred ms per hash. Each entry keeps
 * the cost it was made with, so entries made at the earlier N=2^14 still verify.
 */
export const SCRYPT_COST: ScryptCost = { N: 1 << 17, r: 8, p: 1 };

export interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/**
 * What a stored entry may ask for. The store is not the place to decide how
 * much memory we allocate: N=2^20, r=32 would be 4 GiB.
 */
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;
const MAX_MEMORY = 1 << 30;

const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** Entries checked at once: each takes 128·N·r bytes (128 MiB at the default cost) in a libuv thread. */
const PARALLEL_CHECKS = 2;
/** The store's key for one account's history. */
export const historyKey = (login: string) => `history:${login}`;

function memoryOf(cost: ScryptCost): number {
  return 128 * cost.N * cost.r * cost.p;
}

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  // maxmem is a ceiling, not an allocation: Node refuses anything above 32 MiB by default, below what N=2^17 needs.
  const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 2 * memoryOf(cost) };
  // NFC: the same password typed on two keyboards is the same password.
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string, at: number, cost: ScryptCost = SCRYPT_COST): Promise<HistoryEntry> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, cost);
  return { alg: 'scrypt', N: cost.N, r: cost.r, p: cost.p, salt: salt.toString('base64'), hash: key.toString('base64'), at };
}

export async function matches(password: string, e: HistoryEntry): Promise<boolean> {
  const expected = Buffer.from(e.hash, 'base64');
  const key = await derive(password, Buffer.from(e.salt, 'base64'), e);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

function isEntry(v: unknown): v is HistoryEntry {
  const e = v as HistoryEntry;
  return !!e && e.alg === 'scrypt' && Number.isInteger(e.N) && Number.isInteger(e.r) && Number.isInteger(e.p) &&
    e.N >= 2 && e.N <= MAX_N && (e.N & (e.N - 1)) === 0 && e.r >= 1 && e.r <= MAX_R && e.p >= 1 && e.p <= MAX_P && memoryOf(e) <= MAX_MEMORY &&
    typeof e.salt === 'string' && typeof e.hash === 'string' && typeof e.at === 'number';
}

export class PasswordHistory {
  /** `cost` of new entries: the default outside tests. */
  constructor(private readonly store: StateStore, private readonly cost: ScryptCost = SCRYPT_COST) {}

  async entries(login: string, now: number): Promise<HistoryEntry[]> {
    const v = await this.store.get<unknown>(historyKey(login), now);
    return Array.isArray(v) ? v.filter(isEntry) : [];
  }

  /** True when the password is the current one or one of the `size` before it. */
  async wasUsed(login: string, password: string, size: number, now: number): Promise<boolean> {
    const recent = (await this.entries(login, now)).slice(0, size + 1);
    for (let i = 0; i < recent.length; i += PARALLEL_CHECKS) {
      const found = await Promise.all(recent.slice(i, i + PARALLEL_CHECKS).map((e) => matches(password, e)));
      if (found.includes(true)) return true;
    }
    return false;
  }

  /** Records an accepted change: the new hash first, then at most `keep - 1` older ones. */
  async record(login: string, password: string, keep: number, now: number): Promise<void> {
    const entry = await hashPassword(password, now, this.cost);
    const older = await this.entries(login, now);
    await this.store.set(historyKey(login), [entry, ...older].slice(0, Math.max(1, keep)));
  }
}
