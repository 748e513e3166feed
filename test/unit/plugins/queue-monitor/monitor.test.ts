import * as path from 'node:path';
import { MailQueue, type Notification } from '../../../../shared';
import { FakeMailQueue, ManualClock, MemoryStateStore, type PluginHarness, loadPlugin } from '../../../../shared/testing';
import type { QueueMonitor, TickResult } from '../../../../plugins/queue-monitor/monitor';

const MIN = 60_000;
const DIR = path.join(__dirname, '../../../../plugins/queue-monitor');

/** A restart: a second harness on the same clock, store and queue. */
interface Shared {
  store: MemoryStateStore;
  clock: ManualClock;
  queue: FakeMailQueue;
}

/** queue-monitor loaded by the SDK harness with its service started, as the host starts it. */
async function setup(config: Record<string, unknown> = {}, shared?: Shared) {
  const queue = shared?.queue ?? new FakeMailQueue();
  const h: PluginHarness = await loadPlugin({ dir: DIR, config, clock: shared?.clock, store: shared?.store, services: [[MailQueue, queue]] });
  await h.start();
  const monitor = h.services[0] as unknown as QueueMonitor;
  const sent: Notification[] = h.notifier.sent;
  return { h, clock: h.clock, logs: h.logger, queue, store: h.store, sent, monitor, tick: (): Promise<TickResult> => monitor.tick(), close: () => h.stop() };
}

test('crossing the threshold sends one alert naming the top senders and the hold commands', async () => {
  const t = await setup();
  t.queue.pile(150, 'spammer@example.com', 'alice@example.com');
  t.queue.pile(48, 'news@example.org');
  t.queue.pile(1, '');
  expect(await t.tick()).toBe('ok');
  t.queue.pile(1, "o'brien@example.org");
  expect(await t.tick()).toBe('alerted');
  expect(t.sent).toHaveLength(1);
  const a = t.sent[0];
  expect(a).toMatchObject({ severity: 'critical', source: 'queue-monitor' });
  expect(a.recipients).toBeUndefined();
  expect(a.subject).toContain('200 messages');
  expect(a.text).toContain('total 200 >= 200');
  expect(a.text).toMatch(/Top senders by queued messages:\n\s+150 {2}spammer@example\.com\n\s+48 {2}news@example\.org\n\s+1 {2}<> \(bounces\)\n\s+1 {2}o'brien@example\.org/);
  expect(a.text).toMatch(/Top SASL users by queued messages:\n\s+150 {2}alice@example\.com/);
  expect(a.text).toContain('mailwarden queue hold --sender spammer@example.com\n');
  expect(a.text).toContain(`mailwarden queue hold --sender 'o'\\''brien@example.org'\n`);
  expect(a.text).toContain(`mailwarden queue hold --sender '<>'\n`);
  expect(a.text).toMatch(/deferred\s+200\s+200000\s+10m00s/);
  // Still above: no second alert however many checks follow.
  for (let i = 0; i < 5; i++) {
    t.clock.advance(MIN);
    t.queue.pile(10, 'spammer@example.com');
    expect(await t.tick()).toBe('open');
  }
  expect(t.sent).toHaveLength(1);
  await t.close();
});

test('recovery: one notice once the queue is below 80% of the threshold, not before', async () => {
  const t = await setup();
  t.queue.lengths = { deferred: 250 };
  expect(await t.tick()).toBe('alerted');
  t.clock.advance(MIN);
  t.queue.lengths = { deferred: 160 }; // 80% exactly is not below 80%
  expect(await t.tick()).toBe('open');
  t.clock.advance(MIN);
  t.queue.lengths = { deferred: 159 };
  expect(await t.tick()).toBe('recovered');
  t.clock.advance(MIN);
  expect(await t.tick()).toBe('ok');
  expect(t.sent.map((a) => a.severity)).toEqual(['critical', 'info']);
  expect(t.sent[1].subject).toContain('recovered');
  expect(t.sent[1].text).toContain('peaked at 250 messages');
  await t.close();
});

test('cooldown: a new incident within cooldownMinutes of the last alert waits, then alerts if still there', async () => {
  const t = await setup({ cooldownMinutes: 30 });
  t.queue.lengths = { deferred: 300 };
  expect(await t.tick()).toBe('alerted');
  t.clock.advance(5 * MIN);
  t.queue.lengths = { deferred: 10 };
  expect(await t.tick()).toBe('recovered');
  // Flapping: back over the threshold 10 minutes after the alert.
  t.clock.advance(5 * MIN);
  t.queue.lengths = { deferred: 300 };
  expect(await t.tick()).toBe('cooldown');
  t.clock.advance(19 * MIN);
  expect(await t.tick()).toBe('cooldown');
  expect(t.sent).toHaveLength(2);
  t.clock.advance(MIN); // 30 minutes after the first alert
  expect(await t.tick()).toBe('alerted');
  expect(t.sent.map((a) => a.severity)).toEqual(['critical', 'info', 'critical']);
  await t.close();
});

test('cooldown: an incident that ends unalerted ends silently', async () => {
  const t = await setup({ cooldownMinutes: 30 });
  t.queue.lengths = { deferred: 300 };
  await t.tick();
  t.queue.lengths = {};
  t.clock.advance(MIN);
  await t.tick();
  t.clock.advance(MIN);
  t.queue.lengths = { deferred: 300 };
  expect(await t.tick()).toBe('cooldown');
  t.clock.advance(MIN);
  t.queue.lengths = {};
  expect(await t.tick()).toBe('recovered');
  expect(t.sent).toHaveLength(2); // the first alert and its recovery only
  await t.close();
});

test('growth: +100 within 5 minutes alerts below the threshold; older growth does not count', async () => {
  const t = await setup({ threshold: 10_000 });
  t.queue.lengths = { active: 10 };
  expect(await t.tick()).toBe('ok');
  t.clock.advance(6 * MIN);
  t.queue.lengths = { active: 115 }; // +105, but over 6 minutes
  expect(await t.tick()).toBe('ok');
  t.clock.advance(2 * MIN);
  t.queue.lengths = { active: 160 };
  expect(await t.tick()).toBe('ok'); // +45 in 2 min
  t.clock.advance(2 * MIN);
  t.queue.lengths = { active: 215 }; // +100 over 4 min from 115
  expect(await t.tick()).toBe('alerted');
  expect(t.sent).toHaveLength(1);
  expect(t.sent[0].text).toContain('grew by 100 within 5 min');
  // Growth stops: it recovers once growth in the window falls under 80 and the total is low.
  t.clock.advance(5 * MIN);
  expect(await t.tick()).toBe('recovered');
  await t.close();
});

test('growth state survives a restart', async () => {
  const store = new MemoryStateStore({ plugin: 'queue-monitor' });
  const clock = new ManualClock();
  const queue = new FakeMailQueue();
  const a = await setup({ threshold: 10_000 }, { store, clock, queue });
  queue.lengths = { incoming: 5 };
  await a.tick();
  await a.close();
  const b = await setup({}, { store, clock, queue });
  clock.advance(MIN);
  queue.lengths = { incoming: 106 };
  expect(await b.tick()).toBe('alerted');
  expect(b.sent[0].text).toContain('grew by 101');
  await b.close();
});

test('per-queue thresholds alert on one queue below the total threshold, and recover per queue', async () => {
  const t = await setup({ queueThresholds: { hold: 20, deferred: 50 } });
  t.queue.lengths = { hold: 19, deferred: 49, active: 100 };
  expect(await t.tick()).toBe('ok');
  t.clock.advance(MIN);
  t.queue.lengths = { hold: 5, deferred: 55, active: 0 };
  expect(await t.tick()).toBe('alerted');
  expect(t.sent[0].text).toContain('Why: deferred 55 >= 50.');
  t.clock.advance(MIN);
  t.queue.lengths = { hold: 5, deferred: 40 }; // 80% of 50
  expect(await t.tick()).toBe('open');
  t.clock.advance(MIN);
  t.queue.lengths = { hold: 5, deferred: 39 };
  expect(await t.tick()).toBe('recovered');
  await t.close();
});

test('a restart or a reload (SIGHUP) does not send a duplicate alert', async () => {
  const store = new MemoryStateStore({ plugin: 'queue-monitor' });
  const clock = new ManualClock();
  const queue = new FakeMailQueue();
  const a = await setup({}, { store, clock, queue });
  queue.pile(300, 'spammer@example.com');
  expect(await a.tick()).toBe('alerted');
  // A reload (SIGHUP) restarts the service.
  await a.close();
  await a.h.start();
  clock.advance(MIN);
  expect(await a.tick()).toBe('open');
  await a.close();
  clock.advance(MIN);
  const b = await setup({}, { store, clock, queue });
  expect(await b.tick()).toBe('open');
  expect(a.sent).toHaveLength(1);
  expect(b.sent).toHaveLength(0);
  // The recovery after the restart is still told, once.
  queue.lengths = {};
  clock.advance(MIN);
  expect(await b.tick()).toBe('recovered');
  expect(await b.tick()).toBe('ok');
  expect(b.sent.map((x) => x.severity)).toEqual(['info']);
  await b.close();
});

test('per-domain recipients: a domain adds its own, the admin keeps a copy', async () => {
  const t = await setup();
  t.h.setConfig({ recipients: ['Ops@Example.com'] }, 'example.com');
  t.queue.lengths = { deferred: 300 };
  await t.tick();
  expect(t.sent[0]).toMatchObject({ recipients: ['ops@example.com'], copyAdmin: true });
  await t.close();
});

test('a queue that cannot be read is reported once per streak, never thrown', async () => {
  const t = await setup();
  t.queue.failure = new Error('EACCES');
  expect(await t.tick()).toBe('unreadable');
  expect(await t.tick()).toBe('unreadable');
  expect(t.logs.find('cannot read the Postfix queue')).toHaveLength(1);
  expect(t.h.metrics.counter('queue_monitor_read_errors', {})).toBe(2);
  t.queue.failure = undefined;
  expect(await t.tick()).toBe('ok');
  await t.close();
});

test('the service checks the queue every intervalSeconds of the clock, and no more once stopped', async () => {
  const t = await setup({ intervalSeconds: 30, threshold: 10 });
  t.queue.lengths = { deferred: 50 };
  t.clock.advance(29_999);
  await new Promise((r) => setImmediate(r));
  expect(t.sent).toHaveLength(0);
  t.clock.advance(1);
  await new Promise((r) => setImmediate(r));
  expect(t.sent).toHaveLength(1);
  await t.close();
  t.queue.lengths = {};
  t.clock.advance(10 * MIN);
  await new Promise((r) => setImmediate(r));
  expect(t.sent).toHaveLength(1);
});
