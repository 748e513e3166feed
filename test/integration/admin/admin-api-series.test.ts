import { ManualClock } from '../../../host/core/services/clock';
import { SeriesHistory } from '../../../host/core/services/series-history';
import { MemoryStore } from '../../../host/core/state/memory-store';
import type { MailQueue, QueueCount, QueueName } from '../../../shared';
import { type AdminHarness, startAdmin } from '../../helpers/admin-client';

const MIN = 60_000;
const count = (length: number): QueueCount => ({ length, bytes: length * 100, oldestAgeSeconds: 0 });
const counts: Record<QueueName, QueueCount> = { incoming: count(0), active: count(1), deferred: count(4), hold: count(2), maildrop: count(0) };
const queue = { counts: async () => counts } as unknown as MailQueue;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

let h: AdminHarness;
const clock = new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 0));
const store = new MemoryStore();

beforeAll(async () => {
  // A previous process sampled the last 3 hours into the same store.
  let failures = 0;
  const earlier = new SeriesHistory(
    { failedLoginsTotal: async () => failures, blocks: async () => 1, locks: async () => 0, queue: async () => ({ held: 0, queued: 3 }) },
    store, clock, quiet, 5 * MIN,
  );
  clock.advance(-3 * 60 * MIN);
  for (let i = 0; i < 36; i++) {
    failures += i % 2;
    await earlier.sample();
    clock.advance(5 * MIN);
  }
  h = await startAdmin({ plugins: false, clock, store, queue });
});
afterAll(() => h.close());

test('GET /api/dashboard/series: the stored day, and the live point', async () => {
  const r = await h.call('GET', '/api/dashboard/series');
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ intervalMs: 5 * MIN, hours: 24 });
  expect(r.body.points).toHaveLength(36);
  expect(r.body.points[1]).toEqual({ at: clock.now() - 35 * 5 * MIN, failedLogins: 1, blocks: 1, locks: 0, held: 0, queued: 3 });
  expect(r.body.now).toEqual({ at: clock.now(), failedLogins: 0, blocks: 0, locks: 0, held: 2, queued: 5 });
});

test('the live point follows failed logins (the brute-force counter), blocks and locks', async () => {
  h.app.metrics.increment('bruteforce_failures', { domain: 'example.org' }, 3);
  await h.app.store.putBlock({ key: 'login:x', domain: 'example.org', login: 'x@example.org', reason: 'test', source: 'admin', createdAt: clock.now(), expiresAt: clock.now() + 60 * MIN, strikes: 1 } as never);
  await h.app.accounts.lock('y@example.org', { reason: 'test', by: 'api' });
  const now = (await h.call('GET', '/api/dashboard/series')).body.now;
  expect(now).toMatchObject({ failedLogins: 3, blocks: 1, locks: 1, held: 2, queued: 5 });
});

test('hours narrows the window', async () => {
  const r = await h.call('GET', '/api/dashboard/series?hours=1');
  expect(r.status).toBe(200);
  expect(r.body.hours).toBe(1);
  // Samples at 5, 10 … 60 minutes ago: the one exactly an hour ago is out.
  expect(r.body.points).toHaveLength(11);
  expect(r.body.points.every((p: { at: number }) => p.at > clock.now() - 60 * MIN)).toBe(true);
});

test.each(['0', '25', '1.5', 'day', ''])('hours=%p is refused with a 400 that names the parameter', async (hours) => {
  const r = await h.call('GET', `/api/dashboard/series?hours=${hours}`);
  expect(r.status).toBe(400);
  expect(r.body.error).toMatch(/hours/);
  expect(r.body.problems[0].path).toBe('?hours');
  if (hours === '25') expect(r.body.error).toMatch(/<= 24/);
});

test('the series need the admin token', async () => {
  expect((await h.call('GET', '/api/dashboard/series', { token: null })).status).toBe(401);
});
