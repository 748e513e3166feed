import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemoryStore } from '../../../../../host/core/state/memory-store';
import { RedisStore } from '../../../../../host/core/state/redis-store';
import { SqliteStore } from '../../../../../host/core/state/sqlite-store';
import { describeWithRedis, RedisServer } from '../../../../harness/redis';
import { tempDir } from '../../../../helpers/plugin-fixture';
import { storeConformance } from './store-conformance';

describe('memory store', () => {
  storeConformance(async () => {
    const store = new MemoryStore();
    return { store, close: () => store.close() };
  });
});

describe('SQLite store', () => {
  storeConformance(async () => {
    const dir = tempDir('mw-sqlite-');
    const store = new SqliteStore(path.join(dir, 'state.db'));
    return {
      store,
      close: async () => {
        await store.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});

// The same suite runs on a real Redis Cluster and on Sentinel in
// test/integration/cluster/redis-cluster.test.ts and redis-sentinel.test.ts
// (each starts its topology once for the file).
describeWithRedis('Redis store', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await server?.destroy();
  });
  storeConformance(async () => {
    // A prefix of its own per test: one server, no cross-talk.
    const store = new RedisStore({ url: server.url, keyPrefix: `t${randomBytes(4).toString('hex')}:`, failOpen: false, commandTimeoutMs: 5000 });
    expect(await store.ready()).toBe(true);
    return { store, close: () => store.close() };
  });
});
