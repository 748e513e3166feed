/*
 * The state store: the one place plugins keep what must survive a restart and
 * be shared between nodes. Every method is async so that a networked backend
 * (Redis) fits the same interface as the embedded ones (memory, SQLite).
 * Keys are plain strings; the host namespaces them per plugin, so a plugin
 * never sees another plugin's keys.
 */

export interface Block {
  /**
   * Unique within a domain; the plugin's own naming, e.g. `pair:192.0.2.7/32|alice@example.com`.
   * Writing a block with an existing key replaces it.
   */
  readonly key: string;
  readonly domain: string;
  /** The login it applies to; absent for a block of a whole network. */
  readonly login?: string;
  /** The client network it applies to (CIDR); absent for an account-wide block. */
  readonly network?: string;
  readonly reason: string;
  /** Plugin (or `admin`) that created it. Filled in by the host for plugins. */
  readonly source: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** How many times this key has been blocked (for doubling on repeat offences). */
  readonly strikes: number;
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface BlockFilter {
  readonly domain?: string;
  readonly key?: string;
  readonly login?: string;
  /** An address: matches blocks whose network contains it. */
  readonly ip?: string;
  readonly source?: string;
}

export interface AuditEntry {
  readonly at: number;
  /** Who did it: `cli:root`, `api:<token name>`, a plugin id… */
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly domain?: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly reason?: string;
}

export interface AuditFilter {
  readonly domain?: string;
  readonly subjectPrefix?: string;
  readonly since?: number;
  readonly limit?: number;
}

export const StateStore = Symbol('mailwarden.StateStore');
export interface StateStore {
  /**
   * Adds `by` to a sliding-window counter and returns the total of the events
   * in (now - windowMs, now]. Exact at the boundaries: an event exactly
   * windowMs old no longer counts.
   */
  hit(key: string, windowMs: number, now: number, by?: number): Promise<number>;
  /** Current total of a sliding-window counter, without adding. */
  count(key: string, windowMs: number, now: number): Promise<number>;
  /**
   * Records `member` as seen now in a windowed distinct set and returns how
   * many distinct members were seen in (now - windowMs, now].
   */
  addDistinct(key: string, member: string, windowMs: number, now: number): Promise<number>;
  /** Distinct members seen in the window, most recent first. */
  distinctMembers(key: string, windowMs: number, now: number): Promise<string[]>;
  /** Drops a counter or distinct set (e.g. success resets a pair). */
  reset(key: string): Promise<void>;

  /** JSON value with optional expiry (epoch ms). */
  get<T = unknown>(key: string, now: number): Promise<T | undefined>;
  set(key: string, value: unknown, expiresAt?: number): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** Keys under a prefix with their values, unexpired only. */
  list<T = unknown>(prefix: string, now: number): Promise<Array<{ key: string; value: T }>>;

  /** Blocks are durable at once: when putBlock resolves, a restart keeps it. */
  putBlock(block: Block): Promise<void>;
  getBlock(key: string, domain: string, now: number): Promise<Block | undefined>;
  listBlocks(filter: BlockFilter, now: number): Promise<Block[]>;
  /** Removes matching blocks and returns them. */
  clearBlocks(filter: BlockFilter): Promise<Block[]>;

  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(filter: AuditFilter): Promise<AuditEntry[]>;
}
