import type { Clock, QueueName } from '../../../shared';
import type { HostStore } from '../state/host-store';
import type { PostsuperResult, QueueOperation } from '../../tools/postfix/queue/postsuper';
import type { QueueFilter } from '../../tools/postfix/queue/queue-filter';
import type { QueueTools, Selection } from '../../tools/postfix/queue/queue-tools';

export type QueueCommandName = 'hold' | 'release' | 'purge';
export const QUEUE_OPERATION: Readonly<Record<QueueCommandName, QueueOperation>> = { hold: 'hold', release: 'release', purge: 'delete' };

/** Applies an operation to a selection and records it in the audit trail (CLI and API alike). */
export async function applyAudited(
  deps: { queueTools: QueueTools; store: HostStore; clock: Clock },
  name: QueueCommandName,
  sel: Selection,
  filter: QueueFilter,
  actor: string,
): Promise<PostsuperResult> {
  const r = await deps.queueTools.apply(QUEUE_OPERATION[name], sel.ids);
  const who = filter.sender || '<>';
  await deps.store.appendAudit({ at: deps.clock.now(), actor, action: `queue.${name}`, subject: `sender:${who}`, after: { selected: sel.ids.length, confirmed: r.confirmed, filter } });
  return r;
}

export interface SenderSummary {
  readonly sender: string;
  readonly count: number;
  readonly bytes: number;
  readonly byQueue: Partial<Record<QueueName | string, number>>;
  /** Epoch seconds of the oldest message. */
  readonly oldest: number;
}

/**
 * The queue grouped by exact envelope sender, biggest first. At most
 * `maxSenders` distinct senders are tracked (a queue of 100k random senders
 * must not grow memory without bound); the rest are counted as `others`.
 */
export async function sendersSummary(queueTools: QueueTools, filter: QueueFilter, limit: number, maxSenders = 20_000): Promise<{ senders: SenderSummary[]; listed: number; others: number }> {
  const by = new Map<string, { count: number; bytes: number; byQueue: Record<string, number>; oldest: number }>();
  let listed = 0;
  let others = 0;
  for await (const m of queueTools.list(filter)) {
    listed++;
    const key = m.sender.toLowerCase();
    let e = by.get(key);
    if (!e) {
      if (by.size >= maxSenders) {
        others++;
        continue;
      }
      e = { count: 0, bytes: 0, byQueue: {}, oldest: m.arrivalTime };
      by.set(key, e);
    }
    e.count++;
    e.bytes += m.messageSize;
    e.byQueue[m.queueName] = (e.byQueue[m.queueName] ?? 0) + 1;
    if (m.arrivalTime < e.oldest) e.oldest = m.arrivalTime;
  }
  const senders = [...by.entries()].map(([sender, e]) => ({ sender, ...e })).sort((a, b) => b.count - a.count || (a.sender < b.sender ? -1 : 1)).slice(0, limit);
  return { senders, listed, others };
}
