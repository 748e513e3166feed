import 'reflect-metadata';
import { ContainerModule } from 'inversify';
import { PluginHooks } from '../../shared';
import { PasswordPolicyHooks } from './password-policy-hooks';

/** password-sizestrength: a per-domain, Unicode-aware password policy with history. */
export default new ContainerModule(({ bind }) => {
  bind(PluginHooks).to(PasswordPolicyHooks).inSingletonScope();
});
