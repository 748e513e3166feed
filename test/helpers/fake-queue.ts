import type { QueueCount, QueueName } from '../../shared';
import { FakeMailQueue } from '../../shared/testing';

/** The test kit's MailQueue, counting how often the host reads the queue lengths. */
export class FakeQueue extends FakeMailQueue {
  /** Makes counting fail only (listing still works). */
  failCounts: Error | undefined;
  countCalls = 0;

  override async counts(): Promise<Record<QueueName, QueueCount>> {
    this.countCalls++;
    if (this.failCounts) throw this.failCounts;
    return super.counts();
  }
}
