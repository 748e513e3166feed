import { ContainerModule } from 'inversify';
import { AdminRouteContribution, CommandContribution, LogReportContribution, PluginHooks, ServiceContribution } from '../../shared';
import { ReputationAdminRoutes } from './admin-routes';
import { ReputationCommand } from './command';
import { ReputationHooks } from './hooks';
import { OutboundCache } from './outbound-cache';
import { RejectionBook } from './rejections';
import { RefusalsReport } from './report-section';
import { ReputationWatcher } from './watcher';

export { ReputationWatcher };

export default new ContainerModule(({ bind }) => {
  bind(OutboundCache).toSelf().inSingletonScope();
  bind(RejectionBook).toSelf().inSingletonScope();
  bind(PluginHooks).to(ReputationHooks).inSingletonScope();
  bind(ReputationWatcher).toSelf().inSingletonScope();
  bind(ServiceContribution).toService(ReputationWatcher);
  bind(ReputationCommand).toSelf().inSingletonScope();
  bind(CommandContribution).toService(ReputationCommand);
  bind(AdminRouteContribution).to(ReputationAdminRoutes).inSingletonScope();
  bind(LogReportContribution).to(RefusalsReport).inSingletonScope();
});
