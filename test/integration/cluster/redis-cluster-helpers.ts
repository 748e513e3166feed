import { randomBytes } from 'node:crypto';
import { API_VERSION } from '../../../shared';
import type { App } from '../../../host/core/app';
import type { RawAttempt } from '../../../host/core/pipeline/hook-pipeline';
import { ManualClock } from '../../../host/core/services/clock';
import { PromMetrics } from '../../../host/core/services/metrics';
import { RedisStore } from '../../../host/core/state/redis-store';
import { failCounterPlugin } from '../../fixtures/fail-counter-plugin';
import { buildFixturePlugin, tempDir } from '../../helpers/plugin-fixture';
import { LogCapture, testApp } from '../../helpers/test-app';
import { createLogger } from '../../../host/core/services/logger';

export interface Node {
  app: App;
  store: RedisStore;
  metrics: PromMetrics;
  logs: LogCapture;
  /** What the store logged (outages, recovery). */
  storeLogs: LogCapture;
  clock: ManualClock;
}

/** A plugin directory holding the fail-counter fixture (threshold 3). */
export function failCounterDir(): string {
  const dir = tempDir('mw-cluster-plugins-');
  buildFixturePlugin(dir, failCounterPlugin(API_VERSION));
  return dir;
}

export const newPrefix = () => `mwt${randomBytes(4).toString('hex')}:`;

/** One mailwarden node (an App with its plugins) on the shared Redis. */
/** `commandTimeoutMs` is generous by default: the test machine is shared and a slow answer must not pass for an outage. */
export async function startNode(url: string, keyPrefix: string, pluginDir: string, failOpen = true, commandTimeoutMs = 3000): Promise<Node> {
  const metrics = new PromMetrics();
  const clock = new ManualClock(Date.now());
  const storeLogs = new LogCapture();
  const store = new RedisStore({ url, keyPrefix, failOpen, commandTimeoutMs, metrics, logger: createLogger('debug', storeLogs), now: () => clock.now() });
  await store.ready();
  const node = await testApp({ pluginDir, clock, store });
  expect(await node.app.loadPlugins()).toEqual([]);
  return { app: node.app, store, metrics, logs: node.logs, storeLogs, clock };
}

export function attempt(node: Node, login: string, ip: string): ReturnType<App['pipeline']['attempt']> {
  const raw: RawAttempt = { login, remoteIp: ip, protocol: 'imap' };
  return node.app.pipeline.attempt(raw);
}

export async function fail(node: Node, login: string, ip: string): Promise<void> {
  await node.app.pipeline.afterAuth(attempt(node, login, ip), { success: false, policyReject: false });
}

export async function decide(node: Node, login: string, ip: string) {
  return node.app.pipeline.beforeAuth(attempt(node, login, ip));
}

/** Polls until `check` holds or `ms` pass; returns how long it took (ms), or throws with the last value. */
export async function within<T>(ms: number, probe: () => Promise<T>, check: (v: T) => boolean): Promise<number> {
  const start = Date.now();
  let last: T | undefined;
  while (Date.now() - start <= ms) {
    last = await probe();
    if (check(last)) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`not within ${ms} ms; last value: ${JSON.stringify(last)}`);
}

export async function gauge(metrics: PromMetrics, name: string): Promise<number | undefined> {
  const m = await metrics.registry.getSingleMetric(`mailwarden_${name}`)?.get();
  return m?.values[0]?.value;
}
