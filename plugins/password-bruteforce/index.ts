import 'reflect-metadata';
import { ContainerModule } from 'inversify';
import { PluginHooks } from '../../shared';
import { BruteforceHooks } from './hooks';

/** password-bruteforce: counts failed logins and blocks guessing (see manifests/password-bruteforce.json). */
export default new ContainerModule(({ bind }) => {
  bind(PluginHooks).to(BruteforceHooks).inSingletonScope();
});
