import { latin1, textAt } from './bytes';
import { lower } from './keys';
import { type PackedTable, TablePacker, unpackTable } from './packed-table';

/** The domain of an address without one (a local part only: `www-data`). */
export const NO_DOMAIN = '(local)';

/** FNV-1a, 32 bits. */
const FNV_BASIS = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

/**
 * Counts per key where the key is a slice of a log line (a sender, a
 * recipient, a domain), case-insensitively, without slicing the line: the
 * key is hashed and compared where it lies, and copied out only the first
 * time it is seen. A Map would need a new string per line to look up, and
 * on a log with hundreds of thousands of distinct recipients that string,
 * its hashing and its garbage were a third of the scan. Open addressing,
 * capped at `max` keys (past the cap new keys are counted as dropped).
 */
export class KeyCounter {
  private keys: string[] = [];
  private counts: number[] = [];
  /** Index + 1 into keys, 0 for an empty slot. */
  private slots = new Int32Array(256);
  private hashes = new Int32Array(256);
  dropped = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.keys.length;
  }

  /** Adds `by` to the key b[start, end), lower-cased. */
  add(b: Buffer, start: number, end: number, by = 1): void {
    let h = FNV_BASIS;
    for (let i = start; i < end; i++) {
      let c = b[i];
      // Non-ASCII bytes are UTF-8 to decode first: the slow path, rare.
      if (c > 127) return this.addText(lower(textAt(b, start, end)), by);
      if (c >= 65 && c <= 90) c += 32;
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    this.addBytes(b, start, end, h, by);
  }

  /**
   * Adds an address b[start, end) here and its domain (after the last `@`)
   * to `domains`, hashing both in one pass over the address (this runs on
   * every delivery line).
   */
  addAddress(b: Buffer, start: number, end: number, domains: KeyCounter): void {
    let h = FNV_BASIS;
    let hd = h;
    let at = -1;
    for (let i = start; i < end; i++) {
      let c = b[i];
      if (c > 127) {
        const t = lower(textAt(b, start, end));
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

  /** Adds `by` to the key `k` as it is (already lower-cased text). */
  addText(k: string, by: number): void {
    let h = FNV_BASIS;
    for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), FNV_PRIME);
    const mask = this.slots.length - 1;
    for (let at = h & mask; ; at = (at + 1) & mask) {
      const slot = this.slots[at];
      if (slot === 0) return this.insert(at, h, k, by);
      if (this.hashes[at] === h && this.keys[slot - 1] === k) {
        this.counts[slot - 1] += by;
        return;
      }
    }
  }

  /** Adds `by` to the ASCII key b[start, end) lower-cased, whose hash is `h`: compared where it lies, copied only when new. */
  private addBytes(b: Buffer, start: number, end: number, h: number, by: number): void {
    const n = end - start;
    const mask = this.slots.length - 1;
    for (let at = h & mask; ; at = (at + 1) & mask) {
      const slot = this.slots[at];
      // Past the cap a new key is only counted as dropped: not decoded for nothing.
      if (slot === 0) return this.keys.length >= this.max ? void this.dropped++ : this.insert(at, h, lower(latin1(b, start, end)), by);
      if (this.hashes[at] !== h) continue;
      const k = this.keys[slot - 1];
      if (k.length !== n) continue;
      let same = true;
      for (let i = 0; i < n && same; i++) {
        let c = b[start + i];
        if (c >= 65 && c <= 90) c += 32;
        same = c === k.charCodeAt(i);
      }
      if (same) {
        this.counts[slot - 1] += by;
        return;
      }
    }
  }

  private insert(at: number, h: number, key: string, by: number): void {
    if (this.keys.length >= this.max) {
      this.dropped++;
      return;
    }
    this.keys.push(key);
    this.counts.push(by);
    this.slots[at] = this.keys.length;
    this.hashes[at] = h;
    if (this.keys.length * 2 > this.slots.length) this.grow();
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const hashes = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let i = 0; i < this.slots.length; i++) {
      if (this.slots[i] === 0) continue;
      let at = this.hashes[i] & mask;
      while (slots[at] !== 0) at = (at + 1) & mask;
      slots[at] = this.slots[i];
      hashes[at] = this.hashes[i];
    }
    this.slots = slots;
    this.hashes = hashes;
  }

  get(key: string): number | undefined {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] === key) return this.counts[i];
    return undefined;
  }

  *entries(): IterableIterator<[string, number]> {
    for (let i = 0; i < this.keys.length; i++) yield [this.keys[i], this.counts[i]];
  }

  pack(): PackedTable {
    const p = new TablePacker(1, 1, this.keys.length);
    for (let i = 0; i < this.keys.length; i++) p.add([this.keys[i]], [this.counts[i]]);
    return p.done();
  }

  absorb(t: PackedTable): void {
    unpackTable(t, ([k], v, at) => this.addText(k, v[at]));
  }
}
