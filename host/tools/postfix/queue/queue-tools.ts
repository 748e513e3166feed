import type { Clock, MailQueue, QueueActions, QueuedMessage } from '../../../../shared';
import type { PostfixConfig } from '../postfix-config';
import { type QueueFilter, matches, normalizeAddress } from './queue-filter';
import { type PostsuperResult, type QueueOperation, isQueueId, runPostsuper } from './postsuper';

export interface Selection {
  readonly ids: string[];
  readonly bytes: number;
  /** The first messages selected, to show the admin what will be touched. */
  readonly sample: QueuedMessage[];
  readonly byQueue: Record<string, number>;
}

const SAMPLE = 20;

/** Which queues an operation can act on: hold what is not held, release what is. */
function relevant(op: QueueOperation | undefined, m: QueuedMessage): boolean {
  if (op === 'hold') return m.queueName !== 'hold';
  if (op === 'release') return m.queueName === 'hold';
  return true;
}

/**
 * The admin's exact tools on the Postfix queue: select by exact sender and
 * filters from the `postqueue -j` stream (only the IDs are kept, so a queue of
 * 100k messages is fine), then act through postsuper.
 */
export class QueueTools implements QueueActions {
  constructor(private readonly queue: MailQueue, private readonly pf: PostfixConfig, private readonly clock: Clock) {}

  async *list(filter: QueueFilter): AsyncGenerator<QueuedMessage> {
    const now = this.clock.now();
    for await (const m of this.queue.messages(filter.saslUsername !== undefined ? { saslUsername: true } : {})) if (matches(m, filter, now)) yield m;
  }

  async select(filter: QueueFilter, op?: QueueOperation): Promise<Selection> {
    const ids: string[] = [];
    const sample: QueuedMessage[] = [];
    const byQueue: Record<string, number> = {};
    let bytes = 0;
    for await (const m of this.list(filter)) {
      if (!relevant(op, m)) continue;
      ids.push(m.queueId);
      bytes += m.messageSize;
      byQueue[m.queueName] = (byQueue[m.queueName] ?? 0) + 1;
      if (sample.length < SAMPLE) sample.push(m);
    }
    return { ids, bytes, sample, byQueue };
  }

  apply(op: QueueOperation, ids: readonly string[]): Promise<PostsuperResult> {
    return runPostsuper(this.pf, op, ids);
  }

  private async holdWhere(filter: QueueFilter): Promise<number> {
    const sel = await this.select(filter, 'hold');
    return (await this.apply('hold', sel.ids)).confirmed;
  }

  holdBySender(sender: string): Promise<number> {
    return this.holdWhere({ sender: normalizeAddress(sender) });
  }

  holdBySaslUsername(login: string): Promise<number> {
    return this.holdWhere({ saslUsername: login.trim().toLowerCase() });
  }

  async holdQueueIds(queueIds: readonly string[]): Promise<number> {
    return (await this.apply('hold', queueIds.filter(isQueueId))).confirmed;
  }
}
