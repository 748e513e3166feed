import { App } from '../../../host/core/app';
import { loadHostConfig } from '../../../host/core/config/host-config';
import { ensureRedisSchema, REDIS_SCHEMA_VERSION } from '../../../host/core/state/redis-schema';
import { RedisStore } from '../../../host/core/state/redis-store';
import { describeWithRedis, RedisServer } from '../../harness/redis';

describeWithRedis('Redis store layout version', () => {
  let redis: RedisServer;
  beforeAll(async () => (redis = await RedisServer.start()));
  afterAll(async () => redis?.destroy());

  test('stamped at first open, under the deployment prefix; an older stamp is brought forward; a newer one is refused by name', async () => {
    const s = new RedisStore({ url: redis.url, keyPrefix: 'site1:' });
    try {
      expect(await ensureRedisSchema(s)).toEqual({ from: 0, to: REDIS_SCHEMA_VERSION });
      expect(await ensureRedisSchema(s)).toEqual({ from: REDIS_SCHEMA_VERSION, to: REDIS_SCHEMA_VERSION });
      expect(redis.cli('--scan', '--pattern', 'site1:*schema*').trim()).not.toBe('');
      await s.set('h:schema:redis', { version: REDIS_SCHEMA_VERSION + 1, at: 0 });
      await expect(ensureRedisSchema(s)).rejects.toThrow(`Redis key h:schema:redis: state layout version ${REDIS_SCHEMA_VERSION + 1} is newer than this mailwarden understands (${REDIS_SCHEMA_VERSION})`);
      // Another deployment's prefix has its own stamp.
      const other = new RedisStore({ url: redis.url, keyPrefix: 'site2:' });
      try {
        expect(await ensureRedisSchema(other)).toEqual({ from: 0, to: REDIS_SCHEMA_VERSION });
      } finally {
        await other.close();
      }
    } finally {
      await s.close();
    }
  });

  test('a service or command opening a store a newer mailwarden wrote stops with that message', async () => {
    const s = new RedisStore({ url: redis.url, keyPrefix: 'site3:' });
    await s.set('h:schema:redis', { version: REDIS_SCHEMA_VERSION + 1, at: 0 });
    await s.close();
    const config = loadHostConfig({ env: {}, dataDir: '/nonexistent', overrides: { state: { backend: 'redis', url: redis.url, keyPrefix: 'site3:' } } });
    await expect(App.open({ config })).rejects.toThrow(`state layout version ${REDIS_SCHEMA_VERSION + 1} is newer than this mailwarden understands`);
  });
});
