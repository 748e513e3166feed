import { PromMetrics } from '../../../host/core/services/metrics';
import { RedisStore } from '../../../host/core/state/redis-store';
import type { Block } from '../../../shared';
import { describeWithRedisCluster, RedisCluster } from '../../harness/redis';
import { storeConformance } from '../../unit/host/core/state/store-conformance';
import { gauge, newPrefix, within } from './redis-cluster-helpers';

function block(key: string): Block {
  const now = Date.now();
  return { key, domain: 'example.com', reason: 'test', source: 'bf', createdAt: now, expiresAt: now + 600_000, strikes: 1 };
}

/** A real 3-master Redis Cluster with one replica per master, started once for the file. */
describeWithRedisCluster('Redis Cluster (3 masters + 3 replicas)', () => {
  let cluster: RedisCluster;
  const stores: RedisStore[] = [];
  const open = async (prefix: string, o: Partial<ConstructorParameters<typeof RedisStore>[0]> = {}) => {
    const s = new RedisStore({ url: cluster.url, keyPrefix: prefix, failOpen: false, commandTimeoutMs: 5000, ...o });
    stores.push(s);
    expect(await s.ready()).toBe(true);
    return s;
  };
  beforeAll(async () => {
    cluster = await RedisCluster.start(3, 1);
  }, 90_000);
  afterAll(async () => {
    await cluster?.destroy();
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  describe('conformance', () => {
    storeConformance(async () => {
      const store = await open(newPrefix());
      return { store, close: () => store.close() };
    });
  });

  test('every script touches one slot; counters spread over the masters, blocks and values share {meta}', async () => {
    const prefix = newPrefix();
    const s = await open(prefix);
    const now = Date.now();
    for (let i = 0; i < 30; i++) await s.hit(`p:bf:fail:${i}`, 60_000, now);
    const masters = new Set(cluster.mastersOf(Array.from({ length: 30 }, (_, i) => `${prefix}{#p:bf:fail:${i}}:hits`)));
    expect(masters.size).toBe(3);
    const meta = new Set(cluster.mastersOf([`${prefix}{meta}:blocks`, `${prefix}{meta}:kv-names`, `${prefix}{meta}:replica-version`, `${prefix}{meta}:kv:h:lock:x`]));
    expect(meta.size).toBe(1);
  });

  test('local read path on a cluster: no command for an allow, a block on one node holds on another within the bound', async () => {
    const prefix = newPrefix();
    const a = await open(prefix, { maxStalenessMs: 500 });
    const b = await open(prefix, { maxStalenessMs: 500 });
    await within(3000, async () => a.replicaStatus().serving && b.replicaStatus().serving, (v) => v);
    const sent = b.commandsSent;
    for (let i = 0; i < 500; i++) expect(await b.getBlock(`pair:${i}`, 'example.com', Date.now())).toBeUndefined();
    expect(b.commandsSent - sent).toBeLessThan(5);
    await a.putBlock(block('pair:9'));
    const ms = await within(500, () => b.getBlock('pair:9', 'example.com', Date.now()), (v) => v !== undefined);
    expect(ms).toBeLessThan(500);
  });

  test('WAIT reaches the master of {meta}: a block is acknowledged by its replica', async () => {
    const s = await open(newPrefix(), { ackReplicas: 1, ackTimeoutMs: 2000 });
    expect(await s.putBlockAcknowledged(block('acked'))).toBe(true);
  });

  test('a master that stops answering is an outage even while the others answer, until it answers again: every master is asked', async () => {
    const prefix = newPrefix();
    const metrics = new PromMetrics();
    const s = await open(prefix, { failOpen: true, commandTimeoutMs: 200, metrics, maxStalenessMs: 0 });
    // A counter whose slot is not {meta}'s: its master is held, the master of blocks and values is not.
    const meta = cluster.mastersOf([`${prefix}{meta}:blocks`])[0];
    let i = 0;
    while (cluster.mastersOf([`${prefix}{#held${i}}:hits`])[0] === meta) i++;
    const key = `held${i}`;
    const port = cluster.mastersOf([`${prefix}{#${key}}:hits`])[0];
    const held = performance.now();
    // Shorter than cluster-node-timeout (2 s): held, not failed over.
    cluster.nodes.find((n) => n.port === port)!.cli('CLIENT', 'PAUSE', '1200', 'ALL');
    expect(await s.hit(key, 60_000, Date.now())).toBe(1);
    // A PING to one random node would often be answered: the held master's is not.
    await within(1000, () => gauge(metrics, 'state_backend_up'), (v) => v === 0);
    // Nor is the outage over while the master is held (a probe asks it too, not a random node): it was, within 250-500 ms.
    while (performance.now() - held < 1050) {
      expect(await gauge(metrics, 'state_backend_up')).toBe(0);
      await new Promise((r) => setTimeout(r, 25));
    }
    await within(5000, () => gauge(metrics, 'state_backend_up'), (v) => v === 1);
  });
});
