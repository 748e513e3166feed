import { ContainerModule } from 'inversify';
import { CommandContribution, PluginHooks, ServiceContribution } from '../../shared';
import { TrustedIpsCommand } from './command';
import { TrustedIpsHooks } from './hooks';
import { TrustedIpsRepository } from './repository';
import { TableKeeper } from './table-keeper';

export default new ContainerModule(({ bind }) => {
  bind(TrustedIpsRepository).toSelf().inSingletonScope();
  bind(PluginHooks).to(TrustedIpsHooks).inSingletonScope();
  bind(CommandContribution).to(TrustedIpsCommand).inSingletonScope();
  bind(ServiceContribution).to(TableKeeper).inSingletonScope();
});
