import type { View } from '../view';
import { alertsView } from './alerts';
import { blocksView } from './blocks';
import { dashboardView } from './dashboard';
import { domainsView } from './domains';
import { passwordView } from './password';
import { queueView } from './queue';

/** The console's own screens in nav order; a new screen is one module added here. Plugins' pages follow them (plugin-views.ts). */
export const VIEWS: View[] = [dashboardView, domainsView, blocksView, queueView, passwordView, alertsView];
