import { ByteKeys, fnv } from './byte-keys';

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
  private readonly keys: ByteKeys;
  private readonly strings: string[] = [];

  constructor(
    max: number,
    private readonly make: (b: Buffer, start: number, end: number) => string,
  ) {
    this.keys = new ByteKeys(max);
  }

  get size(): number {
    return this.strings.length;
  }

  /** The string for b[start, end). */
  get(b: Buffer, start: number, end: number): string {
    const id = this.keys.find(b, start, end, fnv(b, start, end), true);
    if (id < 0) return this.make(b, start, end);
    if (id === this.strings.length) this.strings.push(this.make(b, start, end));
    return this.strings[id];
  }
}
