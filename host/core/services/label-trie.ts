type Labels = Readonly<Record<string, string>>;

interface Node<T> {
  next: Map<string, Node<T>> | undefined;
  value: T | undefined;
}

/**
 * Values by metric name and label values, found without building a key
 * string: one map lookup per label, on strings that are usually constants
 * (their hashes are cached), instead of concatenating and hashing a new
 * string on every increment. Label order is the labels object's own; a
 * caller using another order gets another entry, which is harmless.
 */
export class LabelTrie<T> {
  private readonly roots = new Map<string, Node<T>>();
  private count = 0;

  constructor(private readonly limit: number) {}

  get(name: string, labels: Labels): T | undefined {
    let node = this.roots.get(name);
    for (const k in labels) {
      if (node === undefined) return undefined;
      node = node.next?.get(labels[k]);
    }
    return node?.value;
  }

  /** False when the trie is full (the caller then does without it). */
  set(name: string, labels: Labels, value: T): boolean {
    if (this.count >= this.limit) return false;
    let node = this.roots.get(name);
    if (!node) this.roots.set(name, (node = { next: undefined, value: undefined }));
    for (const k in labels) {
      const v = labels[k];
      node.next ??= new Map();
      let child = node.next.get(v);
      if (!child) node.next.set(v, (child = { next: undefined, value: undefined }));
      node = child;
    }
    if (node.value === undefined) this.count++;
    node.value = value;
    return true;
  }
}
