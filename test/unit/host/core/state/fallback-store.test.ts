import { FallbackStore } from '../../../../../host/core/state/fallback-store';

const T = Date.UTC(2026, 0, 1);

test('holds at most maxKeys keys, dropping the least recently written', async () => {
  const f = new FallbackStore(100);
  for (let i = 0; i < 1000; i++) await f.hit(`ip:${i}`, 60_000, T);
  expect(f.size).toBe(100);
  expect(await f.count('ip:0', 60_000, T)).toBe(0);
  expect(await f.count('ip:999', 60_000, T)).toBe(1);
  // A key written again moves to the back of the queue.
  await f.set('keep', 1);
  for (let i = 0; i < 99; i++) await f.addDistinct(`d:${i}`, 'x', 60_000, T);
  await f.set('keep', 2);
  for (let i = 0; i < 50; i++) await f.set(`kv:${i}`, i);
  expect(await f.get('keep', T)).toBe(2);
  expect(f.size).toBe(100);
});

test('blocks count against the cap too, and evicted blocks are gone', async () => {
  const f = new FallbackStore(10);
  for (let i = 0; i < 20; i++) {
    await f.putBlock({ key: `b${i}`, domain: 'example.com', reason: 'r', source: 's', createdAt: T, expiresAt: T + 1000, strikes: 1 });
  }
  expect(f.size).toBe(10);
  expect(await f.getBlock('b0', 'example.com', T)).toBeUndefined();
  expect(await f.getBlock('b19', 'example.com', T)).toBeDefined();
  expect(await f.listBlocks({}, T)).toHaveLength(10);
});
