import { QUEUE_NAMES, type MailQueue, type QueueCount, type QueuedMessage, type QueueName } from '../../shared';

/** A MailQueue whose contents a test sets: lengths per queue, and the messages postqueue would list. */
export class FakeQueue implements MailQueue {
  lengths: Partial<Record<QueueName, number>> = {};
  messageList: QueuedMessage[] = [];
  failCounts: Error | undefined;
  countCalls = 0;

  async counts(): Promise<Record<QueueName, QueueCount>> {
    this.countCalls++;
    if (this.failCounts) throw this.failCounts;
    const out = {} as Record<QueueName, QueueCount>;
    for (const q of QUEUE_NAMES) {
      const n = this.lengths[q] ?? 0;
      out[q] = { length: n, bytes: n * 1000, oldestAgeSeconds: n ? 600 : 0 };
    }
    return out;
  }

  async *messages(): AsyncGenerator<QueuedMessage> {
    for (const m of this.messageList) yield m;
  }

  /** Fills the deferred queue with `n` messages from `sender` (and SASL login `sasl`). */
  pile(n: number, sender: string, sasl?: string): void {
    for (let i = 0; i < n; i++) {
      this.messageList.push({
        queueName: 'deferred',
        queueId: `${sender.length}${this.messageList.length.toString(16).toUpperCase()}`,
        arrivalTime: 0,
        messageSize: 1000,
        forcedExpire: false,
        sender,
        recipients: [{ address: `r${i}@example.net`, delayReason: 'connection refused' }],
        ...(sasl ? { saslUsername: sasl } : {}),
      });
    }
    this.lengths.deferred = this.messageList.length;
  }
}
