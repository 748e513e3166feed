import { fnv } from './byte-keys';
import { lower } from './keys';

/** The domain of an address without one (a local part only: `www-data`). */
export const NO_DOMAIN = '(local)';

/** FNV-1a, 32 bits (byte-keys.ts fnv), computed here fused with lower-casing. */
const FNV_BASIS = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

/** A slot: the key's hash, its offset and length + 1 (0: empty slot) in the arena, its count. */
const HASH = 0;
const OFFSET = 1;
const LENGTH = 2;
const COUNT = 3;
const SLOT = 4;

/**
 * Counts per key where the key is a slice of a log line (a sender, a
 * recipient, a domain), case-insensitively, without making a string per
 * line: the key is hashed and compared where it lies, and copied out (as
 * its lower-cased bytes, into one arena) only the first time it is seen.
 * This runs on every delivery line, and a table of 20,000 keys does not
 * stay in the CPU's cache: what a lookup costs is the memory it touches. So
 * a slot holds all of an entry (hash, where its key lies, count) in 16
 * bytes of one array, and a lookup reads that slot and the key's bytes. A
 * Map would need a new string per line, and an array of strings per key
 * would touch the slot, the strings array, the string and the counts.
 * Open addressing, capped at `max` keys (past the cap new keys are counted
 * as dropped). Keys are their UTF-8 bytes, lower-cased (ASCII on the fast
 * path; other text through toLowerCase).
 */
export class KeyCounter {
  private slots = new Int32Array(256 * SLOT);
  private arena = new Uint8Array(4096);
  private used = 0;
  private count = 0;
  dropped = 0;
  /** The last text added, its bytes and hash. */
  private lastText: string | undefined;
  private lastBytes = Buffer.alloc(0);
  private lastHash = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.count;
  }

  /** Adds `by` to the key b[start, end), lower-cased. */
  add(b: Uint8Array, start: number, end: number, by = 1): void {
    let h = FNV_BASIS;
    for (let i = start; i < end; i++) {
      let c = b[i];
      // Non-ASCII bytes are UTF-8 to lower-case as text first: the slow path, rare.
      if (c > 127) return this.addText(Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('utf8'), by);
      if (c >= 65 && c <= 90) c += 32;
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    this.addBytes(b, start, end, h, by);
  }

  /**
   * Adds an address b[start, end) here and its domain (after the last `@`)
   * to `domains`, hashing both in one pass over the address.
   */
  addAddress(b: Uint8Array, start: number, end: number, domains: KeyCounter): void {
    let h = FNV_BASIS;
    let hd = h;
    let at = -1;
    for (let i = start; i < end; i++) {
      let c = b[i];
      if (c > 127) {
        const t = lower(Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('utf8'));
        this.addText(t, 1);
        const d = t.lastIndexOf('@');
        domains.addText(d < 0 ? NO_DOMAIN : t.slice(d + 1), 1);
        return;
      }
      if (c >= 65 && c <= 90) c += 32;
      h = Math.imul(h ^ c, FNV_PRIME);
      if (c === 64) {
        at = i;
        hd = FNV_BASIS;
      } else hd = Math.imul(hd ^ c, FNV_PRIME);
    }
    this.addBytes(b, start, end, h, 1);
    if (at >= 0) domains.addBytes(b, at + 1, end, hd, 1);
    else domains.addText(NO_DOMAIN, 1);
  }

  /** Adds `by` to the key `k` (lower-cased here). */
  addText(k: string, by: number): void {
    // The same few texts come again and again (`<>` on every bounce, the no-domain key): encoded once.
    if (k !== this.lastText) {
      this.lastText = k;
      this.lastBytes = Buffer.from(lower(k), 'utf8');
      this.lastHash = fnv(this.lastBytes, 0, this.lastBytes.length);
    }
    this.addBytes(this.lastBytes, 0, this.lastBytes.length, this.lastHash, by);
  }

  /**
   * Adds `by` to the key b[start, end) whose hash is `h`; upper-case ASCII
   * in b compares equal to the lower case the arena holds (non-ASCII keys
   * arrive here already lower-cased).
   */
  private addBytes(b: Uint8Array, start: number, end: number, h: number, by: number): void {
    const n = end - start;
    const slots = this.slots;
    const mask = slots.length / SLOT - 1;
    for (let at = h & mask; ; at = (at + 1) & mask) {
      const s = at * SLOT;
      const len = slots[s + LENGTH];
      // Past the cap a new key is only counted as dropped: not copied for nothing.
      if (len === 0) return this.count >= this.max ? void this.dropped++ : this.insert(s, h, b, start, end, by);
      if (slots[s + HASH] !== h || len !== n + 1) continue;
      const a = this.arena;
      const off = slots[s + OFFSET];
      let k = 0;
      for (; k < n; k++) {
        let c = b[start + k];
        if (c >= 65 && c <= 90) c += 32;
        if (c !== a[off + k]) break;
      }
      if (k === n) {
        slots[s + COUNT] += by;
        return;
      }
    }
  }

  private insert(s: number, h: number, b: Uint8Array, start: number, end: number, by: number): void {
    const n = end - start;
    // A byte after each key (never read as part of it): every key, the empty one too, has an offset of its own.
    if (this.used + n + 1 > this.arena.length) {
      const bigger = new Uint8Array(Math.max(this.arena.length * 2, this.used + n + 1));
      bigger.set(this.arena.subarray(0, this.used));
      this.arena = bigger;
    }
    const a = this.arena;
    for (let k = 0; k < n; k++) {
      const c = b[start + k];
      a[this.used + k] = c >= 65 && c <= 90 ? c + 32 : c;
    }
    const slots = this.slots;
    slots[s + HASH] = h;
    slots[s + OFFSET] = this.used;
    slots[s + LENGTH] = n + 1;
    slots[s + COUNT] = by;
    this.used += n + 1;
    this.count++;
    if (this.count * 2 > slots.length / SLOT) this.grow();
  }

  private grow(): void {
    const old = this.slots;
    const slots = new Int32Array(old.length * 2);
    const mask = slots.length / SLOT - 1;
    for (let s = 0; s < old.length; s += SLOT) {
      if (old[s + LENGTH] === 0) continue;
      let at = old[s + HASH] & mask;
      while (slots[at * SLOT + LENGTH] !== 0) at = (at + 1) & mask;
      for (let k = 0; k < SLOT; k++) slots[at * SLOT + k] = old[s + k];
    }
    this.slots = slots;
  }

  /** The count of `key` (as added: any case), or undefined. */
  get(key: string): number | undefined {
    for (const [k, v] of this.entries()) if (k === lower(key)) return v;
    return undefined;
  }

  /**
   * Slot indexes of the keys, in the order they were first seen: the arena
   * is append-only, so a key's offset is its place, and a table of slots by
   * offset reads them out in order without sorting.
   */
  private inOrder(): Int32Array {
    const byOffset = new Int32Array(this.used);
    for (let s = 0; s < this.slots.length; s += SLOT) if (this.slots[s + LENGTH] !== 0) byOffset[this.slots[s + OFFSET]] = s + 1;
    const order = new Int32Array(this.count);
    let k = 0;
    for (let off = 0; off < this.used; off++) if (byOffset[off] !== 0) order[k++] = byOffset[off] - 1;
    return order;
  }


  private keyOf(s: number): string {
    const off = this.slots[s + OFFSET];
    return Buffer.from(this.arena.buffer, this.arena.byteOffset, this.used).toString('utf8', off, off + this.slots[s + LENGTH] - 1);
  }

  /** Keys (lower-cased) and counts, in the order keys were first seen. */
  *entries(): IterableIterator<[string, number]> {
    for (const s of this.inOrder()) yield [this.keyOf(s), this.slots[s + COUNT]];
  }

  /**
   * The n keys with the largest counts, largest first; ties in the order
   * first seen (a key's arena offset is its place). Ranked in one pass over
   * the slots, without putting them in order first: only the n keys shown
   * become strings.
   */
  top(n: number): Array<[string, number]> {
    const slots = this.slots;
    const best: number[] = [];
    if (n <= 0) return [];
    // Ranks before: a larger count, or the same count seen earlier.
    const before = (a: number, b: number) => slots[a + COUNT] > slots[b + COUNT] || (slots[a + COUNT] === slots[b + COUNT] && slots[a + OFFSET] < slots[b + OFFSET]);
    for (let s = 0; s < slots.length; s += SLOT) {
      if (slots[s + LENGTH] === 0 || (best.length === n && !before(s, best[n - 1]))) continue;
      let i = best.length === n ? n - 1 : best.length;
      for (; i > 0 && before(s, best[i - 1]); i--) best[i] = best[i - 1];
      best[i] = s;
    }
    return best.map((s) => [this.keyOf(s), slots[s + COUNT]]);
  }


  /**
   * The table as two typed arrays (keys' bytes; offset, length, count per
   * key in the order first seen), for the trip from a worker thread:
   * structured clone copies them in one go, and the receiver counts them
   * from the bytes without making a string per key.
   */
  pack(): PackedKeys {
    const order = this.inOrder();
    const bytes = this.arena.slice(0, this.used);
    const keys = new Int32Array(order.length * 3);
    for (let k = 0; k < order.length; k++) {
      const s = order[k];
      keys[k * 3] = this.slots[s + OFFSET];
      keys[k * 3 + 1] = this.slots[s + LENGTH] - 1;
      keys[k * 3 + 2] = this.slots[s + COUNT];
    }
    return { bytes, keys };
  }

  /** Adds another table's counts (its keys are already lower-cased bytes; what it dropped, its owner counts). */
  absorb(t: PackedKeys): void {
    const b = t.bytes;
    for (let k = 0; k < t.keys.length; k += 3) {
      const start = t.keys[k];
      const end = start + t.keys[k + 1];
      this.addBytes(b, start, end, fnv(b, start, end), t.keys[k + 2]);
    }
  }
}

/** A KeyCounter as plain data (structured-clone safe). */
export interface PackedKeys {
  readonly bytes: Uint8Array;
  /** Offset, length and count of each key, in the order first seen. */
  readonly keys: Int32Array;
}
