import { AdminServer } from '../../../../../host/adapters/http/admin-server';
import { FakeQueue } from '../../../../helpers/fake-queue';
import { buildFixturePlugin, hooksPlugin, tempDir } from '../../../../helpers/plugin-fixture';
import { testApp } from '../../../../helpers/test-app';

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Parses the Prometheus text exposition format (0.0.4): samples, and the TYPE of each family. */
function parseProm(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      types.set(name, type);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.lastIndexOf(' ');
    const name = brace >= 0 && brace < space ? line.slice(0, brace) : line.slice(0, space);
    const labels: Record<string, string> = {};
    if (brace >= 0 && brace < space) {
      const body = line.slice(brace + 1, line.lastIndexOf('}'));
      for (const m of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]] = m[2];
    }
    const value = Number(line.slice(space + 1));
    if (Number.isNaN(value) && line.slice(space + 1) !== 'NaN') throw new Error(`bad sample line: ${line}`);
    samples.push({ name, labels, value });
  }
  return { samples, types };
}

const value = (s: Sample[], name: string, labels: Record<string, string> = {}) =>
  s.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;

test('GET /metrics serves the Postfix queue gauges and mailwarden metrics, parsed', async () => {
  const dir = tempDir();
  buildFixturePlugin(dir, hooksPlugin('denier', `beforeAuth(a) { return a.login.startsWith('bad') ? { action: 'deny', reason: 'bad' } : undefined; }`));
  const queue = new FakeQueue();
  queue.lengths = { deferred: 42, active: 3 };
  const token = 'metrics-test-token-0123456789';
  const { app } = await testApp({ pluginDir: dir, queue, config: { admin: { token } } as never });
  await app.loadPlugins();
  await app.pipeline.beforeAuth(app.pipeline.attempt({ login: 'bad@example.com', remoteIp: '127.0.0.2', protocol: 'imap' }));
  await app.pipeline.beforeAuth(app.pipeline.attempt({ login: 'good@example.com', remoteIp: '127.0.0.2', protocol: 'imap' }));
  await app.accounts.lock('victim@example.com', { reason: 'test', by: 'cli:root' });
  await app.store.putBlock({ key: 'ip:127.0.0.9/32', domain: 'example.com', network: '127.0.0.9/32', reason: 't', source: 'bruteforce', createdAt: app.clock.now(), expiresAt: app.clock.now() + 60_000, strikes: 1 });
  const server = new AdminServer(app, { host: '127.0.0.1', port: 0 });
  const { port } = await server.start();
  try {
    const unauth = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(unauth.status).toBe(401);
    await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { authorization: `Bearer ${token}` } });
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const { samples, types } = parseProm(await res.text());

    expect(value(samples, 'postfix_queue_length', { queue: 'deferred' })).toBe(42);
    expect(value(samples, 'postfix_queue_length', { queue: 'active' })).toBe(3);
    expect(value(samples, 'postfix_queue_length', { queue: 'hold' })).toBe(0);
    expect(value(samples, 'postfix_queue_size', { queue: 'deferred' })).toBe(42_000);
    expect(value(samples, 'postfix_queue_age', { queue: 'deferred' })).toBe(600);
    for (const n of ['postfix_queue_length', 'postfix_queue_size', 'postfix_queue_age']) expect(types.get(n)).toBe('gauge');
    expect(value(samples, 'mailwarden_queue_readable')).toBe(1);
    expect(queue.countCalls).toBe(1); // one walk serves every queue gauge of a scrape

    expect(value(samples, 'mailwarden_auth_decisions_total', { verdict: 'deny', plugin: 'denier' })).toBe(1);
    expect(value(samples, 'mailwarden_auth_decisions_total', { verdict: 'allow', plugin: 'host' })).toBe(1);
    expect(value(samples, 'mailwarden_locked_accounts')).toBe(1);
    expect(value(samples, 'mailwarden_blocks', { source: 'bruteforce' })).toBe(1);
    expect(value(samples, 'mailwarden_gateway_request_duration_seconds_count', { gateway: 'admin' })).toBeGreaterThanOrEqual(2);
    expect(types.get('mailwarden_gateway_request_duration_seconds')).toBe('histogram');
    for (const n of ['mailwarden_plugin_faults_total', 'mailwarden_mails_held_total', 'mailwarden_mails_deferred_total', 'mailwarden_account_locks_total', 'mailwarden_notification_mail_failures_total']) {
      expect(types.get(n)).toBe('counter');
    }
  } finally {
    await server.stop();
    await app.close();
  }
});

test('held mails are counted by plugin; an unreadable queue leaves the gauges empty and counts the error', async () => {
  const dir = tempDir();
  buildFixturePlugin(dir, hooksPlugin('holder', `checkRelay(r) { return { action: 'hold', reason: 'held' }; }`));
  const queue = new FakeQueue();
  queue.failCounts = new Error('EACCES: permission denied');
  const { app, logs } = await testApp({ pluginDir: dir, queue });
  await app.loadPlugins();
  await app.pipeline.checkRelay({ request: 'smtpd_access_policy', protocolState: 'RCPT', clientAddress: '127.0.0.3', sender: 's@example.com', recipient: 'r@example.net', recipientCount: 1, size: 10, instance: 'a', domain: 'example.com', at: 0, attributes: {} });
  const { samples } = parseProm(await app.metrics.text());
  expect(value(samples, 'mailwarden_mails_held_total', { plugin: 'holder' })).toBe(1);
  expect(samples.filter((s) => s.name.startsWith('postfix_queue_'))).toEqual([]);
  expect(value(samples, 'mailwarden_queue_readable')).toBe(0);
  // The error counter shows the failures of earlier scrapes.
  expect(value(parseProm(await app.metrics.text()).samples, 'mailwarden_queue_read_errors_total')).toBe(1);
  await app.metrics.text();
  const warned = logs.find('cannot read the Postfix queue for /metrics');
  expect(warned).toHaveLength(1); // three scrapes, one streak
  expect(warned[0]).toMatchObject({ err: 'EACCES: permission denied' });
  await app.close();
});
