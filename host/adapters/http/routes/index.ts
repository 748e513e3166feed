import type { RouteModule } from '../router';
import { accountRoutes } from './accounts';
import { alertRoutes } from './alerts';
import { blockRoutes } from './blocks';
import { configRoutes } from './config';
import { consoleViewRoutes } from './console-views';
import { dashboardRoutes } from './dashboard';
import { domainRoutes } from './domains';
import { healthRoutes } from './health';
import { passwordRoutes } from './password';
import { pluginApiRoutes } from './plugin-api';
import { pluginRoutes } from './plugins';
import { queueRoutes } from './queue';
import { sessionRoutes } from './session';

/** Every area of the admin API; a new area is one module added here. */
export const ROUTE_MODULES: readonly RouteModule[] = [
  healthRoutes,
  sessionRoutes,
  dashboardRoutes,
  domainRoutes,
  pluginRoutes,
  configRoutes,
  blockRoutes,
  accountRoutes,
  alertRoutes,
  queueRoutes,
  passwordRoutes,
  pluginApiRoutes,
  consoleViewRoutes,
];
