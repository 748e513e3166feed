import { randomBytes } from 'node:crypto';
import Redis, { Cluster, type RedisOptions } from 'ioredis';
import type { AuditEntry, AuditFilter, Block, BlockFilter, Logger, Metrics } from '../../../shared';
import { blockMatcher } from '../../../shared/block-filter';
import { everyMasterAnswers } from './cluster-probe';
import { FallbackStore } from './fallback-store';
import type { ChangeChannel, ChangeListener, HostStore } from './host-store';
import { RedisKeys } from './redis-keys';
import { LocalReplica, parseChange, type ReplicaChange } from './redis-replica';
import { type OutagePolicy, resilient } from './resilience';
import { SCRIPTS, type ScriptCommands } from './redis-scripts';
import { parseRedisUrl } from './redis-url';
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
  /**
   * The local read path: blocks, locks and settings are read from memory while
   * the copy is known complete as of at most this long ago (ms); past that,
   * reads go to Redis. 0 turns the local read path off. Default 1000.
   */
  readonly maxStalenessMs?: number;
  /** How often the copy's version is checked against Redis (ms). Default maxStalenessMs / 4. */
  readonly syncCheckMs?: number;
  /** Value names held by the local read path (default: account locks, domains, settings). */
  readonly replicatedPrefixes?: readonly string[];
  /**
   * Blocks, locks and settings are acknowledged (the call resolves as
   * acknowledged) only once this many replicas have them (Redis WAIT), so a
   * failover to one of them keeps them. 0 (default): no WAIT.
   */
  readonly ackReplicas?: number;
  /** How long WAIT may take (ms). Default 200. */
  readonly ackTimeoutMs?: number;
}

/** What a node holds in memory by default: the values every decision reads (pipeline locks, plugin enablement and config). */
export const REPLICATED_PREFIXES: readonly string[] = ['h:lock:', 'h:domain:', 'h:settings:'];

/** What /healthz and doctor show of the local read path. */
export interface ReplicaStatus {
  readonly enabled: boolean;
  readonly synced: boolean;
  /** Age of the newest proof that the copy was complete (ms); null when not synced. */
  readonly stalenessMs: number | null;
  readonly maxStalenessMs: number;
  /** True while reads are answered from memory (synced and within the bound). */
  readonly serving: boolean;
  readonly version: number;
  readonly blocks: number;
  readonly values: number;
  readonly resyncs: number;
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
/** ioredis's error when commandTimeout passes without an answer (RedisOptions.commandTimeout). */
const COMMAND_TIMED_OUT = 'Command timed out';

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
  private readonly listeners = new Set<ChangeListener>();
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
  /** A command timed out on an open connection: asking whether Redis is down (confirmOutage). */
  private confirming = false;
  /** A probe is asking whether Redis is back. */
  private probing = false;
  /** When that was last logged (at most once a minute: a slow Redis could time out on every request). */
  private slowLoggedAt = -Infinity;
  private readonly replica: LocalReplica | undefined;
  private readonly replicaKeys: string[];
  private syncTimer: NodeJS.Timeout | undefined;
  private snapshotting: Promise<void> | undefined;
  private resyncs = 0;
  private sent = 0;
  private subUp = false;
  private readonly ackReplicas: number;
  private readonly ackTimeoutMs: number;

  constructor(o: RedisStoreOptions) {
    this.keys = new RedisKeys(o.keyPrefix ?? 'mailwarden:');
    this.failOpen = o.failOpen ?? true;
    this.now = o.now ?? Date.now;
    this.logger = o.logger;
    this.metrics = o.metrics;
    this.maxAudit = o.maxAudit ?? 100_000;
    this.fallbackMaxKeys = o.fallbackMaxKeys ?? 100_000;
    this.fallback = new FallbackStore(this.fallbackMaxKeys);
    this.ackReplicas = o.ackReplicas ?? 0;
    this.ackTimeoutMs = o.ackTimeoutMs ?? 200;
    const maxStalenessMs = o.maxStalenessMs ?? 1000;
    this.replica = maxStalenessMs > 0 ? new LocalReplica(o.replicatedPrefixes ?? REPLICATED_PREFIXES, maxStalenessMs) : undefined;
    this.replicaKeys = [this.keys.replicaVersion, this.keys.blocks, this.keys.kvIndex];
    const common: RedisOptions = {
      // Fail fast while disconnected instead of queueing without bound.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: o.commandTimeoutMs ?? 200,
      connectTimeout: o.connectTimeoutMs ?? 2000,
      retryStrategy: (times) => Math.min(50 * times, 1000),
      // Concurrent decisions' writes leave in one write per event-loop turn, not one per command.
      enableAutoPipelining: true,
      ...o.redisOptions,
    };
    const target = parseRedisUrl(o.url);
    let client: Redis | Cluster;
    if (target.kind === 'cluster') client = new Cluster(target.nodes, { ...target.options, enableOfflineQueue: false, enableAutoPipelining: true, redisOptions: { ...common, ...target.options.redisOptions } });
    else if (target.kind === 'sentinel') client = new Redis({ ...common, ...target.options });
    else client = new Redis(target.url, common);
    for (const [name, s] of Object.entries(SCRIPTS)) client.defineCommand(name, { numberOfKeys: s.numberOfKeys, lua: s.lua });
    // Round trips are what the local read path saves; count them where every command passes (scripts and pipelines too).
    const send = client.sendCommand.bind(client) as (...a: unknown[]) => unknown;
    (client as { sendCommand: unknown }).sendCommand = (...a: unknown[]) => {
      this.sent++;
      return send(...a);
    };
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
    const subOptions = { enableOfflineQueue: true, commandTimeout: undefined, enableAutoPipelining: false };
    this.sub = client instanceof Cluster ? client.duplicate(undefined, subOptions) : client.duplicate(subOptions);
    this.sub.on('error', (e: Error) => this.logger?.debug({ err: e.message }, 'redis subscriber error'));
    this.sub.on('message', (ch: string, msg: string) => (ch === this.keys.replica ? this.onReplicaMessage(msg) : this.onMessage(msg)));
    this.sub.on('close', () => {
      // Announcements sent while we are not listening are lost: the copy is no longer known complete.
      this.subUp = false;
      this.replica?.invalidate();
    });
    this.sub.on('ready', () => {
      this.subUp = true;
      // Changes announced while we were not listening are lost: drop every cache.
      if (this.subReadyOnce) this.emitAll();
      this.subReadyOnce = true;
      void this.resync();
    });
    this.sub.subscribe(this.keys.changes, ...(this.replica ? [this.keys.replica] : []))
      // A store closed before it subscribed rejects its SUBSCRIBE: that is its own closing, not a failure.
      .catch((e: Error) => {
        if (!this.closed) this.logger?.warn({ err: e.message }, 'redis subscribe failed; will retry on reconnect');
      });
    this.collectTimer = setInterval(() => void this.collect(), COLLECT_EVERY_MS);
    this.collectTimer.unref();
    if (this.replica) {
      const every = o.syncCheckMs ?? Math.max(10, Math.floor(maxStalenessMs / 4));
      this.syncTimer = setInterval(() => void this.checkReplica(), every);
      this.syncTimer.unref();
    }
  }

  /** Commands this node has sent to Redis (not counting the subscription's own). */
  get commandsSent(): number {
    return this.sent;
  }

  /** State of the local read path (healthz, doctor). */
  replicaStatus(): ReplicaStatus {
    const r = this.replica;
    const st = r?.staleness() ?? Infinity;
    return {
      enabled: r !== undefined,
      synced: r?.isSynced ?? false,
      stalenessMs: Number.isFinite(st) ? Math.round(st) : null,
      maxStalenessMs: r?.maxStalenessMs ?? 0,
      serving: this.replicaServes(),
      version: r?.appliedVersion ?? 0,
      blocks: r?.size.blocks ?? 0,
      values: r?.size.values ?? 0,
      resyncs: this.resyncs,
    };
  }

  private replicaServes(): boolean {
    return this.up && this.replica !== undefined && this.replica.fresh();
  }

  /** Reads the whole copy again (on start, after a lost subscription, a gap or another epoch). */
  private resync(): Promise<void> {
    const r = this.replica;
    if (!r || this.closed || !this.up || !this.subUp) return Promise.resolve();
    if (this.snapshotting) return this.snapshotting;
    this.snapshotting = (async () => {
      try {
        r.beginSnapshot();
        const sentAt = performance.now();
        const [epoch, version, blocks, values] = (await this.redis.mwSnapshot(...this.replicaKeys, this.keys.kvPrefix, ...r.prefixes)) as [string, number, string[], string[]];
        if (!this.subUp) {
          r.abortSnapshot();
          return;
        }
        const first = this.resyncs === 0;
        this.resyncs++;
        r.load({ epoch, version: Number(version), blocks, values }, sentAt);
        this.metrics?.increment('state_replica_resyncs', { backend: 'redis' });
        // Caches above the store may hold what the copy missed.
        if (!first) this.emitAll();
      } catch (e) {
        r.abortSnapshot();
        if (this.isOutage(e)) this.down(e as Error);
        else this.logger?.warn({ err: (e as Error).message }, 'redis: reading the local read path snapshot failed');
      } finally {
        this.snapshotting = undefined;
        this.reportReplica();
      }
    })();
    return this.snapshotting;
  }

  private async checkReplica(): Promise<void> {
    const r = this.replica;
    if (!r || this.closed || !this.up) {
      this.reportReplica();
      return;
    }
    if (!r.isSynced) {
      await this.resync();
      return;
    }
    try {
      const sentAt = performance.now();
      const [epoch, v] = await this.redis.hmget(this.keys.replicaVersion, 'epoch', 'v');
      if (r.observe(sentAt, epoch ?? '', Number(v ?? 0)) === 'resync') await this.resync();
    } catch (e) {
      if (this.isOutage(e)) this.down(e as Error);
    }
    r.prune(Date.now());
    this.reportReplica();
  }

  private reportReplica(): void {
    const r = this.replica;
    if (!r || !this.metrics) return;
    const st = r.staleness();
    this.metrics.setGauge('state_replica_staleness_seconds', Number.isFinite(st) ? st / 1000 : -1, { backend: 'redis' });
    this.metrics.setGauge('state_replica_serving', this.replicaServes() ? 1 : 0, { backend: 'redis' });
  }

  private onReplicaMessage(msg: string): void {
    const r = this.replica;
    const c = parseChange(msg);
    if (!r || !c) return;
    const res = r.receive(c);
    if (res === 'gap') {
      void this.resync();
      return;
    }
    if (res !== 'applied' || c.node === this.nodeId) return;
    // Caches above the store (settings, locks) drop their copies of what another node changed.
    if (c.op === 'B' || c.op === 'b') {
      this.blockCache.clear();
      this.emit('blocks');
    } else if (c.name.startsWith('h:lock:')) this.emit('locks');
    else if (c.name.startsWith('h:settings:') || c.name.startsWith('h:domain:')) this.emit('settings');
    else this.emit('plugin-data');
  }

  /** Our own write, into the local copy at once. */
  private applyOwn(v: number, op: ReplicaChange['op'], name: string, value: string): void {
    if (v > 0) this.replica?.local({ v, node: this.nodeId, op, name, value });
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

  /** Redis's answer to PING (doctor). */
  ping(): Promise<string> {
    return this.redis.ping();
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
    if (e.message === COMMAND_TIMED_OUT && this.redis.status === 'ready') {
      this.confirmOutage(e);
      return;
    }
    this.outageStarts(e);
  }

  /**
   * One command timed out on an open connection. That is a hung Redis, or
   * this process's own stall: a blocked event loop (a start-up, a long
   * synchronous task) runs the command's timer before it reads the reply
   * waiting on the socket. Answered by asking whether Redis answers (a
   * PING, on a Cluster a read from every master; under the same timeout):
   * only when that fails too are all calls taken off Redis. Until then the
   * call that timed out alone is answered locally. Taking every call off
   * Redis for a stall of our own split the cluster's counts: failures
   * counted in the fallback meanwhile were dropped on recovery.
   */
  private confirmOutage(e: Error): void {
    if (this.confirming) return;
    this.confirming = true;
    this.answers().then(
      () => {
        this.confirming = false;
        const t = performance.now();
        if (t - this.slowLoggedAt < 60_000) return;
        this.slowLoggedAt = t;
        this.logger?.warn({ err: e.message }, 'a redis command timed out but redis answers: that call was decided on the local fallback store (state_backend_errors counts each)');
      },
      () => {
        this.confirming = false;
        if (this.up && !this.closed) this.outageStarts(e);
      },
    );
  }

  private outageStarts(e: Error): void {
    this.up = false;
    this.setGauge(0);
    this.reportReplica();
    if (this.failOpen && this.replica?.isSynced) {
      // Known blocks, locks and settings keep holding during the outage (the fallback bounds how many).
      for (const b of this.replica.allBlocks()) void this.fallback.putBlock(b);
      for (const [name, raw] of this.replica.allValues()) {
        const v = JSON.parse(raw) as StoredValue;
        this.fallback.mirrorValue(name, v.v, v.e);
      }
    }
    this.logger?.error({ err: e.message, failOpen: this.failOpen }, this.failOpen
      ? 'state backend (redis) unavailable: deciding on the local fallback store until it returns'
      : 'state backend (redis) unavailable: refusing state calls (failClosed) until it returns');
    this.startProbe();
  }

  /** Whether Redis answers: on a Cluster, every master (everyMasterAnswers). */
  private answers(): Promise<unknown> {
    const r = this.redis;
    return r instanceof Cluster ? everyMasterAnswers(r, this.keys.prefix) : r.ping();
  }

  private startProbe(): void {
    if (this.probeTimer || this.closed) return;
    this.probeTimer = setInterval(() => this.probe(), PROBE_EVERY_MS);
    this.probeTimer.unref();
  }

  private probe(): void {
    // On a Cluster with a master held, one probe can take two command timeouts: they are not stacked.
    if (this.up || this.closed || this.probing || this.redis.status !== 'ready') return;
    this.probing = true;
    this.answers().then(
      () => {
        this.probing = false;
        this.recovered();
      },
      () => {
        this.probing = false;
      },
    );
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
    // The copy may have missed changes (or Redis may have lost them): read it again.
    this.replica?.invalidate();
    void this.resync();
  }

  /**
   * Runs `remote` on Redis; during an outage (or when Redis fails mid-call)
   * answers from the fallback store, or rejects when failing closed.
   */
  /** A lost connection takes Redis out until a probe finds it back; meanwhile the fallback answers (fail open) or calls are refused. */
  private readonly outage: OutagePolicy = {
    backend: 'redis',
    isOutage: (e) => this.isOutage(e),
    down: (e) => this.down(e as Error),
    isDown: () => !this.up,
    failOpen: () => this.failOpen,
    before: () => {
      if (this.connected) return this.connected.then(() => this.probeIfDown());
      this.probeIfDown();
    },
    servedLocally: () => {
      this.servedLocally = true;
    },
  };

  private probeIfDown(): void {
    if (!this.up && !this.closed) this.startProbe();
  }

  private async call<T>(remote: (r: Client) => Promise<T>, local: (f: FallbackStore) => Promise<T>): Promise<T> {
    return resilient(this.outage, 'call', () => remote(this.redis), () => local(this.fallback));
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
    const r = this.replica;
    if (r && r.replicates(key) && this.replicaServes()) {
      const raw = r.value(key);
      const s = raw === undefined ? undefined : (JSON.parse(raw) as StoredValue);
      return s && (s.e === undefined || s.e > now) ? (s.v as T) : undefined;
    }
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
        const json = JSON.stringify(stored);
        const chan = this.replica?.replicates(key) ? this.keys.replica : '';
        const [v] = await this.metaWrite(r, chan !== '', (c) =>
          c.mwKvSet(this.keys.kv(key), this.keys.kvIndex, this.keys.kvExpiry, this.keys.replicaVersion, key, json, expiresAt ?? '', ttl, chan, this.nodeId));
        this.applyOwn(Number(v), 'K', key, json);
        this.fallback.mirrorValue(key, value, expiresAt);
      },
      (f) => f.set(key, value, expiresAt),
    );
  }
  async delete(key: string): Promise<boolean> {
    return this.call(
      async (r) => {
        this.fallback.mirrorValue(key, undefined, undefined);
        const chan = this.replica?.replicates(key) ? this.keys.replica : '';
        const [res] = await this.metaWrite(r, chan !== '', (c) =>
          c.mwKvDelete(this.keys.kv(key), this.keys.kvIndex, this.keys.kvExpiry, this.keys.replicaVersion, key, chan, this.nodeId));
        const [n, v] = res as [number, number];
        this.applyOwn(Number(v), 'k', key, '');
        return Number(n) > 0;
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
    await this.putBlockAcknowledged(block);
  }

  /**
   * putBlock, telling whether the block is acknowledged: written to Redis
   * and, with `ackReplicas`, held by that many replicas (so it survives a
   * failover). False when it only reached the master or the local fallback.
   */
  async putBlockAcknowledged(block: Block): Promise<boolean> {
    return this.call(
      async (r) => {
        const field = this.keys.blockField(block.domain, block.key);
        const json = JSON.stringify(block);
        const [v, acked] = await this.metaWrite(r, true, (c) =>
          c.mwBlockPut(this.keys.blocks, this.keys.blockExpiry, this.keys.replicaVersion, field, json, block.expiresAt, this.keys.replica, this.nodeId));
        this.applyOwn(Number(v), 'B', field, json);
        this.cacheBlock(field, { ...block });
        return acked;
      },
      async (f) => {
        await f.putBlock(block);
        return false;
      },
    );
  }

  /**
   * Runs one script on the {meta} slot, followed (same connection, one
   * pipeline, so also on a cluster) by WAIT when writes must reach replicas.
   * Returns the script's answer and whether the write is acknowledged.
   */
  private async metaWrite(r: Client, durable: boolean, script: (c: Client) => unknown): Promise<[unknown, boolean]> {
    if (!durable || this.ackReplicas <= 0) return [await (script(r) as Promise<unknown>), true];
    if (!(r instanceof Cluster)) {
      // One connection: WAIT sent after the script's answer also covers a script resent after NOSCRIPT.
      const res = await (script(r) as Promise<unknown>);
      const n = Number(await (r as Redis).wait(this.ackReplicas, this.ackTimeoutMs));
      if (n < this.ackReplicas) this.metrics?.increment('state_writes_unacknowledged', { backend: 'redis' });
      return [res, n >= this.ackReplicas];
    }
    // A cluster routes a keyless WAIT anywhere: in the script's pipeline it goes to the {meta} master.
    const p = r.pipeline() as unknown as Client & { exec(): Promise<Array<[Error | null, unknown]> | null> };
    script(p);
    (p as unknown as Redis).wait(this.ackReplicas, this.ackTimeoutMs);
    const out = (await p.exec()) ?? [];
    for (const [err] of out) if (err) throw err;
    const n = Number(out[1][1]);
    if (n < this.ackReplicas) this.metrics?.increment('state_writes_unacknowledged', { backend: 'redis' });
    return [out[0][1], n >= this.ackReplicas];
  }
  private cacheBlock(field: string, b: Block): void {
    if (this.blockCache.size >= BLOCK_CACHE_MAX) this.blockCache.clear();
    this.blockCache.set(field, b);
    void this.fallback.putBlock(b);
  }
  async getBlock(key: string, domain: string, now: number): Promise<Block | undefined> {
    const field = this.keys.blockField(domain, key);
    // The allow path: no round trip while the local copy is known complete within its bound.
    if (this.replicaServes()) return this.replica!.block(field, now);
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
        const [res] = await this.metaWrite(r, true, (c) =>
          c.mwBlockClear(this.keys.blocks, this.keys.blockExpiry, this.keys.replicaVersion, this.keys.replica, this.nodeId, ...hits.flatMap((e) => [e[0], e[1]])));
        const removed = (res as number[]).map(Number);
        void this.fallback.clearBlocks(filter);
        const out: Block[] = [];
        for (let i = 0; i + 1 < removed.length; i += 2) {
          const hit = hits[removed[i] - 1];
          this.applyOwn(removed[i + 1], 'b', hit[0], '');
          out.push(hit[2]);
        }
        return out;
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

  async publish(channel: ChangeChannel, source?: string): Promise<void> {
    if (channel === 'blocks') this.blockCache.clear();
    // Only this node's listeners hear the source; other nodes take the change as touching anything.
    this.emit(channel, source);
    if (!this.up) return; // every node rereads everything when it hears Redis again
    try {
      await this.redis.publish(this.keys.changes, `${this.nodeId} ${channel}`);
    } catch (e) {
      if (this.isOutage(e)) this.down(e as Error);
      else throw e;
    }
  }
  subscribe(listener: ChangeListener): () => void {
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
  private emit(channel: ChangeChannel, source?: string): void {
    for (const l of this.listeners) {
      try {
        l(channel, source);
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
    clearInterval(this.syncTimer);
    this.listeners.clear();
    this.sub.disconnect();
    if (this.redis.status === 'ready') {
      await Promise.race([this.redis.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 500).unref())]);
    }
    this.redis.disconnect();
  }
}
