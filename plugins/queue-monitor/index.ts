import { ContainerModule } from 'inversify';
import { ServiceContribution } from '../../shared';
import { QueueMonitor } from './monitor';

export { QueueMonitor };

export default new ContainerModule(({ bind }) => {
  bind(QueueMonitor).toSelf().inSingletonScope();
  bind(ServiceContribution).toService(QueueMonitor);
});
