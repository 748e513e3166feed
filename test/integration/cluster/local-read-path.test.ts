import Redis from 'ioredis';
import type { Block } from '../../../shared';
import { RedisStore } from '../../../host/core/state/redis-store';
import { describeWithRedis, RedisServer } from '../../harness/redis';
import { newPrefix, within } from './redis-cluster-helpers';

const MAX_STALENESS = 400;

function block(key: string): Block {
  const now = Date.now();
  return { key, domain: 'example.com', reason: 'test', source: 'bf', createdAt: now, expiresAt: now + 600_000, strikes: 1 };
}

/** The local read path against a real Redis: reads cost no round trip, and a change made anywhere holds everywhere within the bound. */
describeWithRedis('Redis store: local read path', () => {
  let server: RedisServer;
  let raw: Redis;
  let prefix: string;
  const stores: RedisStore[] = [];
  const open = async (o: Partial<ConstructorParameters<typeof RedisStore>[0]> = {}) => {
    const s = new RedisStore({ url: server.url, keyPrefix: prefix, commandTimeoutMs: 5000, maxStalenessMs: MAX_STALENESS, ...o });
    stores.push(s);
    expect(await s.ready()).toBe(true);
    await within(3000, async () => s.replicaStatus().serving, (v) => v);
    return s;
  };
  beforeAll(async () => {
    server = await RedisServer.start();
    raw = new Redis(server.url);
  });
  afterAll(async () => {
    raw?.disconnect();
    await server?.destroy();
  });
  beforeEach(() => {
    prefix = newPrefix();
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  test('a client with no block costs no Redis command; a block put on one node holds on the other at once', async () => {
    const a = await open();
    const b = await open();
    const sent = b.commandsSent;
    for (let i = 0; i < 1000; i++) expect(await b.getBlock(`pair:${i}`, 'example.com', Date.now())).toBeUndefined();
    expect(await b.get('h:lock:nobody@example.com', Date.now())).toBeUndefined();
    // The background version poll may have run meanwhile: a handful, never one per read.
    expect(b.commandsSent - sent).toBeLessThan(5);
    await a.putBlock(block('pair:7'));
    // The writer reads its own write at once, the other node as soon as the announcement arrives.
    expect(await a.getBlock('pair:7', 'example.com', Date.now())).toMatchObject({ key: 'pair:7' });
    const ms = await within(MAX_STALENESS, () => b.getBlock('pair:7', 'example.com', Date.now()), (v) => v !== undefined);
    expect(ms).toBeLessThan(MAX_STALENESS);
    await a.clearBlocks({ key: 'pair:7' });
    await within(MAX_STALENESS, () => b.getBlock('pair:7', 'example.com', Date.now()), (v) => v === undefined);
  });

  test('locks and settings are held too; other keys are read from Redis', async () => {
    const a = await open();
    const b = await open();
    const heard: string[] = [];
    b.subscribe((c) => heard.push(c));
    await a.set('h:lock:eve@example.com', { login: 'eve@example.com', reason: 'x' });
    await within(MAX_STALENESS, () => b.get('h:lock:eve@example.com', Date.now()), (v) => v !== undefined);
    // Caches above the store (account locks) hear of it without waiting for the host's own announcement.
    expect(heard).toContain('locks');
    const sent = b.commandsSent;
    await b.get('h:lock:eve@example.com', Date.now());
    await b.get('p:plugin:x', Date.now());
    expect(b.commandsSent - sent).toBe(1);
    expect(await a.delete('h:lock:eve@example.com')).toBe(true);
    await within(MAX_STALENESS, () => b.get('h:lock:eve@example.com', Date.now()), (v) => v === undefined);
  });

  test('a change whose announcement was lost is enforced within maxStalenessMs', async () => {
    const b = await open();
    const before = b.replicaStatus().resyncs;
    // A writer that changed the data and the version but whose PUBLISH never arrived.
    await raw.hset(`${prefix}{meta}:blocks`, 'example.com\u0000lost', JSON.stringify(block('lost')));
    await raw.hincrby(`${prefix}{meta}:replica-version`, 'v', 1);
    const t0 = Date.now();
    await within(3000, () => b.getBlock('lost', 'example.com', Date.now()), (v) => v !== undefined);
    expect(Date.now() - t0).toBeLessThanOrEqual(MAX_STALENESS + 100);
    expect(b.replicaStatus().resyncs).toBeGreaterThan(before);
  });

  test('a lost subscription stops local answers at once and the copy is read again', async () => {
    const a = await open();
    const b = await open();
    const before = b.replicaStatus().resyncs;
    await raw.client('KILL', 'TYPE', 'pubsub');
    await a.putBlock(block('during'));
    // Whether b reads Redis itself or its fresh copy, the block holds.
    expect(await b.getBlock('during', 'example.com', Date.now())).toBeDefined();
    await within(3000, async () => b.replicaStatus(), (s) => s.serving && s.resyncs > before);
    expect(await b.getBlock('during', 'example.com', Date.now())).toBeDefined();
  });

  test('a flushed Redis is another epoch: the copy forgets what Redis forgot', async () => {
    const a = await open();
    const b = await open();
    await a.putBlock(block('flushed'));
    await within(MAX_STALENESS, () => b.getBlock('flushed', 'example.com', Date.now()), (v) => v !== undefined);
    await raw.flushall();
    await within(MAX_STALENESS + 500, () => b.getBlock('flushed', 'example.com', Date.now()), (v) => v === undefined);
    await a.putBlock(block('after'));
    await within(MAX_STALENESS, () => b.getBlock('after', 'example.com', Date.now()), (v) => v !== undefined);
  });

  test('staleness is reported (status and metric)', async () => {
    const a = await open();
    const st = a.replicaStatus();
    expect(st).toMatchObject({ enabled: true, synced: true, serving: true, maxStalenessMs: MAX_STALENESS });
    expect(st.stalenessMs).toBeLessThanOrEqual(MAX_STALENESS);
  });
});
