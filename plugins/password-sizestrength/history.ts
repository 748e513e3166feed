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

/** OWASP's scrypt floor (N=2^17 would cost ~0.3 s per entry checked; history holds up to 51). */
export const SCRYPT_COST = { N: 1 << 14, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** The store's key for one account's history. */
export const historyKey = (login: string) => `history:${login}`;

function derive(password: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r };
  // NFC: the same password typed on two keyboards is the same password.
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string, at: number): Promise<HistoryEntry> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, SCRYPT_COST);
  return { alg: 'scrypt', ...SCRYPT_COST, salt: salt.toString('base64'), hash: key.toString('base64'), at };
}

export async function matches(password: string, e: HistoryEntry): Promise<boolean> {
  const expected = Buffer.from(e.hash, 'base64');
  const key = await derive(password, Buffer.from(e.salt, 'base64'), e);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

function isEntry(v: unknown): v is HistoryEntry {
  const e = v as HistoryEntry;
  return !!e && e.alg === 'scrypt' && Number.isInteger(e.N) && Number.isInteger(e.r) && Number.isInteger(e.p) &&
    typeof e.salt === 'string' && typeof e.hash === 'string' && typeof e.at === 'number';
}

export class PasswordHistory {
  constructor(private readonly store: StateStore) {}

  async entries(login: string, now: number): Promise<HistoryEntry[]> {
    const v = await this.store.get<unknown>(historyKey(login), now);
    return Array.isArray(v) ? v.filter(isEntry) : [];
  }

  /** True when the password is the current one or one of the `size` before it. */
  async wasUsed(login: string, password: string, size: number, now: number): Promise<boolean> {
    const recent = (await this.entries(login, now)).slice(0, size + 1);
    const found = await Promise.all(recent.map((e) => matches(password, e)));
    return found.includes(true);
  }

  /** Records an accepted change: the new hash first, then at most `keep - 1` older ones. */
  async record(login: string, password: string, keep: number, now: number): Promise<void> {
    const entry = await hashPassword(password, now);
    const older = await this.entries(login, now);
    await this.store.set(historyKey(login), [entry, ...older].slice(0, Math.max(1, keep)));
  }
}
