import { lower, text } from './keys';
import { type PackedTable, TablePacker, unpackTable } from './packed-table';

/**
 * Counts per key where the key is a slice of a log line (a sender, a
 * recipient, a domain), case-insensitively, without slicing the line: the
 * key is hashed and compared where it lies, and copied out only the first
 * time it is seen. A Map would need a new string per line to look up, and
 * on a log with hundreds of thousands of distinct recipients that string,
 * its hashing and its garbage were a third of the scan. Open addressing,
 * capped at `max` keys (past the cap new keys are counted as dropped).
 */
/** The domain of an address without one (a local part only: `www-data`). */
export const NO_DOMAIN = '(local)';

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

  /** Adds `by` to the key s[a, b), lower-cased. */
  add(s: string, a: number, b: number, by = 1): void {
    let h = 0x811c9dc5 | 0;
    for (let i = a; i < b; i++) {
      let c = s.charCodeAt(i);
      // Non-ASCII bytes are UTF-8 to decode first: the slow path, rare.
      if (c > 127) return this.addText(lower(text(s, a, b)), by);
      if (c >= 65 && c <= 90) c += 32;
      h = Math.imul(h ^ c, 16777619);
    }
    this.addHashed(s, a, b, h, by, true);
  }

  /**
   * Adds an address s[a, b) here and its domain (after the last `@`) to
   * `domains`, hashing both in one pass over the address (this runs on
   * every delivery line).
   */
  addAddress(s: string, a: number, b: number, domains: KeyCounter): void {
    let h = 0x811c9dc5 | 0;
    let hd = h;
    let at = -1;
    for (let i = a; i < b; i++) {
      let c = s.charCodeAt(i);
      if (c > 127) {
        const t = lower(text(s, a, b));
        this.addText(t, 1);
        const d = t.lastIndexOf('@');
        domains.addText(d < 0 ? NO_DOMAIN : t.slice(d + 1), 1);
        return;
      }
      if (c >= 65 && c <= 90) c += 32;
      h = Math.imul(h ^ c, 16777619);
      if (c === 64) {
        at = i;
        hd = 0x811c9dc5 | 0;
      } else hd = Math.imul(hd ^ c, 16777619);
    }
    this.addHashed(s, a, b, h, 1, true);
    if (at >= 0) domains.addHashed(s, at + 1, b, hd, 1, true);
    else domains.addText(NO_DOMAIN, 1);
  }

  private addText(k: string, by: number): void {
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 16777619);
    this.addHashed(k, 0, k.length, h, by, false);
  }

  private addHashed(s: string, a: number, b: number, h: number, by: number, fold: boolean): void {
    const mask = this.slots.length - 1;
    const n = b - a;
    for (let at = h & mask; ; at = (at + 1) & mask) {
      const slot = this.slots[at];
      if (slot === 0) {
        if (this.keys.length >= this.max) {
          this.dropped++;
          return;
        }
        const key = fold ? lower(s.slice(a, b)) : s;
        this.keys.push(key.length < 13 ? key : (' ' + key).slice(1));
        this.counts.push(by);
        this.slots[at] = this.keys.length;
        this.hashes[at] = h;
        if (this.keys.length * 2 > this.slots.length) this.grow();
        return;
      }
      if (this.hashes[at] !== h) continue;
      const k = this.keys[slot - 1];
      if (k.length !== n) continue;
      let same = true;
      for (let i = 0; i < n && same; i++) {
        let c = s.charCodeAt(a + i);
        if (fold && c >= 65 && c <= 90) c += 32;
        same = c === k.charCodeAt(i);
      }
      if (same) {
        this.counts[slot - 1] += by;
        return;
      }
    }
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
