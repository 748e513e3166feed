import * as fs from 'node:fs';
import * as path from 'node:path';
import { registerProcessMetrics, seedPluginCounters } from '../../../host/core/services/host-metrics';
import { FakeQueue } from '../../helpers/fake-queue';
import { pluginDirWith } from '../../helpers/built-plugins';
import { testApp } from '../../helpers/test-app';

const root = path.join(__dirname, '../../..');
const dashboard = JSON.parse(fs.readFileSync(path.join(root, 'docs/grafana/mailwarden.json'), 'utf8'));

/** Metric names in a PromQL expression (histogram series map to their family). */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b((?:mailwarden|postfix_queue|process|nodejs)_[a-z_]+)\b/g)].map((m) => m[1].replace(/_bucket$/, ''));
}

test('the Grafana dashboard imports (inputs, datasource variable) and its panels do not overlap', () => {
  expect(dashboard).toMatchObject({ title: 'mailwarden', uid: 'mailwarden', __inputs: [expect.objectContaining({ pluginId: 'prometheus' })] });
  const cells = new Set<string>();
  for (const p of dashboard.panels) {
    for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
      for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
        expect(cells.has(`${x},${y}`)).toBe(false);
        cells.add(`${x},${y}`);
      }
    }
    expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
  }
});

test('every metric the dashboard queries is one mailwarden serves (first scrape) or documents', async () => {
  const ids = ['password-bruteforce', 'sender-ratelimit', 'queue-monitor', 'trusted-ips', 'password-sizestrength'];
  const { app } = await testApp({ pluginDir: pluginDirWith(ids), queue: new FakeQueue() });
  try {
    registerProcessMetrics(app.metrics);
    await app.loadPlugins({ startServices: false });
    seedPluginCounters(app.metrics, app.registry.active.map((p) => ({ id: p.manifest.id, hooks: p.manifest.hooks })));
    const text = await app.metrics.text();
    const served = new Set(text.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]));
    const docs = fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => fs.readFileSync(path.join(root, 'docs', f), 'utf8')).join('\n');
    const queried = new Set<string>(dashboard.panels.flatMap((p: { targets?: Array<{ expr: string }> }) => (p.targets ?? []).flatMap((t) => metricsIn(t.expr))));
    expect(queried.size).toBeGreaterThan(15);
    expect([...queried].filter((n) => !served.has(n) && !docs.includes(n))).toEqual([]);
    // The Telegraf names, not the old ones.
    expect(queried).toContain('postfix_queue_size');
    expect(queried).toContain('postfix_queue_age');
    expect(queried).toContain('process_cpu_user_seconds_total');
  } finally {
    await app.close();
  }
});
