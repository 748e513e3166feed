/** FNV-1a, 32 bits, of b[start, end): the hash of every byte-keyed table of a scan. */
export function fnv(b: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], 16777619);
  return h;
}

/**
 * Byte strings to dense ids (0, 1, 2… in the order first seen), at most
 * `max` of them: the keys a scan meets on most lines (a client's address,
 * a login) are found by comparing bytes where they lie in the line, with no
 * string made per line. The bytes live in one append-only arena, which also
 * takes other bytes the owner keeps beside its keys (`store`). Open
 * addressing; bytes are compared exactly.
 */
export class ByteKeys {
  /** [hash, id + 1] per slot (0: empty). */
  private slots = new Int32Array(1024 * 2);
  private arena = new Uint8Array(64 * 1024);
  /** The arena as a Buffer, for its decoder (a Buffer made per decode cost more than the decode). */
  private view = Buffer.from(this.arena.buffer);
  private used = 0;
  /** Per id: offset and length of its bytes in the arena. */
  private spans = new Int32Array(1024 * 2);
  private count = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.count;
  }

  /** The id of b[start, end), added when new and there is room; else -1. `h` is its fnv(). */
  find(b: Uint8Array, start: number, end: number, h: number, add: boolean): number {
    const n = end - start;
    const slots = this.slots;
    const mask = slots.length / 2 - 1;
    for (let at = h & mask; ; at = (at + 1) & mask) {
      const id = slots[at * 2 + 1] - 1;
      if (id < 0) return add && this.count < this.max ? this.insert(at, h, b, start, end) : -1;
      if (slots[at * 2] === h && this.spans[id * 2 + 1] === n && this.same(this.spans[id * 2], b, start, end)) return id;
    }
  }

  /** Whether the arena at `off` holds b[start, end). */
  same(off: number, b: Uint8Array, start: number, end: number): boolean {
    const a = this.arena;
    for (let k = 0; k < end - start; k++) if (a[off + k] !== b[start + k]) return false;
    return true;
  }

  /** Copies b[start, end) to the arena; returns its offset there. */
  store(b: Uint8Array, start: number, end: number): number {
    const n = end - start;
    if (this.used + n > this.arena.length) {
      const bigger = new Uint8Array(Math.max(this.arena.length * 2, this.used + n));
      bigger.set(this.arena.subarray(0, this.used));
      this.arena = bigger;
      this.view = Buffer.from(bigger.buffer);
    }
    const a = this.arena;
    const off = this.used;
    for (let k = 0; k < n; k++) a[off + k] = b[start + k];
    this.used += n;
    return off;
  }

  /** The arena's bytes [off, off + n) as latin1 text (one char per byte). */
  decode(off: number, n: number): string {
    return this.view.toString('latin1', off, off + n);
  }

  /** The key of an id as latin1 text. */
  keyOf(id: number): string {
    return this.decode(this.spans[id * 2], this.spans[id * 2 + 1]);
  }

  /** The arena so far and each id's (offset, length) in it: a copy, for the trip to another thread. */
  pack(): { bytes: Uint8Array; spans: Int32Array } {
    return { bytes: this.arena.slice(0, this.used), spans: this.spans.slice(0, this.count * 2) };
  }

  private insert(at: number, h: number, b: Uint8Array, start: number, end: number): number {
    const id = this.count++;
    if (id * 2 + 2 > this.spans.length) {
      const bigger = new Int32Array(this.spans.length * 2);
      bigger.set(this.spans);
      this.spans = bigger;
    }
    this.spans[id * 2] = this.store(b, start, end);
    this.spans[id * 2 + 1] = end - start;
    this.slots[at * 2] = h;
    this.slots[at * 2 + 1] = id + 1;
    if (this.count * 2 > this.slots.length / 2) this.grow();
    return id;
  }

  private grow(): void {
    const old = this.slots;
    const slots = new Int32Array(old.length * 2);
    const mask = slots.length / 2 - 1;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i + 1] === 0) continue;
      let at = old[i] & mask;
      while (slots[at * 2 + 1] !== 0) at = (at + 1) & mask;
      slots[at * 2] = old[i];
      slots[at * 2 + 1] = old[i + 1];
    }
    this.slots = slots;
  }
}
