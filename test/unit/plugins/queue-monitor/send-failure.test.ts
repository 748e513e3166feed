import 'reflect-metadata';
import { QueueMonitor } from '../../../../plugins/queue-monitor/monitor';
import type { Notification } from '../../../../shared';
import { FakeMailQueue, ManualClock, MemoryStateStore, RecordingMetrics } from '../../../../shared/testing';

const defaults = { intervalSeconds: 60, threshold: 200, queueThresholds: {}, growth: { messages: 100, minutes: 5 }, recipients: [], cooldownMinutes: 30, recoveryPercent: 80, top: 10 };
const logger = { debug() {}, info() {}, warn() {}, error: jest.fn() };

test('a failed alert is logged, counted and sent again at the next check, once', async () => {
  const clock = new ManualClock();
  const queue = new FakeMailQueue();
  const metrics = new RecordingMetrics();
  const calls: Notification[] = [];
  let failures = 2;
  const notifier = {
    async notify(n: Notification) {
      calls.push(n);
      if (failures-- > 0) throw new Error('store unavailable');
    },
  };
  const m = new QueueMonitor(clock, new MemoryStateStore({ plugin: 'queue-monitor' }), notifier, logger, metrics, queue);
  await m.start({ plugin: 'queue-monitor', configs: async () => new Map([['*', defaults]]) });
  queue.pile(300, 'spammer@example.com');
  expect(await m.tick()).toBe('send-failed');
  clock.advance(60_000);
  expect(await m.tick()).toBe('send-failed');
  clock.advance(60_000);
  expect(await m.tick()).toBe('alerted');
  clock.advance(60_000);
  expect(await m.tick()).toBe('open');
  expect(calls).toHaveLength(3);
  expect(logger.error).toHaveBeenCalledTimes(2);
  expect(metrics.counter('queue_monitor_send_failures', { kind: 'alert' })).toBe(2);
  await m.stop();
});
