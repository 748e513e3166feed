import { PromMetrics } from '../../../host/core/services/metrics';
import { createLogger } from '../../../host/core/services/logger';
import { RedisStore } from '../../../host/core/state/redis-store';
import { LogCapture } from '../../helpers/test-app';
import { describeWithRedis, RedisServer } from '../../harness/redis';
import { decide, fail, failCounterDir, gauge, newPrefix, type Node, startNode, within } from './redis-cluster-helpers';

/** Each test owns its Redis: it is stopped mid-test. */
describeWithRedis('Redis outage', () => {
  let server: RedisServer;
  let pluginDir: string;
  const nodes: Node[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  const node = async (failOpen: boolean, prefix: string, commandTimeoutMs?: number) => {
    const n = await startNode(server.url, prefix, pluginDir, failOpen, commandTimeoutMs);
    nodes.push(n);
    return n;
  };

  beforeAll(() => {
    process.on('unhandledRejection', onUnhandled);
    pluginDir = failCounterDir();
  });
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
  });
  beforeEach(async () => {
    server = await RedisServer.start();
  });
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.app.close();
    await server.destroy();
    expect(unhandled).toEqual([]);
  });

  test('failOpen: decisions go on from a local store, the outage is logged and counted, then Redis is used again', async () => {
    const prefix = newPrefix();
    const a = await node(true, prefix);
    const b = await node(true, prefix);
    await server.stop();
    const t0 = Date.now();
    expect(await decide(a, 'alice@example.com', '192.0.2.7')).toMatchObject({ action: 'allow' });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await gauge(a.metrics, 'state_backend_up')).toBe(0);
    expect(await gauge(a.metrics, 'state_backend_errors_total')).toBeGreaterThan(0);
    expect(a.storeLogs.find('state backend (redis) unavailable: deciding on the local fallback store until it returns')).toHaveLength(1);
    // During the outage each node counts on its own.
    for (let i = 0; i < 3; i++) await fail(a, 'alice@example.com', '192.0.2.7');
    expect(await decide(a, 'alice@example.com', '192.0.2.7')).toMatchObject({ action: 'deny' });
    expect(await decide(b, 'alice@example.com', '192.0.2.7')).toMatchObject({ action: 'allow' });

    await server.start();
    await within(5000, () => gauge(a.metrics, 'state_backend_up'), (v) => v === 1);
    await within(5000, () => gauge(b.metrics, 'state_backend_up'), (v) => v === 1);
    expect(a.storeLogs.find('state backend (redis) is back; local outage state dropped')).toHaveLength(1);
    // Shared again: failures spread over both nodes block on both.
    for (const n of [b, a, b]) await fail(n, 'bob@example.com', '192.0.2.9');
    expect(await decide(a, 'bob@example.com', '192.0.2.9')).toMatchObject({ action: 'deny' });
    expect(await decide(b, 'bob@example.com', '192.0.2.9')).toMatchObject({ action: 'deny' });
  });

  test('failClosed: decisions tempfail while Redis is down, nothing throws, and it recovers by itself', async () => {
    const a = await node(false, newPrefix());
    expect(await decide(a, 'carol@example.com', '198.51.100.1')).toMatchObject({ action: 'allow' });
    await server.stop();
    await within(2000, () => decide(a, 'carol@example.com', '198.51.100.1'), (v) => v.action === 'tempfail' && v.plugin === 'host');
    await expect(fail(a, 'carol@example.com', '198.51.100.1')).resolves.toBeUndefined();
    expect(await a.app.pipeline.checkRelay({ protocolState: 'RCPT', clientAddress: '198.51.100.1', clientName: 'x', saslUsername: 'carol@example.com', sender: 'c@example.com', recipient: 'r@example.org', recipientCount: 0, size: 0, instance: 'i', domain: 'example.com' } as never)).toMatchObject({ action: 'tempfail' });
    await expect(a.store.get('anything', Date.now())).rejects.toThrow(/unavailable/);
    await server.start();
    await within(5000, () => decide(a, 'carol@example.com', '198.51.100.1'), (v) => v.action === 'allow');
  });

  test('a hung Redis (no answers) is an outage too: answers come from the fallback within the hook timeout', async () => {
    const a = await node(true, newPrefix(), 200);
    expect(await decide(a, 'dave@example.com', '203.0.113.5')).toMatchObject({ action: 'allow' });
    server.pause();
    try {
      const t0 = Date.now();
      expect(await decide(a, 'dave@example.com', '203.0.113.5')).toMatchObject({ action: 'allow' });
      expect(Date.now() - t0).toBeLessThan(1000);
      // An allow costs no round trip any more (local read path): the version poll is what notices the hang.
      await within(1500, () => gauge(a.metrics, 'state_backend_up'), (v) => v === 0);
      for (let i = 0; i < 3; i++) await fail(a, 'dave@example.com', '203.0.113.5');
      expect(await decide(a, 'dave@example.com', '203.0.113.5')).toMatchObject({ action: 'deny' });
    } finally {
      server.resume();
    }
    await within(5000, () => gauge(a.metrics, 'state_backend_up'), (v) => v === 1);
    expect(await decide(a, 'dave@example.com', '203.0.113.5')).toMatchObject({ action: 'allow' });
  });

  test('one command that times out while Redis answers a PING is not an outage (a stall of ours, a slow moment of Redis)', async () => {
    const metrics = new PromMetrics();
    const logs = new LogCapture();
    const prefix = newPrefix();
    const store = new RedisStore({ url: server.url, keyPrefix: prefix, commandTimeoutMs: 300, metrics, logger: createLogger('debug', logs) });
    // Its commands wait out the pause below: it reads what reached Redis.
    const other = new RedisStore({ url: server.url, keyPrefix: prefix, commandTimeoutMs: 5000 });
    try {
      expect(await store.ready()).toBe(true);
      expect(await other.ready()).toBe(true);
      const now = Date.now();
      // Redis holds every client's commands for 350 ms: the hit's 300 ms pass, and the PING that follows is
      // answered within its own 300 ms (the margin is for a loaded machine, where Redis waits for a CPU too).
      server.cli('CLIENT', 'PAUSE', '350', 'ALL');
      expect(await store.hit('stalled', 60_000, now)).toBe(1);
      expect(await gauge(metrics, 'state_backend_errors_total')).toBeGreaterThanOrEqual(1);
      await within(2000, async () => (logs.find('a redis command timed out but redis answers: that call was decided on the local fallback store (state_backend_errors counts each)').length), (n) => n === 1).catch((e: Error) => {
        throw new Error(`${e.message}; the store logged: ${JSON.stringify(logs.lines)}`);
      });
      expect(logs.find('state backend (redis) unavailable: deciding on the local fallback store until it returns')).toEqual([]);
      expect(await gauge(metrics, 'state_backend_up')).toBe(1);
      // The next calls go to Redis: another node sees them.
      for (let i = 0; i < 3; i++) await store.hit('after', 60_000, now);
      expect(await other.count('after', 60_000, now)).toBe(3);
    } finally {
      await store.close();
      await other.close();
    }
  });

  test('a store closed before it is ready warns of nothing: its own closing is not a failure', async () => {
    const logs = new LogCapture();
    const store = new RedisStore({ url: server.url, keyPrefix: newPrefix(), logger: createLogger('debug', logs) });
    await store.close();
    // What a closed connection would still reject comes within a few ms; the margin is for a loaded machine.
    await new Promise((r) => setTimeout(r, 300));
    expect(logs.lines.filter((l) => Number(l.level) >= 40)).toEqual([]);
  });

  test('memory stays bounded during an outage: the fallback holds at most fallbackMaxKeys keys', async () => {
    const store = new RedisStore({ url: server.url, keyPrefix: newPrefix(), fallbackMaxKeys: 50 });
    try {
      expect(await store.ready()).toBe(true);
      await server.stop();
      const now = Date.now();
      for (let i = 0; i < 1000; i++) await store.hit(`ip:${i}`, 60_000, now);
      expect(store.fallbackKeys).toBe(50);
      expect(await store.count('ip:999', 60_000, now)).toBe(1);
    } finally {
      await store.close();
    }
  });

  test('a node started while Redis is down starts (failOpen) and joins when Redis comes up', async () => {
    await server.stop();
    const a = await node(true, newPrefix());
    expect(await decide(a, 'erin@example.com', '203.0.113.9')).toMatchObject({ action: 'allow' });
    await server.start();
    await within(5000, () => gauge(a.metrics, 'state_backend_up'), (v) => v === 1);
    for (let i = 0; i < 3; i++) await fail(a, 'erin@example.com', '203.0.113.9');
    expect(await a.store.count('p:fail-counter:fail:203.0.113.9|erin@example.com', 600_000, a.clock.now())).toBe(3);
  });

  test('a failClosed node started while Redis is down starts, tempfails, and decides once Redis comes up', async () => {
    await server.stop();
    const a = await node(false, newPrefix());
    expect(await decide(a, 'frank@example.com', '203.0.113.10')).toMatchObject({ action: 'tempfail', plugin: 'host' });
    await server.start();
    await within(5000, () => decide(a, 'frank@example.com', '203.0.113.10'), (v) => v.action === 'allow');
    expect(await a.app.settings.listDomains()).toEqual([]);
  });
});
