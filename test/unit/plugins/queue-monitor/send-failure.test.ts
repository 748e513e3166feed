import 'reflect-metadata';
import { ManualClock } from '../../../../host/core/services/clock';
import { PromMetrics } from '../../../../host/core/services/metrics';
import { MemoryStore } from '../../../../host/core/state/memory-store';
import { PluginStore } from '../../../../host/core/state/plugin-store';
import { QueueMonitor } from '../../../../plugins/queue-monitor/monitor';
import type { Notification } from '../../../../shared';
import { FakeQueue } from '../../../helpers/fake-queue';

const defaults = { intervalSeconds: 60, threshold: 200, queueThresholds: {}, growth: { messages: 100, minutes: 5 }, recipients: [], cooldownMinutes: 30, recoveryPercent: 80, top: 10 };
const logger = { debug() {}, info() {}, warn() {}, error: jest.fn() };

test('a failed alert is logged, counted and sent again at the next check, once', async () => {
  const clock = new ManualClock();
  const queue = new FakeQueue();
  const metrics = new PromMetrics();
  const calls: Notification[] = [];
  let failures = 2;
  const notifier = {
    async notify(n: Notification) {
      calls.push(n);
      if (failures-- > 0) throw new Error('store unavailable');
    },
  };
  const m = new QueueMonitor(clock, new PluginStore(new MemoryStore(), 'queue-monitor'), notifier, logger, metrics, queue);
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
  expect(await metrics.text()).toMatch(/mailwarden_queue_monitor_send_failures_total\{kind="alert"\} 2/);
  await m.stop();
});
