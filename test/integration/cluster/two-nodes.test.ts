import { GLOBAL } from '../../../host/core/domains/domain-settings';
import { describeWithRedis, RedisServer } from '../../harness/redis';
import { decide, fail, failCounterDir, gauge, newPrefix, type Node, startNode, within } from './redis-cluster-helpers';

describeWithRedis('two mailwarden nodes on one Redis', () => {
  let server: RedisServer;
  let pluginDir: string;
  let a: Node;
  let b: Node;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    server = await RedisServer.start();
    pluginDir = failCounterDir();
  });
  afterAll(async () => {
    await server?.destroy();
    process.off('unhandledRejection', onUnhandled);
  });
  beforeEach(async () => {
    const prefix = newPrefix();
    a = await startNode(server.url, prefix, pluginDir);
    b = await startNode(server.url, prefix, pluginDir);
  });
  afterEach(async () => {
    await a?.app.close();
    await b?.app.close();
    expect(unhandled).toEqual([]);
  });

  test('3 failures spread over both nodes block the pair on both', async () => {
    await fail(a, 'alice@example.com', '192.0.2.7');
    await fail(b, 'alice@example.com', '192.0.2.7');
    expect(await decide(a, 'alice@example.com', '192.0.2.7')).toMatchObject({ action: 'allow' });
    expect(await decide(b, 'alice@example.com', '192.0.2.7')).toMatchObject({ action: 'allow' });
    await fail(a, 'alice@example.com', '192.0.2.7');
    expect(await decide(a, 'alice@example.com', '192.0.2.7')).toMatchObject({ action: 'deny', plugin: 'fail-counter' });
    // No waiting: the other node reads the block from Redis, not from a cache.
    expect(await decide(b, 'alice@example.com', '192.0.2.7')).toMatchObject({ action: 'deny', plugin: 'fail-counter' });
    expect(await decide(b, 'alice@example.com', '192.0.2.8')).toMatchObject({ action: 'allow' });
    expect(await decide(b, 'bob@example.com', '192.0.2.7')).toMatchObject({ action: 'allow' });
  });

  test('concurrent failures reported to both nodes are each counted exactly once', async () => {
    const n = 200;
    const now = a.clock.now();
    await Promise.all(Array.from({ length: n }, (_, i) => (i % 2 ? a : b).store.hit('race', 60_000, now + i)));
    expect(await a.store.count('race', 60_000, now + n)).toBe(n);
    const members = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).store.addDistinct('race-set', `m${i % 25}`, 60_000, now)));
    expect(Math.max(...members)).toBe(25);
    expect(await b.store.distinctMembers('race-set', 60_000, now)).toHaveLength(25);
  });

  test('an unblock on one node is seen on the other within a second', async () => {
    for (const n of [a, b, a]) await fail(n, 'carol@example.com', '198.51.100.1');
    expect(await decide(b, 'carol@example.com', '198.51.100.1')).toMatchObject({ action: 'deny' });
    expect(await decide(b, 'carol@example.com', '198.51.100.1')).toMatchObject({ action: 'deny' }); // now cached on b
    // What `mailwarden unblock` does: clear, then tell every node.
    expect(await a.store.clearBlocks({ key: 'pair:198.51.100.1|carol@example.com' })).toHaveLength(1);
    await a.store.publish('blocks');
    expect(await decide(a, 'carol@example.com', '198.51.100.1')).toMatchObject({ action: 'allow' });
    const ms = await within(1000, () => decide(b, 'carol@example.com', '198.51.100.1'), (v) => v.action === 'allow');
    expect(ms).toBeLessThan(1000);
  });

  test('a config change on one node is applied by the other within a second', async () => {
    expect(await decide(b, 'dave@example.com', '203.0.113.5')).toMatchObject({ action: 'allow' }); // b caches its plan
    const plugin = a.app.registry.active.find((p) => p.manifest.id === 'fail-counter')!;
    await a.app.settings.setConfig(GLOBAL, plugin, { tarpit: 7 }, 'cli:test');
    await within(1000, () => decide(b, 'dave@example.com', '203.0.113.5'), (v) => v.action === 'delay' && v.delaySeconds === 7);
    await a.app.settings.setEnabled(GLOBAL, plugin, false, 'cli:test');
    await within(1000, () => decide(b, 'dave@example.com', '203.0.113.5'), (v) => v.action === 'allow');
    expect((await b.store.listAudit({ subjectPrefix: 'plugin:fail-counter' })).map((e) => e.action)).toEqual(['plugin.disable', 'plugin.configure']);
  });

  test('an account lock on one node is enforced by the other within a second', async () => {
    expect(await decide(b, 'erin@example.com', '203.0.113.9')).toMatchObject({ action: 'allow' }); // b caches "not locked"
    await a.app.accounts.lock('erin@example.com', { reason: 'compromised', by: 'cli:test' });
    await within(1000, () => decide(b, 'erin@example.com', '203.0.113.9'), (v) => v.action === 'deny' && v.plugin === 'host');
    await b.app.accounts.unlock('erin@example.com', 'cli:test');
    await within(1000, () => decide(a, 'erin@example.com', '203.0.113.9'), (v) => v.action === 'allow');
  });

  test('the backend gauge reads 1 while Redis answers', async () => {
    expect(await gauge(a.metrics, 'state_backend_up')).toBe(1);
  });
});
