import { LabelTrie } from './label-trie';

export type Labels = Readonly<Record<string, string>>;

/** The label value that stands for every value a metric may not keep a series of. */
export const OTHER = 'other';

/**
 * Label sets one metric keeps a series of. Each series is a line of /metrics
 * and a few hundred bytes for good; label values can come from clients (a
 * typed login's domain, a plugin's free text), so past this many the rest
 * share one series whose labels are all `other`.
 */
export const MAX_SERIES_PER_METRIC = 1000;

interface Entry<C> {
  readonly labels: Labels;
  readonly child: C;
}

/**
 * The series of one metric: prom-client's child for each label set, found
 * through a label trie (no key string built per event), bounded by
 * MAX_SERIES_PER_METRIC with one overflow series.
 */
export class SeriesTable<C> {
  private trie = new LabelTrie<C>(MAX_SERIES_PER_METRIC);
  private entries: Array<Entry<C>> = [];
  private overflow: C | undefined;

  constructor(
    readonly labelNames: readonly string[],
    private readonly make: (labels: Labels) => C,
    /** Called when the first label set is refused (to say so once). */
    private readonly onOverflow: () => void,
  ) {}

  /** The child for these labels; throws (from prom-client) on a label name the metric was not declared with. */
  get(name: string, labels: Labels): C {
    const c = this.trie.get(name, labels);
    if (c !== undefined) return c;
    if (this.entries.length >= MAX_SERIES_PER_METRIC) return this.other();
    const child = this.make(labels);
    this.trie.set(name, labels, child);
    this.entries.push({ labels: { ...labels }, child });
    return child;
  }

  private other(): C {
    if (this.overflow === undefined) {
      const labels: Record<string, string> = {};
      for (const n of this.labelNames) labels[n] = OTHER;
      this.overflow = this.make(labels);
      this.onOverflow();
    }
    return this.overflow;
  }

  children(): C[] {
    const all = this.entries.map((e) => e.child);
    if (this.overflow !== undefined) all.push(this.overflow);
    return all;
  }

  /** Drops the series whose labels `stale` picks (given to `drop` first); the rest stay cached. */
  prune(name: string, stale: (labels: Labels) => boolean, drop: (labels: Labels, child: C) => void): void {
    const keep: Array<Entry<C>> = [];
    for (const e of this.entries) {
      if (stale(e.labels)) drop(e.labels, e.child);
      else keep.push(e);
    }
    if (keep.length === this.entries.length) return;
    this.entries = keep;
    this.trie = new LabelTrie<C>(MAX_SERIES_PER_METRIC);
    for (const e of keep) this.trie.set(name, e.labels, e.child);
  }
}
