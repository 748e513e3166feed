import * as fs from 'node:fs';
import * as path from 'node:path';
import { QueueActions, type Notification } from '../../../../shared';
import { GLOBAL } from '../../../../host/core/domains/domain-settings';
import { packageRoot } from '../../../../host/core/paths';
import { tempDir } from '../../../helpers/plugin-fixture';
import { testApp } from '../../../helpers/test-app';

export const PLUGIN = 'sender-ratelimit';

/** Records what the plugin asked of the queue. */
export class FakeQueue implements QueueActions {
  readonly bySender: string[] = [];
  readonly byLogin: string[] = [];
  /** Set to make reading SASL logins from the queue files fail (no permission). */
  loginFailure: Error | undefined;
  readonly byIds: string[][] = [];
  async holdBySender(sender: string): Promise<number> {
    this.bySender.push(sender);
    return 2;
  }
  async holdBySaslUsername(login: string): Promise<number> {
    if (this.loginFailure) throw this.loginFailure;
    this.byLogin.push(login);
    return 1;
  }
  async holdQueueIds(ids: readonly string[]): Promise<number> {
    this.byIds.push([...ids]);
    return ids.length;
  }
}

/** A test app with only the built sender-ratelimit plugin loaded, a fake queue and a recording notifier. */
export async function ratelimitApp(config: Record<string, unknown> = {}, options: { queue?: boolean } = {}) {
  const pluginDir = tempDir('mw-rl-plugins-');
  fs.cpSync(path.join(packageRoot(), 'dist', 'plugins', PLUGIN), path.join(pluginDir, PLUGIN), { recursive: true });
  const t = await testApp({ pluginDir, config: { accounts: { kickCommand: ['true'] } } });
  const queue = new FakeQueue();
  if (t.app.container.isBound(QueueActions)) await t.app.container.unbind(QueueActions);
  if (options.queue !== false) t.app.container.bind(QueueActions).toConstantValue(queue);
  expect(await t.app.loadPlugins()).toEqual([]);
  const plugin = t.app.registry.get(PLUGIN)!;
  if (Object.keys(config).length) await t.app.settings.setConfig(GLOBAL, plugin, config, 'test');
  const alerts = (): Promise<Notification[]> => t.app.notifier.recent();
  const kicked: string[] = [];
  t.app.accounts.events.on('sessions-closed', (e: { login: string }) => kicked.push(e.login));
  const idle = () => (plugin.hooks as unknown as { idle(): Promise<void> }).idle();
  return { ...t, plugin, queue, alerts, kicked, idle };
}
