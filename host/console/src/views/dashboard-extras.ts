import type { ViewContext } from '../view';

/**
 * Panels other features add to the dashboard (queue chart, suspects from the
 * send-rate limiter…): each returns a panel, or null when its feature is absent.
 */
export const dashboardExtras: Array<(ctx: ViewContext) => Promise<HTMLElement | null>> = [];
