import { ManualClock } from '../../../../../host/core/services/clock';
import { PromMetrics } from '../../../../../host/core/services/metrics';
import { SERIES_KEY_PREFIX, SeriesHistory, type SeriesSources } from '../../../../../host/core/services/series-history';
import { hostSeriesSources } from '../../../../../host/core/services/series-sources';
import { MemoryStore } from '../../../../../host/core/state/memory-store';
import type { MailQueue, QueueCount, QueueName } from '../../../../../shared';

const MIN = 60_000;
const HOUR = 60 * MIN;
const logger = { debug() {}, info() {}, warn: jest.fn(), error() {} };

/** Live values a test sets by hand. */
function live() {
  const v = { failures: 0, blocks: 0, locks: 0, held: 0, queued: 0, queueDown: false };
  const sources: SeriesSources = {
    failedLoginsTotal: async () => v.failures,
    blocks: async () => v.blocks,
    locks: async () => v.locks,
    queue: async () => {
      if (v.queueDown) throw new Error('postqueue: not found');
      return { held: v.held, queued: v.queued };
    },
  };
  return { v, sources };
}

function setup(store = new MemoryStore(), clock = new ManualClock(Date.UTC(2026, 10, 29, 0, 0, 0))) {
  const { v, sources } = live();
  return { v, store, clock, history: new SeriesHistory(sources, store, clock, logger, 5 * MIN) };
}

test('a sample holds the failed logins since the previous one and the live counts', async () => {
  const { v, clock, history } = setup();
  v.failures = 3;
  v.blocks = 2;
  v.held = 1;
  v.queued = 4;
  await history.sample();
  clock.advance(5 * MIN);
  await history.sample();
  clock.advance(5 * MIN);
  v.failures = 8;
  v.blocks = 0;
  v.locks = 1;
  await history.sample();
  const points = await history.recent();
  expect(points.map((p) => p.failedLogins)).toEqual([3, 0, 5]);
  expect(points.map((p) => p.blocks)).toEqual([2, 2, 0]);
  expect(points.map((p) => p.locks)).toEqual([0, 0, 1]);
  expect(points.map((p) => [p.held, p.queued])).toEqual([[1, 4], [1, 4], [1, 4]]);
  expect(points.map((p) => p.at)).toEqual([0, 5 * MIN, 10 * MIN].map((d) => clock.now() - 10 * MIN + d));
});

test('the live point counts failures since the last sample and moves nothing', async () => {
  const { v, history } = setup();
  v.failures = 4;
  await history.sample();
  v.failures = 6;
  expect((await history.current()).failedLogins).toBe(2);
  expect((await history.current()).failedLogins).toBe(2);
  expect((await history.sample()).failedLogins).toBe(2);
});

test('a queue that cannot be read leaves held and queued empty (null), not zero, and the rest is sampled', async () => {
  const { v, history } = setup();
  v.queueDown = true;
  v.blocks = 5;
  const p = await history.sample();
  expect(p).toMatchObject({ blocks: 5, held: null, queued: null });
});

test('a day is kept: 288 points at one per 5 minutes, and no more records than that in the store', async () => {
  const { v, store, clock, history } = setup();
  const first = clock.now();
  for (let i = 0; i < 300; i++) {
    if (i) clock.advance(5 * MIN);
    v.blocks = i;
    await history.sample();
  }
  const now = clock.now();
  const points = await history.recent();
  expect(history.capacity).toBe(288);
  expect(points).toHaveLength(288);
  expect(points[0].at).toBeGreaterThan(now - 24 * HOUR);
  expect(points[0].at).toBe(first + 12 * 5 * MIN);
  expect(points[287].blocks).toBe(299);
  expect(await store.list(SERIES_KEY_PREFIX, now)).toHaveLength(288);
});

test('a restart reads the day back from the store; the failed-login counter starts again from 0', async () => {
  const store = new MemoryStore();
  const clock = new ManualClock(Date.UTC(2026, 10, 29, 8, 0, 0));
  const before = setup(store, clock);
  for (let i = 1; i <= 12; i++) {
    before.v.failures = i * 2;
    before.v.held = i;
    await before.history.sample();
    clock.advance(5 * MIN);
  }
  const kept = await before.history.recent();
  before.history.stop();

  const after = setup(store, clock);
  expect(await after.history.recent()).toEqual(kept);
  // The new process's counter is at 1: one failure, not 1 - 24.
  after.v.failures = 1;
  const p = await after.history.sample();
  expect(p.failedLogins).toBe(1);
  expect(await after.history.recent()).toEqual([...kept, p]);
});

test('records older than a day are not loaded after a long stop', async () => {
  const store = new MemoryStore();
  const clock = new ManualClock();
  const before = setup(store, clock);
  await before.history.sample();
  clock.advance(24 * HOUR + MIN);
  expect(await setup(store, clock).history.recent()).toEqual([]);
});

test('nodes sharing a store keep their own series', async () => {
  const store = new MemoryStore();
  const clock = new ManualClock();
  const a = live();
  const b = live();
  a.v.held = 1;
  b.v.held = 2;
  await new SeriesHistory(a.sources, store, clock, logger, 5 * MIN, 'mx1.example.org').sample();
  await new SeriesHistory(b.sources, store, clock, logger, 5 * MIN, 'mx2.example.org').sample();
  const reread = async (node: string) => (await new SeriesHistory(live().sources, store, clock, logger, 5 * MIN, node).recent()).map((p) => p.held);
  expect(await reread('mx1.example.org')).toEqual([1]);
  expect(await reread('mx2.example.org')).toEqual([2]);
  expect((await store.list(SERIES_KEY_PREFIX, clock.now())).map((r) => r.key).sort()).toEqual([`${SERIES_KEY_PREFIX}mx1.example.org:${Math.floor(clock.now() / (5 * MIN)) % 288}`, `${SERIES_KEY_PREFIX}mx2.example.org:${Math.floor(clock.now() / (5 * MIN)) % 288}`]);
});

test('hours picks the last hours of the day; anything but a whole number from 1 to 24 is refused', async () => {
  const { clock, history } = setup();
  for (let i = 0; i < 36; i++) {
    if (i) clock.advance(5 * MIN);
    await history.sample();
  }
  // 36 samples over 3 hours, the last one now.
  expect(await history.recent(1)).toHaveLength(12);
  expect(await history.recent(2)).toHaveLength(24);
  expect(await history.recent(24)).toHaveLength(36);
  for (const bad of [0, 25, 1.5, Number.NaN]) await expect(history.recent(bad)).rejects.toThrow(/hours must be a whole number from 1 to 24/);
});

test('an interval that is not a sensible number of ms is refused', () => {
  const { store, clock } = setup();
  expect(() => new SeriesHistory(live().sources, store, clock, logger, 0)).toThrow(/series interval/);
  expect(() => new SeriesHistory(live().sources, store, clock, logger, 25 * HOUR)).toThrow(/series interval/);
});

test('a store that refuses a write keeps the sample in memory and says so', async () => {
  const { store, history } = setup();
  jest.spyOn(store, 'set').mockRejectedValueOnce(new Error('disk full'));
  logger.warn.mockClear();
  await history.sample();
  expect(await history.recent()).toHaveLength(1);
  expect(logger.warn).toHaveBeenCalledWith({ err: 'disk full' }, expect.stringMatching(/memory only/));
});

test('the timer samples once per interval', async () => {
  jest.useFakeTimers();
  try {
    const { v, clock, history } = setup();
    v.blocks = 7;
    history.start((e) => {
      throw e;
    });
    clock.advance(5 * MIN);
    await jest.advanceTimersByTimeAsync(5 * MIN);
    clock.advance(5 * MIN);
    await jest.advanceTimersByTimeAsync(5 * MIN);
    history.stop();
    await jest.advanceTimersByTimeAsync(15 * MIN);
    expect((await history.recent()).map((p) => p.blocks)).toEqual([7, 7]);
  } finally {
    jest.useRealTimers();
  }
});

test('the host sources read the brute-force failure counter, blocks, locks and the hold queue apart from the others', async () => {
  const metrics = new PromMetrics();
  const clock = new ManualClock();
  const store = new MemoryStore();
  const count = (length: number): QueueCount => ({ length, bytes: 0, oldestAgeSeconds: 0 });
  const counts: Record<QueueName, QueueCount> = { incoming: count(1), active: count(2), deferred: count(3), hold: count(4), maildrop: count(5) };
  const queue = { counts: async () => counts } as unknown as MailQueue;
  const accounts = { listLocks: async () => [{ login: 'a@example.org' }] } as never;
  const s = hostSeriesSources({ metrics, store, accounts, queue, clock });
  expect(await s.failedLoginsTotal()).toBe(0);
  metrics.increment('bruteforce_failures', { domain: 'example.org' }, 2);
  metrics.increment('bruteforce_failures', { domain: 'other' });
  expect(await s.failedLoginsTotal()).toBe(3);
  await store.putBlock({ key: 'login:x', domain: 'example.org', login: 'x@example.org', reason: 'test', source: 'test', createdAt: clock.now(), expiresAt: clock.now() + HOUR } as never);
  expect(await s.blocks()).toBe(1);
  expect(await s.locks()).toBe(1);
  expect(await s.queue()).toEqual({ held: 4, queued: 11 });
});
