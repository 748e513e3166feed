/*
 * Key layout of the Redis store. Every key starts with the configured
 * prefix. Keys used together by one script share a Redis Cluster hash tag
 * (the text between the first "{" and the next "}"): a counter's keys share
 * the counter's own name, so counters spread over the cluster; key/values,
 * blocks and the audit trail share "{meta}" so their indexes stay atomic.
 */
export class RedisKeys {
  readonly meta: string;
  readonly kvIndex: string;
  readonly kvExpiry: string;
  readonly blocks: string;
  readonly blockExpiry: string;
  readonly audit: string;
  readonly changes: string;
  readonly replicaVersion: string;
  readonly replica: string;
  /** What kv(name) puts before a name (the snapshot script builds keys from names). */
  readonly kvPrefix: string;

  constructor(readonly prefix: string) {
    if (prefix.includes('{') || prefix.includes('}')) {
      throw new Error(`state.keyPrefix "${prefix}" must not contain "{" or "}" (the store places Redis Cluster hash tags itself)`);
    }
    this.meta = `${prefix}{meta}:`;
    this.kvIndex = `${this.meta}kv-names`;
    this.kvExpiry = `${this.meta}kv-expiry`;
    this.blocks = `${this.meta}blocks`;
    this.blockExpiry = `${this.meta}block-expiry`;
    this.audit = `${this.meta}audit`;
    // Pub/sub channels are not keys; a cluster broadcasts them to every node.
    this.changes = `${prefix}changes`;
    // Bumped by every change the local read paths hold (blocks, locks, settings), in the {meta} slot with them.
    this.replicaVersion = `${this.meta}replica-version`;
    this.replica = `${prefix}replica`;
    this.kvPrefix = `${this.meta}kv:`;
  }

  /** "#" keeps the tag non-empty whatever the name starts with. */
  private counter(name: string): string {
    return `${this.prefix}{#${name}}:`;
  }
  /** Unit hits, weighted hits, longest window. */
  series(name: string): [string, string, string] {
    const c = this.counter(name);
    return [`${c}hits`, `${c}weighted`, `${c}window`];
  }
  /** Members by last sighting, longest window. */
  distinct(name: string): [string, string] {
    const c = this.counter(name);
    return [`${c}distinct`, `${c}distinct-window`];
  }
  kv(name: string): string {
    return this.kvPrefix + name;
  }
  blockField(domain: string, key: string): string {
    return `${domain}\u0000${key}`;
  }
}
