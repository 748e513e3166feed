import type { Block } from '../../../../../shared';
import { MAX_BLOCKS, MAX_EXPIRING_VALUES, MemoryStore } from '../../../../../host/core/state/memory-store';
import { MAX_COUNTER_KEYS, WindowedCounters } from '../../../../../host/core/state/windowed-counters';

/*
 * Issue 14: an unauthenticated client chooses the keys (login × network), so
 * every table it can grow must stay bounded however many it invents. These
 * drive the data structures directly with a million distinct keys; a real
 * attack would need a million failed logins to get as far.
 */

const WINDOW = 20 * 60_000;
const MILLION = 1_000_000;

test('a million distinct counter keys within the window: the counters keep at most MAX_COUNTER_KEYS', () => {
  const c = new WindowedCounters({ trackChanges: false });
  for (let i = 0; i < MILLION; i++) c.addDistinct(`f|${i}`, 'h', WINDOW, 1000 + (i >> 10));
  expect(c.size).toBeLessThanOrEqual(MAX_COUNTER_KEYS);
  expect(c.size).toBeGreaterThan(MAX_COUNTER_KEYS / 2);
});

test('a flood of single-guess keys does not reset a counter close to its threshold', () => {
  // Evicting a counter gives its guesses back to the attacker: the ones with
  // one event go first (at most one guess each), the near-threshold ones stay.
  const c = new WindowedCounters({ trackChanges: false, maxKeys: 10_000 });
  let now = 1000;
  c.addDistinct('f|victim-pair', 'guess-1', WINDOW, now);
  c.addDistinct('f|victim-pair', 'guess-2', WINDOW, now);
  for (let i = 0; i < 100_000; i++) c.addDistinct(`f|flood${i}`, 'h', WINDOW, (now += i & 1));
  expect(c.distinctMembers('f|victim-pair', WINDOW, now)).toEqual(['guess-2', 'guess-1']);
  expect(c.addDistinct('f|victim-pair', 'guess-3', WINDOW, now)).toBe(3);
});

test('keys whose events left the window are the first to go', () => {
  const c = new WindowedCounters({ trackChanges: false, maxKeys: 10_000 });
  for (let i = 0; i < 10_000; i++) c.hit(`old${i}`, 60_000, 0);
  // The old ones are out of their window by now: a new key sweeps them all.
  c.hit('fresh', 60_000, 61_000);
  expect(c.size).toBe(1);
  expect(c.evicted).toBe(0);
  expect(c.count('fresh', 60_000, 61_000)).toBe(1);
});

function block(i: number, now: number, ms = WINDOW): Block {
  return { key: `pair:10.0.${i >> 8}.${i & 255}/32|u${i}@example.com`, domain: 'example.com', reason: 'r', source: 'password-bruteforce', createdAt: now, expiresAt: now + ms, strikes: 1 };
}

test('memory store: a million distinct keys (failures, blocks, notifier keys) stay bounded', async () => {
  const store = new MemoryStore();
  const now = 1000;
  for (let i = 0; i < MILLION; i++) {
    const which = i % 3;
    if (which === 0) await store.addDistinct(`f|${i}`, 'h', WINDOW, now);
    else if (which === 1) await store.putBlock(block(i, now));
    else await store.set(`h:notify:password-bruteforce:example.com:pair:u${i}`, { at: now, suppressed: 0 }, now + 3_600_000);
  }
  const size = store.sizes();
  expect(size.counters).toBeLessThanOrEqual(MAX_COUNTER_KEYS);
  expect(size.blocks).toBeLessThanOrEqual(MAX_BLOCKS);
  expect(size.kv).toBeLessThanOrEqual(MAX_EXPIRING_VALUES);
});

test('memory store: expired blocks and values are forgotten as time passes, not only when read', async () => {
  const store = new MemoryStore();
  for (let i = 0; i < 10_000; i++) {
    await store.putBlock(block(i, 0, 60_000));
    await store.set(`s|${i}`, 1, 60_000);
    await store.addDistinct(`f|${i}`, 'h', 60_000, 0);
  }
  await store.set('h:domain:example.com', { name: 'example.com' });
  // Any later write an hour on lets the store sweep what expired.
  await store.addDistinct('f|later', 'h', 60_000, 3_600_000);
  expect(store.sizes()).toEqual({ counters: 1, blocks: 0, kv: 1 });
  expect(await store.get('h:domain:example.com', 3_600_000)).toEqual({ name: 'example.com' });
});

test('memory store: when the block table is full the oldest block goes, never a value without expiry', async () => {
  const store = new MemoryStore();
  await store.set('h:settings:*:password-bruteforce', { enabled: true });
  for (let i = 0; i <= MAX_BLOCKS; i++) await store.putBlock(block(i, 1000, 86_400_000));
  expect(store.sizes().blocks).toBeLessThanOrEqual(MAX_BLOCKS);
  expect(await store.getBlock(block(MAX_BLOCKS, 1000).key, 'example.com', 2000)).toBeDefined();
  expect(await store.get('h:settings:*:password-bruteforce', 2000)).toEqual({ enabled: true });
});
