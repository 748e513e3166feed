import Redis from 'ioredis';
import { RedisStore } from '../../../host/core/state/redis-store';
import { describeWithRedis, RedisServer } from '../../harness/redis';
import { newPrefix } from './redis-cluster-helpers';

/** What the conformance suite cannot see: how the Redis store keeps its keys. */
describeWithRedis('Redis store internals', () => {
  let server: RedisServer;
  let raw: Redis;
  let store: RedisStore;
  let prefix: string;
  beforeAll(async () => {
    server = await RedisServer.start();
    raw = new Redis(server.url);
  });
  afterAll(async () => {
    raw?.disconnect();
    await server?.destroy();
  });
  beforeEach(async () => {
    prefix = newPrefix();
    store = new RedisStore({ url: server.url, keyPrefix: prefix, commandTimeoutMs: 5000 });
    expect(await store.ready()).toBe(true);
  });
  afterEach(() => store.close());

  test('every key carries the prefix, and the keys of one counter share a cluster hash tag', async () => {
    const now = Date.now();
    await store.hit('p:bf:ip}x', 60_000, now, 3);
    await store.addDistinct('p:bf:pw', 'h1', 60_000, now);
    await store.set('h:settings:*:bf', { enabled: true });
    const keys = (await raw.keys(`${prefix}*`)).sort();
    expect(keys.every((k) => k.startsWith(prefix))).toBe(true);
    const tag = (k: string) => {
      const open = k.indexOf('{');
      return k.slice(open + 1, k.indexOf('}', open + 1));
    };
    const counterKeys = keys.filter((k) => k.includes('{#p:bf:ip'));
    expect(counterKeys.length).toBeGreaterThanOrEqual(2);
    expect(new Set(counterKeys.map(tag))).toEqual(new Set(['#p:bf:ip']));
    expect(keys.filter((k) => k.includes('{meta}')).map(tag).every((t) => t === 'meta')).toBe(true);
  });

  test('counters expire in Redis a while after their window; Redis TTLs only collect garbage', async () => {
    await store.hit('ttl', 1000, Date.now());
    const ttl = await raw.pttl(`${prefix}{#ttl}:hits`);
    expect(ttl).toBeGreaterThan(1000);
    expect(ttl).toBeLessThanOrEqual(61_000);
  });

  test('scripts are reloaded when Redis forgot them (SCRIPT FLUSH, restart)', async () => {
    expect(await store.hit('flush', 60_000, Date.now())).toBe(1);
    await raw.script('FLUSH');
    expect(await store.hit('flush', 60_000, Date.now())).toBe(2);
  });

  test('with ackReplicas and no replica to answer WAIT, a block stands on the master but is reported unacknowledged', async () => {
    const acking = new RedisStore({ url: server.url, keyPrefix: prefix, commandTimeoutMs: 5000, ackReplicas: 1, ackTimeoutMs: 50 });
    try {
      expect(await acking.ready()).toBe(true);
      const now = Date.now();
      expect(await acking.putBlockAcknowledged({ key: 'lonely', domain: 'example.com', reason: 'r', source: 's', createdAt: now, expiresAt: now + 60_000, strikes: 1 })).toBe(false);
      expect(await store.getBlock('lonely', 'example.com', now)).toBeDefined();
    } finally {
      await acking.close();
    }
  });

  test('collecting drops index entries of values and blocks that expired a minute ago', async () => {
    const now = Date.now();
    await store.set('gone', 1, now - 120_000);
    await store.set('kept', 1, now + 120_000);
    await store.putBlock({ key: 'old', domain: 'example.com', reason: 'r', source: 's', createdAt: now - 300_000, expiresAt: now - 120_000, strikes: 1 });
    expect(await store.collect()).toBe(2);
    expect(await raw.zrange(`${prefix}{meta}:kv-names`, 0, -1)).toEqual(['kept']);
    expect(await raw.hlen(`${prefix}{meta}:blocks`)).toBe(0);
  });
});
