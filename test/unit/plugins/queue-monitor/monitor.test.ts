import * as fs from 'node:fs';
import * as path from 'node:path';
import { GLOBAL } from '../../../../host/core/domains/domain-settings';
import type { StoredAlert } from '../../../../host/core/services/notifier';
import type { HostStore } from '../../../../host/core/state/host-store';
import { MemoryStore } from '../../../../host/core/state/memory-store';
import { ManualClock } from '../../../../host/core/services/clock';
import type { QueueMonitor, TickResult } from '../../../../plugins/queue-monitor/monitor';
import { FakeQueue } from '../../../helpers/fake-queue';
import { tempDir } from '../../../helpers/plugin-fixture';
import { testApp } from '../../../helpers/test-app';

const MIN = 60_000;

/** A plugin directory holding only the built queue-monitor, as an admin would install it. */
function pluginDir(): string {
  const dir = tempDir('mw-qm-plugins-');
  fs.cpSync(path.join(__dirname, '../../../../dist/plugins/queue-monitor'), path.join(dir, 'queue-monitor'), { recursive: true });
  return dir;
}

async function setup(config: Record<string, unknown> = {}, shared?: { store: HostStore; clock: ManualClock; queue: FakeQueue }) {
  const queue = shared?.queue ?? new FakeQueue();
  const store = shared?.store ?? new MemoryStore();
  const { app, clock, logs } = await testApp({ pluginDir: pluginDir(), store, queue, clock: shared?.clock });
  const sent: StoredAlert[] = [];
  app.notifier.addTransport({ name: 'capture', send: async (a) => void sent.push(a) });
  expect(await app.loadPlugins()).toEqual([]);
  const plugin = app.registry.get('queue-monitor')!;
  if (Object.keys(config).length) await app.settings.setConfig(GLOBAL, plugin, config, 'test');
  const monitor = () => app.registry.get('queue-monitor')!.services[0] as unknown as QueueMonitor;
  return { app, clock, logs, queue, store, sent, monitor, tick: (): Promise<TickResult> => monitor().tick() };
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
  await t.app.close();
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
  await t.app.close();
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
  await t.app.close();
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
  await t.app.close();
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
  await t.app.close();
});

test('growth state survives a restart', async () => {
  const store = new MemoryStore();
  const clock = new ManualClock();
  const queue = new FakeQueue();
  const a = await setup({ threshold: 10_000 }, { store, clock, queue });
  queue.lengths = { incoming: 5 };
  await a.tick();
  await a.app.close();
  const b = await setup({}, { store, clock, queue });
  clock.advance(MIN);
  queue.lengths = { incoming: 106 };
  expect(await b.tick()).toBe('alerted');
  expect(b.sent[0].text).toContain('grew by 101');
  await b.app.close();
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
  await t.app.close();
});

test('a restart or a reload (SIGHUP) does not send a duplicate alert', async () => {
  const store = new MemoryStore();
  const clock = new ManualClock();
  const queue = new FakeQueue();
  const a = await setup({}, { store, clock, queue });
  queue.pile(300, 'spammer@example.com');
  expect(await a.tick()).toBe('alerted');
  expect((await a.app.reload()).applied).toBe(true);
  clock.advance(MIN);
  expect(await a.tick()).toBe('open');
  await a.app.close();
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
  await b.app.close();
});

test('per-domain recipients: a domain adds its own, the admin keeps a copy', async () => {
  const t = await setup();
  await t.app.settings.addDomain('example.com', 'test');
  await t.app.settings.setConfig('example.com', t.app.registry.get('queue-monitor')!, { recipients: ['Ops@Example.com'] }, 'test');
  t.queue.lengths = { deferred: 300 };
  await t.tick();
  expect(t.sent[0]).toMatchObject({ recipients: ['ops@example.com'], copyAdmin: true });
  await t.app.close();
});

test('a queue that cannot be read is reported once per streak, never thrown', async () => {
  const t = await setup();
  t.queue.failCounts = new Error('EACCES');
  expect(await t.tick()).toBe('unreadable');
  expect(await t.tick()).toBe('unreadable');
  expect(t.logs.find('cannot read the Postfix queue')).toHaveLength(1);
  expect(await t.app.metrics.text()).toMatch(/mailwarden_queue_monitor_read_errors_total 2/);
  t.queue.failCounts = undefined;
  expect(await t.tick()).toBe('ok');
  await t.app.close();
});

test('the timer drives tick() every intervalSeconds', async () => {
  const t = await setup({ intervalSeconds: 1 });
  await t.app.reload(); // the service reads the interval at start
  const before = t.queue.countCalls;
  await new Promise((r) => setTimeout(r, 2300));
  expect(t.queue.countCalls - before).toBeGreaterThanOrEqual(2);
  await t.app.close();
});

test('restart on the SQLite store: the open incident is read back from disk, no second alert', async () => {
  const { SqliteStore } = await import('../../../../host/core/state/sqlite-store');
  const file = path.join(tempDir('mw-qm-db-'), 'state.db');
  const clock = new ManualClock();
  const queue = new FakeQueue();
  queue.pile(300, 'spammer@example.com');
  const a = await setup({}, { store: new SqliteStore(file), clock, queue });
  expect(await a.tick()).toBe('alerted');
  await a.app.close();
  clock.advance(MIN);
  const b = await setup({}, { store: new SqliteStore(file), clock, queue });
  expect(await b.tick()).toBe('open');
  expect(a.sent).toHaveLength(1);
  expect(b.sent).toHaveLength(0);
  await b.app.close();
});
