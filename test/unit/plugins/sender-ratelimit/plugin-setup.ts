import * as path from 'node:path';
import { QueueActions, type Notification } from '../../../../shared';
import { loadPlugin } from '../../../../shared/testing';

export const PLUGIN = 'sender-ratelimit';

/**
 * sender-ratelimit loaded by the SDK harness: a recording queue (or none, as
 * a host without queue access), fake accounts, a recording notifier.
 * `send`/`report` run checkRelay/onMail as the host's pipeline does.
 */
export async function ratelimitApp(config: Record<string, unknown> = {}, options: { queue?: boolean } = {}) {
  const h = await loadPlugin({ dir: path.join(__dirname, '../../../../plugins', PLUGIN), config, ...(options.queue === false ? { services: [[QueueActions, undefined]] as const } : {}) });
  const alerts = async (): Promise<Notification[]> => h.notifier.sent;
  const idle = () => (h.hooks as unknown as { idle(): Promise<void> }).idle();
  return { h, clock: h.clock, queue: h.queueActions, accounts: h.accounts, kicked: h.accounts.closed, alerts, idle, config };
}
