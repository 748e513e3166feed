import { randomBytes } from 'node:crypto';
import Redis, { Cluster, type RedisOptions } from 'ioredis';
import type { AuditEntry, AuditFilter, Block, BlockFilter, Logger, Metrics } from '../../shared';
import { blockMatcher } from './block-filter';
import { FallbackStore } from './fallback-store';
import type { ChangeChannel, HostStore } from './host-store';
import { RedisKeys } from './redis-keys';
import { SCRIPTS, type ScriptCommands } from './redis-scripts';
import { parseRedisUrl } from './redis-url';
import { StateUnavailableError } from './state-errors';
import { MAX_DISTINCT_MEMBERS } from './windowed-counters';

export interface RedisStoreOptions {
  /** redis://, rediss://, redis-sentinel://, redis-cluster:// (see redis-url.ts). */
  readonly url: string;
  /** Prepended to every key and channel, so several deployments can share one Redis. */
  readonly keyPrefix?: string;
  /** true (default): keep deciding on a local store while Redis is down; false: calls reject. */
  readonly failOpen?: boolean;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** The host clock, for Redis TTLs of values that carry an absolute expiry. */
  readonly now?: () => number;
  /** A command unanswered this long counts as an outage (below the hook timeout, so fail-open has time to answer). */
  readonly commandTimeoutMs?: number;
  /** How long the first connection may take before calls are answered as in an outage. */
  readonly connectTimeoutMs?: number;
  /** Most keys the local fallback holds during an outage. */
  readonly fallbackMaxKeys?: number;
  /** Most audit entries kept in Redis. */
  readonly maxAudit?: number;
  /** Extra ioredis options (tests shorten the reconnect delay). */
  readonly redisOptions?: RedisOptions;
}

type Client = (Redis | Cluster) & ScriptCommands;
const CHANNELS: readonly ChangeChannel[] = ['settings', 'blocks', 'locks', 'plugin-data'];
/** Redis TTLs run this much past a value's own expiry: nodes' clocks differ a little. */
const TTL_SLACK_MS = 60_000;
const COLLECT_EVERY_MS = 60_000;
const PROBE_EVERY_MS = 250;
const BLOCK_CACHE_MAX = 10_000;
const PAGE = 500;
/** Redis errors that mean "not now" (loading, failover, cluster reshaping) rather than a bug. */
const TRANSIENT_REPLY = /^(LOADING|READONLY|CLUSTERDOWN|MASTERDOWN|TRYAGAIN|BUSY|NOREPLICAS)\b/;

interface StoredValue {
  v: unknown;
  e?: number;
}

/**
 * The state store of a cluster: every node points at the same Redis and so
 * shares counters, blocks, locks, settings and the audit trail. Counting is
 * done by Lua scripts on the server (atomic per call), changes are announced
 * on a pub/sub channel so other nodes drop their caches, and an outage is
 * answered per `failOpen` without crashing; ioredis reconnects by itself.
 */
export class RedisStore implements HostStore {
  readonly backend = 'redis' as const;
  private readonly keys: RedisKeys;
  private readonly redis: Client;
  private readonly sub: Redis | Cluster;
  private readonly failOpen: boolean;
  private readonly now: () => number;
  private readonly logger?: Logger;
  private readonly metrics?: Metrics;
  private readonly maxAudit: number;
  private readonly fallbackMaxKeys: number;
  private fallback: FallbackStore;
  /** Blocks found, until a change is announced (blocked clients retry a lot). Absent blocks are never cached. */
  private readonly blockCache = new Map<string, Block>();
  private readonly listeners = new Set<(c: ChangeChannel) => void>();
  /** Unique per process: marks our own messages and makes hit ids unique across nodes. */
  private readonly nodeId = randomBytes(6).toString('base64url');
  private seq = 0;
  private up = false;
  private connected: Promise<void> | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private readonly collectTimer: NodeJS.Timeout;
  private closed = false;
  private subReadyOnce = false;
  /** Some call was answered without Redis: caches may hold local answers, drop them on recovery. */
  private servedLocally = false;

  constructor(o: RedisStoreOptions) {
    this.keys = new RedisKeys(o.keyPrefix ?? 'mailwarden:');
    this.failOpen = o.failOpen ?? true;
    this.now = o.now ?? Date.now;
    this.logger = o.logger;
    this.metrics = o.metrics;
    this.maxAudit = o.maxAudit ?? 100_000;
    this.fallbackMaxKeys = o.fallbackMaxKeys ?? 100_000;
    this.fallback = new FallbackStore(this.fallbackMaxKeys);
    const common: RedisOptions = {
      // Fail fast while disconnected instead of queueing without bound.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: o.commandTimeoutMs ?? 200,
      connectTimeout: o.connectTimeoutMs ?? 2000,
      retryStrategy: (times) => Math.min(50 * times, 1000),
      ...o.redisOptions,
    };
    const target = parseRedisUrl(o.url);
    let client: Redis | Cluster;
    if (target.kind === 'cluster') client = new Cluster(target.nodes, { ...target.options, enableOfflineQueue: false, redisOptions: { ...common, ...target.options.redisOptions } });
    else if (target.kind === 'sentinel') client = new Redis({ ...common, ...target.options });
    else client = new Redis(target.url, common);
    for (const [name, s] of Object.entries(SCRIPTS)) client.defineCommand(name, { numberOfKeys: s.numberOfKeys, lua: s.lua });
    this.redis = client as Client;
    this.setGauge(0);
    client.on('error', (e: Error) => this.logger?.debug({ err: e.message }, 'redis connection error'));
    client.on('close', () => {
      if (!this.closed) this.down(new Error('connection to Redis closed'));
    });
    client.on('ready', () => this.recovered());
    this.connected = new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        client.off('ready', done);
        client.off('end', done);
        this.connected = undefined;
        resolve();
      };
      const t = setTimeout(done, (o.connectTimeoutMs ?? 2000) + 100);
      t.unref();
      client.once('ready', done);
      client.once('end', done);
    });
    // Subscriptions need a connection of their own; this one may queue its one SUBSCRIBE until connected.
    const subOptions = { enableOfflineQueue: true, commandTimeout: undefined };
    this.sub = client instanceof Cluster ? client.duplicate(undefined, subOptions) : client.duplicate(subOptions);
    this.sub.on('error', (e: Error) => this.logger?.debug({ err: e.message }, 'redis subscriber error'));
    this.sub.on('message', (_ch: string, msg: string) => this.onMessage(msg));
    this.sub.on('ready', () => {
      // Changes announced while we were not listening are lost: drop every cache.
      if (this.subReadyOnce) this.emitAll();
      this.subReadyOnce = true;
    });
    this.sub.subscribe(this.keys.changes).catch((e: Error) => this.logger?.warn({ err: e.message }, 'redis subscribe failed; will retry on reconnect'));
    this.collectTimer = setInterval(() => void this.collect(), COLLECT_EVERY_MS);
    this.collectTimer.unref();
  }

  /** True while calls are refused (backend down and failing closed). */
  unavailable(): boolean {
    return !this.up && !this.failOpen && this.connected === undefined;
  }

  /** Whether Redis answers right now (false during an outage). */
  get healthy(): boolean {
    return this.up;
  }

  /** Keys the local fallback holds (bounded by fallbackMaxKeys). */
  get fallbackKeys(): number {
    return this.fallback.size;
  }

  /** Resolves once the first connection attempt is over (connected or not). */
  async ready(): Promise<boolean> {
    await this.connected;
    return this.up;
  }

  private setGauge(v: number): void {
    this.metrics?.setGauge('state_backend_up', v, { backend: 'redis' });
  }

  private isOutage(e: unknown): boolean {
    const err = e as Error;
    if (err?.name !== 'ReplyError') return true;
    return TRANSIENT_REPLY.test(err.message ?? '');
  }

  private down(e: Error): void {
    this.metrics?.increment('state_backend_errors', { backend: 'redis' });
    if (!this.up) return;
    this.up = false;
    this.setGauge(0);
    this.logger?.error({ err: e.message, failOpen: this.failOpen }, this.failOpen
      ? 'state backend (redis) unavailable: deciding on the local fallback store until it returns'
      : 'state backend (redis) unavailable: refusing state calls (failClosed) until it returns');
    this.startProbe();
  }

  private startProbe(): void {
    if (this.probeTimer || this.closed) return;
    this.probeTimer = setInterval(() => this.probe(), PROBE_EVERY_MS);
    this.probeTimer.unref();
  }

  private probe(): void {
    if (this.up || this.closed || this.redis.status !== 'ready') return;
    this.redis.ping().then(() => this.recovered(), () => undefined);
  }

  private recovered(): void {
    if (this.up || this.closed) return;
    const wasDown = this.probeTimer !== undefined || this.servedLocally;
    this.servedLocally = false;
    this.up = true;
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    this.setGauge(1);
    // What was decided locally stays local: start the fallback afresh and reread everything.
    this.fallback = new FallbackStore(this.fallbackMaxKeys);
    this.blockCache.clear();
    if (wasDown) {
      this.logger?.warn({}, 'state backend (redis) is back; local outage state dropped');
      this.emitAll();
    }
  }

  /**
   * Runs `remote` on Redis; during an outage (or when Redis fails mid-call)
   * answers from the fallback store, or rejects when failing closed.
   */
  private async call<T>(remote: (r: Client) => Promise<T>, local: (f: FallbackStore) => Promise<T>): Promise<T> {
    if (this.connected) await this.connected;
    if (this.up) {
      try {
        return await remote(this.redis);
      } catch (e) {
        if (!this.isOutage(e)) throw e;
        this.down(e as Error);
      }
    } else if (!this.closed) {
      this.startProbe();
    }
    this.servedLocally = true;
    if (this.failOpen) return local(this.fallback);
    throw new StateUnavailableError('the state store (redis) is unavailable');
  }

  private uid(): string {
    return `${this.nodeId}.${(this.seq++).toString(36)}`;
  }

  async hit(key: string, windowMs: number, now: number, by = 1): Promise<number> {
    return this.call(
      async (r) => Number(await r.mwHit(...this.keys.series(key), now, windowMs, by, this.uid(), TTL_SLACK_MS)),
      (f) => f.hit(key, windowMs, now, by),
    );
  }
  async count(key: string, windowMs: number, now: number): Promise<number> {
    return this.call(
      async (r) => Number(await r.mwCount(...this.keys.series(key), now, windowMs)),
      (f) => f.count(key, windowMs, now),
    );
  }
  async addDistinct(key: string, member: string, windowMs: number, now: number): Promise<number> {
    return this.call(
      async (r) => Number(await r.mwDistinctAdd(...this.keys.distinct(key), now, windowMs, member, TTL_SLACK_MS, MAX_DISTINCT_MEMBERS)),
      (f) => f.addDistinct(key, member, windowMs, now),
    );
  }
  async distinctMembers(key: string, windowMs: number, now: number): Promise<string[]> {
    return this.call(
      async (r) => (await r.mwDistinctMembers(...this.keys.distinct(key), now, windowMs)) as string[],
      (f) => f.distinctMembers(key, windowMs, now),
    );
  }
  async reset(key: string): Promise<void> {
    await this.call(
      async (r) => {
        // One DEL per hash tag: a counter's keys and a distinct set's keys may sit in different cluster slots.
        await Promise.all([r.del(...this.keys.series(key)), r.del(...this.keys.distinct(key))]);
      },
      (f) => f.reset(key),
    );
  }

  async get<T>(key: string, now: number): Promise<T | undefined> {
    return this.call(
      async (r) => {
        const raw = await r.get(this.keys.kv(key));
        const s = raw === null ? undefined : (JSON.parse(raw) as StoredValue);
        this.fallback.mirrorValue(key, s?.v, s?.e);
        return s && (s.e === undefined || s.e > now) ? (s.v as T) : undefined;
      },
      (f) => f.get<T>(key, now),
    );
  }
  async set(key: string, value: unknown, expiresAt?: number): Promise<void> {
    await this.call(
      async (r) => {
        const stored: StoredValue = expiresAt === undefined ? { v: value } : { v: value, e: expiresAt };
        const ttl = expiresAt === undefined ? '' : String(Math.max(1, Math.ceil(expiresAt - this.now() + TTL_SLACK_MS)));
        await r.mwKvSet(this.keys.kv(key), this.keys.kvIndex, this.keys.kvExpiry, key, JSON.stringify(stored), expiresAt ?? '', ttl);
        this.fallback.mirrorValue(key, value, expiresAt);
      },
      (f) => f.set(key, value, expiresAt),
    );
  }
  async delete(key: string): Promise<boolean> {
    return this.call(
      async (r) => {
        this.fallback.mirrorValue(key, undefined, undefined);
        return Number(await r.mwKvDelete(this.keys.kv(key), this.keys.kvIndex, this.keys.kvExpiry, key)) > 0;
      },
      (f) => f.delete(key),
    );
  }
  async list<T>(prefix: string, now: number): Promise<Array<{ key: string; value: T }>> {
    return this.call(
      async (r) => {
        // Index members sort by bytes; no UTF-8 sequence contains 0xFF, so "prefix" + 0xFF bounds the range.
        const min = prefix === '' ? '-' : `[${prefix}`;
        const max = prefix === '' ? '+' : Buffer.concat([Buffer.from(`(${prefix}`), Buffer.from([0xff])]);
        const names = await r.zrangebylex(this.keys.kvIndex, min, max);
        const out: Array<{ key: string; value: T }> = [];
        for (let i = 0; i < names.length; i += PAGE) {
          const page = names.slice(i, i + PAGE);
          const raws = await r.mget(...page.map((n) => this.keys.kv(n)));
          page.forEach((name, j) => {
            const raw = raws[j];
            if (raw === null) return;
            const s = JSON.parse(raw) as StoredValue;
            this.fallback.mirrorValue(name, s.v, s.e);
            if (s.e === undefined || s.e > now) out.push({ key: name, value: s.v as T });
          });
        }
        return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      },
      (f) => f.list<T>(prefix, now),
    );
  }

  async putBlock(block: Block): Promise<void> {
    await this.call(
      async (r) => {
        const field = this.keys.blockField(block.domain, block.key);
        await r.mwBlockPut(this.keys.blocks, this.keys.blockExpiry, field, JSON.stringify(block), block.expiresAt);
        this.cacheBlock(field, { ...block });
      },
      (f) => f.putBlock(block),
    );
  }
  private cacheBlock(field: string, b: Block): void {
    if (this.blockCache.size >= BLOCK_CACHE_MAX) this.blockCache.clear();
    this.blockCache.set(field, b);
    void this.fallback.putBlock(b);
  }
  async getBlock(key: string, domain: string, now: number): Promise<Block | undefined> {
    const field = this.keys.blockField(domain, key);
    const cached = this.up ? this.blockCache.get(field) : undefined;
    if (cached && cached.expiresAt > now) return cached;
    return this.call(
      async (r) => {
        const raw = await r.hget(this.keys.blocks, field);
        if (raw === null) return undefined;
        const b = JSON.parse(raw) as Block;
        if (b.expiresAt <= now) return undefined;
        this.cacheBlock(field, b);
        return b;
      },
      (f) => f.getBlock(key, domain, now),
    );
  }
  private async allBlocks(r: Client, filter: BlockFilter): Promise<Array<[string, string, Block]>> {
    if (filter.domain !== undefined && filter.key !== undefined) {
      const field = this.keys.blockField(filter.domain, filter.key);
      const raw = await r.hget(this.keys.blocks, field);
      return raw === null ? [] : [[field, raw, JSON.parse(raw) as Block]];
    }
    const all = await r.hgetall(this.keys.blocks);
    return Object.entries(all).map(([field, raw]) => [field, raw, JSON.parse(raw) as Block]);
  }
  async listBlocks(filter: BlockFilter, now: number): Promise<Block[]> {
    const match = blockMatcher(filter);
    return this.call(
      async (r) => (await this.allBlocks(r, filter)).map((e) => e[2]).filter((b) => b.expiresAt > now && match(b)),
      (f) => f.listBlocks(filter, now),
    );
  }
  async clearBlocks(filter: BlockFilter): Promise<Block[]> {
    const match = blockMatcher(filter);
    return this.call(
      async (r) => {
        const hits = (await this.allBlocks(r, filter)).filter((e) => match(e[2]));
        this.blockCache.clear();
        if (hits.length === 0) return [];
        const removed = (await r.mwBlockClear(this.keys.blocks, this.keys.blockExpiry, ...hits.flatMap((e) => [e[0], e[1]]))) as number[];
        void this.fallback.clearBlocks(filter);
        return removed.map((i) => hits[i - 1][2]);
      },
      (f) => f.clearBlocks(filter),
    );
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.call(
      async (r) => {
        await r.mwAuditAppend(this.keys.audit, JSON.stringify(entry), this.maxAudit);
      },
      (f) => f.appendAudit(entry),
    );
  }
  async listAudit(filter: AuditFilter): Promise<AuditEntry[]> {
    return this.call(
      async (r) => {
        const limit = filter.limit ?? Infinity;
        const out: AuditEntry[] = [];
        for (let start = 0; out.length < limit; start += PAGE) {
          const page = await r.lrange(this.keys.audit, start, start + PAGE - 1);
          for (const raw of page) {
            const e = JSON.parse(raw) as AuditEntry;
            if (filter.domain !== undefined && e.domain !== filter.domain) continue;
            if (filter.subjectPrefix !== undefined && !e.subject.startsWith(filter.subjectPrefix)) continue;
            if (filter.since !== undefined && e.at < filter.since) continue;
            out.push(e);
            if (out.length >= limit) break;
          }
          if (page.length < PAGE) break;
        }
        return out;
      },
      (f) => f.listAudit(filter),
    );
  }

  /** Drops index entries of expired values and blocks; Redis' TTLs take the values themselves. */
  async collect(): Promise<number> {
    if (!this.up || this.closed) return 0;
    try {
      const k = this.keys;
      return Number(await this.redis.mwCollect(k.kvIndex, k.kvExpiry, k.blocks, k.blockExpiry, this.now() - TTL_SLACK_MS, 1000));
    } catch (e) {
      if (this.isOutage(e)) this.down(e as Error);
      return 0;
    }
  }

  async publish(channel: ChangeChannel): Promise<void> {
    if (channel === 'blocks') this.blockCache.clear();
    this.emit(channel);
    if (!this.up) return; // every node rereads everything when it hears Redis again
    try {
      await this.redis.publish(this.keys.changes, `${this.nodeId} ${channel}`);
    } catch (e) {
      if (this.isOutage(e)) this.down(e as Error);
      else throw e;
    }
  }
  subscribe(listener: (channel: ChangeChannel) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  private onMessage(msg: string): void {
    const sp = msg.indexOf(' ');
    if (sp < 0 || msg.slice(0, sp) === this.nodeId) return;
    const channel = msg.slice(sp + 1) as ChangeChannel;
    if (!CHANNELS.includes(channel)) return;
    if (channel === 'blocks') this.blockCache.clear();
    this.emit(channel);
  }
  private emitAll(): void {
    this.blockCache.clear();
    for (const c of CHANNELS) this.emit(c);
  }
  private emit(channel: ChangeChannel): void {
    for (const l of this.listeners) {
      try {
        l(channel);
      } catch {
        // A listener's fault must not stop the others from hearing the change.
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.collectTimer);
    clearInterval(this.probeTimer);
    this.listeners.clear();
    this.sub.disconnect();
    if (this.redis.status === 'ready') {
      await Promise.race([this.redis.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 500).unref())]);
    }
    this.redis.disconnect();
  }
}
