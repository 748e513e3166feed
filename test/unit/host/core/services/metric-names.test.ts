import * as fs from 'node:fs';
import * as path from 'node:path';
import { registerProcessMetrics, seedPluginCounters } from '../../../../../host/core/services/host-metrics';
import { PromMetrics } from '../../../../../host/core/services/metrics';
import { FakeQueue } from '../../../../helpers/fake-queue';
import { pluginDirWith } from '../../../../helpers/built-plugins';
import { testApp } from '../../../../helpers/test-app';

/** Metric names that have at least one sample in a Prometheus text exposition. */
function sampled(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) if (line && !line.startsWith('#')) names.add(line.slice(0, line.search(/[{ ]/)));
  return names;
}

/** The metrics docs/queue-monitor.md lists in its table (`mailwarden_a_total` / `_b_total` written short). */
function documented(): string[] {
  const doc = fs.readFileSync(path.join(__dirname, '../../../../../docs/queue-monitor.md'), 'utf8');
  const out: string[] = [];
  for (const row of doc.split('\n').filter((l) => /^\| `(mailwarden|postfix)_/.test(l))) {
    const cell = row.split('|')[1];
    let stem = '';
    for (const m of cell.matchAll(/`([a-z_]+)`/g)) {
      if (m[1].startsWith('_')) out.push(stem + m[1]);
      else {
        out.push(m[1]);
        stem = m[1].replace(/_[a-z]+_total$/, '');
      }
    }
  }
  return out;
}

describe('metric names dashboards expect', () => {
  test('Node process metrics under their standard names, not mailwarden_process_*', async () => {
    const m = new PromMetrics();
    registerProcessMetrics(m);
    const names = sampled(await m.text());
    for (const n of ['process_cpu_user_seconds_total', 'process_cpu_system_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) expect(names).toContain(n);
    expect([...names].filter((n) => n.startsWith('mailwarden_process_'))).toEqual([]);
  });

  test('the Postfix queue under Telegraf\'s names (postfix_queue_length, _size, _age, label queue)', async () => {
    const queue = new FakeQueue();
    queue.lengths = { deferred: 2 };
    const { app } = await testApp({ queue });
    try {
      const text = await app.metrics.text();
      expect(text).toMatch(/^postfix_queue_length\{queue="deferred"\} 2$/m);
      expect(text).toMatch(/^postfix_queue_size\{queue="deferred"\} \d+$/m);
      expect(text).toMatch(/^postfix_queue_age\{queue="deferred"\} \d+$/m);
    } finally {
      await app.close();
    }
  });

  test('every documented metric is in the first scrape, before anything happened', async () => {
    const ids = ['password-bruteforce', 'sender-ratelimit', 'queue-monitor', 'trusted-ips', 'password-sizestrength'];
    const { app } = await testApp({ pluginDir: pluginDirWith(ids), queue: new FakeQueue() });
    try {
      await app.loadPlugins({ startServices: false });
      seedPluginCounters(app.metrics, app.registry.active.map((p) => ({ id: p.manifest.id, hooks: p.manifest.hooks })));
      const names = sampled(await app.metrics.text());
      const want = documented();
      expect(want).toEqual(expect.arrayContaining(['postfix_queue_size', 'postfix_queue_age', 'mailwarden_auth_decisions_total', 'mailwarden_notification_mail_dropped_total']));
      const histogram = (n: string) => n.endsWith('_seconds') && names.has(`${n}_count`);
      expect(want.filter((n) => !names.has(n) && !histogram(n))).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
