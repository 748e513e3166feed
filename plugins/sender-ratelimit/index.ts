import 'reflect-metadata';
import { ContainerModule } from 'inversify';
import { PluginHooks } from '../../shared';
import { RateLimitHooks } from './hooks';
import { Remediation } from './remediation';

export { RateLimitHooks } from './hooks';

export default new ContainerModule(({ bind }) => {
  bind(Remediation).toSelf().inSingletonScope();
  bind(RateLimitHooks).toSelf().inSingletonScope();
  bind(PluginHooks).toService(RateLimitHooks);
});
