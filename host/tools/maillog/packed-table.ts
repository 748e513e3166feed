/*
 * Tables of a log scan packed for the trip from a worker thread: all the
 * strings joined in one string and all the numbers in one typed array,
 * instead of an object per key. Structured clone copies those two in one
 * go; 50,000 little [key, {…}] pairs took ~150 ms to serialize and rebuild,
 * a tenth of the whole scan. Strings come from single log lines, so they
 * never contain the newline that separates them.
 */

export interface PackedTable {
  readonly count: number;
  /** Strings per entry, then numbers per entry. */
  readonly strings: number;
  readonly numbers: number;
  readonly text: string;
  readonly values: Float64Array;
}

export class TablePacker {
  private readonly parts: string[] = [];
  private values: Float64Array;
  private count = 0;

  constructor(private readonly strings: number, private readonly numbers: number, expected: number) {
    this.values = new Float64Array(Math.max(1, expected) * numbers);
  }

  add(strings: readonly string[], numbers: readonly number[]): void {
    for (let i = 0; i < this.strings; i++) this.parts.push(strings[i] ?? '');
    const at = this.count * this.numbers;
    if (at + this.numbers > this.values.length) {
      const bigger = new Float64Array(Math.max(this.values.length * 2, at + this.numbers));
      bigger.set(this.values);
      this.values = bigger;
    }
    for (let i = 0; i < this.numbers; i++) this.values[at + i] = numbers[i] ?? 0;
    this.count++;
  }

  done(): PackedTable {
    return { count: this.count, strings: this.strings, numbers: this.numbers, text: this.parts.join('\n'), values: this.values.subarray(0, this.count * this.numbers) };
  }
}

/** Calls `each` with every entry's strings and the offset of its numbers in `t.values`. */
export function unpackTable(t: PackedTable, each: (strings: string[], values: Float64Array, at: number) => void): void {
  if (t.count === 0) return;
  const all = t.text.split('\n');
  for (let k = 0; k < t.count; k++) each(all.slice(k * t.strings, (k + 1) * t.strings), t.values, k * t.numbers);
}
