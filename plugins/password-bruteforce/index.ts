import 'reflect-metadata';
import { ContainerModule } from 'inversify';
import { PluginHooks } from '../../shared';
import { BruteforceHooks } from './hooks';

/** password-bruteforce: counts failed logins and blocks guessing (see manifest.json). */
export default new ContainerModule(({ bind }) => {
  bind(PluginHooks).to(BruteforceHooks).inSingletonScope();
});
