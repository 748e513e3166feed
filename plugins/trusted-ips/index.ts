import { ContainerModule } from 'inversify';
import { AdminRouteContribution, CommandContribution, PluginHooks, ServiceContribution } from '../../shared';
import { TrustedIpsAdminRoutes } from './admin-routes';
import { TrustedIpsCommand } from './command';
import { TrustedIpsHooks } from './hooks';
import { TrustedIpsRepository } from './repository';
import { TableKeeper } from './table-keeper';

export default new ContainerModule(({ bind }) => {
  bind(TrustedIpsRepository).toSelf().inSingletonScope();
  bind(PluginHooks).to(TrustedIpsHooks).inSingletonScope();
  bind(TrustedIpsCommand).toSelf().inSingletonScope();
  bind(CommandContribution).toService(TrustedIpsCommand);
  bind(ServiceContribution).to(TableKeeper).inSingletonScope();
  bind(AdminRouteContribution).to(TrustedIpsAdminRoutes).inSingletonScope();
});
