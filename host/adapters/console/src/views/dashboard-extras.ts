import { api } from '../api';
import type { ViewContext } from '../view';
import { loadSeriesPanel } from './dashboard-series';
import { queuePanel, type QueueState } from './queue';

/**
 * Panels other features add to the dashboard (queue chart, suspects from the
 * send-rate limiter…): each returns a panel, or null when its feature is absent.
 */
export const dashboardExtras: Array<(ctx: ViewContext) => Promise<HTMLElement | null>> = [
  // Failed logins, blocks, held and queued mail over the last 24 hours, one small chart each.
  loadSeriesPanel,
  // The queue chart; absent (null) when the queue cannot be read on this host.
  async () => api<QueueState>('GET', '/api/queue?limit=1').then(queuePanel, () => null),
];
