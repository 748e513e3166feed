/** FNV-1a, 32 bits. */
const FNV_BASIS = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

/**
 * One string per distinct byte slice, made once: a login recurs on every
 * message its account sends. Decoding each occurrence made a string per
 * line, hashed afresh by the Map it was looked up in; an interned string is
 * found by comparing bytes where they lie and is the same string each time
 * (its hash cached). Bytes are compared exactly; `make` decides the string
 * (two spellings are two entries with one string). Past `max` entries a
 * new slice is made afresh each time.
 */
export class ByteIntern {
  /** [hash, index + 1] per slot (0: empty). */
  private slots = new Int32Array(256 * 2);
  private arena = new Uint8Array(4096);
  private used = 0;
  /** Offset and length of each entry's bytes in the arena. */
  private spans = new Int32Array(256 * 2);
  private readonly strings: string[] = [];

  constructor(
    private readonly max: number,
    private readonly make: (b: Buffer, start: number, end: number) => string,
  ) {}

  get size(): number {
    return this.strings.length;
  }

  /** The string for b[start, end). */
  get(b: Buffer, start: number, end: number): string {
    let h = FNV_BASIS;
    for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], FNV_PRIME);
    const n = end - start;
    const mask = this.slots.length / 2 - 1;
    for (let at = h & mask; ; at = (at + 1) & mask) {
      const id = this.slots[at * 2 + 1] - 1;
      if (id < 0) return this.strings.length < this.max ? this.insert(at, h, b, start, end) : this.make(b, start, end);
      if (this.slots[at * 2] !== h || this.spans[id * 2 + 1] !== n) continue;
      const off = this.spans[id * 2];
      let k = 0;
      while (k < n && this.arena[off + k] === b[start + k]) k++;
      if (k === n) return this.strings[id];
    }
  }

  private insert(at: number, h: number, b: Buffer, start: number, end: number): string {
    const n = end - start;
    const id = this.strings.length;
    const s = this.make(b, start, end);
    if (this.used + n > this.arena.length) {
      const bigger = new Uint8Array(Math.max(this.arena.length * 2, this.used + n));
      bigger.set(this.arena.subarray(0, this.used));
      this.arena = bigger;
    }
    for (let k = 0; k < n; k++) this.arena[this.used + k] = b[start + k];
    if (id * 2 + 2 > this.spans.length) {
      const bigger = new Int32Array(this.spans.length * 2);
      bigger.set(this.spans);
      this.spans = bigger;
    }
    this.spans[id * 2] = this.used;
    this.spans[id * 2 + 1] = n;
    this.used += n;
    this.strings.push(s);
    this.slots[at * 2] = h;
    this.slots[at * 2 + 1] = id + 1;
    if (this.strings.length * 2 > this.slots.length / 2) this.grow();
    return s;
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
