import type { View } from '../view';
import { alertsView } from './alerts';
import { blocksView } from './blocks';
import { dashboardView } from './dashboard';
import { domainsView } from './domains';
import { passwordView } from './password';
import { queueView } from './queue';
import { trustedIpsView } from './trusted-ips';

/** The console's screens in nav order; a new screen is one module added here. */
export const VIEWS: View[] = [dashboardView, domainsView, trustedIpsView, blocksView, queueView, passwordView, alertsView];
