import type { Clock, QueueActions } from '../../../shared';
import { type BadRecord, type PostfixCommands, type QueuedMessage, readQueue } from './postqueue-json';
import { type QueueFilter, matches, normalizeAddress } from './queue-filter';
import { type PostsuperResult, type QueueOperation, runPostsuper } from './postsuper';

/** Where messages come from: `postqueue -j` in production, a list in tests. */
export type QueueSource = (onBad: (b: BadRecord) => void) => AsyncIterable<QueuedMessage>;

export interface Selection {
  readonly ids: string[];
  readonly bytes: number;
  /** The first messages selected, to show the admin what will be touched. */
  readonly sample: QueuedMessage[];
  readonly byQueue: Record<string, number>;
  /** Records of the stream that could not be read. */
  readonly unreadable: number;
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
  private readonly source: QueueSource;

  constructor(private readonly pf: PostfixCommands, private readonly clock: Clock, source?: QueueSource) {
    this.source = source ?? ((onBad) => readQueue(pf, onBad));
  }

  async *list(filter: QueueFilter, onBad: (b: BadRecord) => void = () => undefined): AsyncGenerator<QueuedMessage> {
    const now = this.clock.now();
    for await (const m of this.source(onBad)) if (matches(m, filter, now)) yield m;
  }

  async select(filter: QueueFilter, op?: QueueOperation): Promise<Selection> {
    const ids: string[] = [];
    const sample: QueuedMessage[] = [];
    const byQueue: Record<string, number> = {};
    let bytes = 0;
    let unreadable = 0;
    for await (const m of this.list(filter, () => unreadable++)) {
      if (!relevant(op, m)) continue;
      ids.push(m.queueId);
      bytes += m.size;
      byQueue[m.queueName] = (byQueue[m.queueName] ?? 0) + 1;
      if (sample.length < SAMPLE) sample.push(m);
    }
    return { ids, bytes, sample, byQueue, unreadable };
  }

  apply(op: QueueOperation, ids: readonly string[]): Promise<PostsuperResult> {
    return runPostsuper(this.pf, op, ids);
  }

  async holdBySender(sender: string): Promise<number> {
    const sel = await this.select({ sender: normalizeAddress(sender) }, 'hold');
    return (await this.apply('hold', sel.ids)).confirmed;
  }

  async holdQueueIds(queueIds: readonly string[]): Promise<number> {
    const valid = queueIds.filter((id) => id !== 'ALL' && /^[0-9A-Za-z]{1,32}$/.test(id));
    return (await this.apply('hold', valid)).confirmed;
  }
}
