import { ContainerModule } from 'inversify';
import {
  AdminRouteContribution,
  CommandContribution,
  DoctorCheckContribution,
  PluginHooks,
  PostfixWiringContribution,
  ServiceContribution,
  TrustedNetworksContribution,
} from '../../shared';
import { TrustedIpsAdminRoutes } from './admin-routes';
import { TrustedIpsCommand } from './command';
import { TrustedIpsHooks } from './hooks';
import { MynetworksCheck } from './mynetworks-check';
import { TrustedIpsNetworks, TrustedIpsPostfixWiring } from './postfix-contributions';
import { TrustedIpsRepository } from './repository';
import { TableKeeper } from './table-keeper';

export default new ContainerModule(({ bind }) => {
  bind(TrustedIpsRepository).toSelf().inSingletonScope();
  bind(PluginHooks).to(TrustedIpsHooks).inSingletonScope();
  bind(TrustedIpsCommand).toSelf().inSingletonScope();
  bind(CommandContribution).toService(TrustedIpsCommand);
  bind(ServiceContribution).to(TableKeeper).inSingletonScope();
  bind(AdminRouteContribution).to(TrustedIpsAdminRoutes).inSingletonScope();
  bind(DoctorCheckContribution).to(MynetworksCheck).inSingletonScope();
  bind(PostfixWiringContribution).to(TrustedIpsPostfixWiring).inSingletonScope();
  bind(TrustedNetworksContribution).to(TrustedIpsNetworks).inSingletonScope();
});
