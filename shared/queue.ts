/*
 * The Postfix queue as plugins see it. Reading it is host-side knowledge
 * (paths, permissions, postqueue); plugins get it through the MailQueue token.
 */

/** The queues Postfix keeps under its queue_directory. */
export type QueueName = 'incoming' | 'active' | 'deferred' | 'hold' | 'maildrop';

export const QUEUE_NAMES: readonly QueueName[] = ['incoming', 'active', 'deferred', 'hold', 'maildrop'];

export interface QueueCount {
  /** Messages (queue files). */
  readonly length: number;
  /** Sum of the queue file sizes. */
  readonly bytes: number;
  /** Age of the oldest queue file (0 for an empty queue). */
  readonly oldestAgeSeconds: number;
}

export interface QueuedRecipient {
  readonly address: string;
  readonly delayReason?: string;
}

/** One message as `postqueue -j` describes it. */
export interface QueuedMessage {
  readonly queueName: string;
  readonly queueId: string;
  /** Epoch seconds. */
  readonly arrivalTime: number;
  readonly messageSize: number;
  readonly forcedExpire: boolean;
  /** Envelope sender; empty for bounces (`<>`). */
  readonly sender: string;
  readonly recipients: readonly QueuedRecipient[];
  /** The SASL login that submitted it, when asked for and known (read from the queue file). */
  readonly saslUsername?: string;
}

export interface QueueMessagesOptions {
  /** Also read each message's `sasl_username` from its queue file (costs one small read per message). */
  readonly saslUsername?: boolean;
}

export const MailQueue = Symbol('mailwarden.MailQueue');
export interface MailQueue {
  /**
   * Totals per queue by counting queue files (as Telegraf's postfix input
   * does): cheap even with 100k messages, and never blocks the event loop.
   */
  counts(): Promise<Record<QueueName, QueueCount>>;
  /** Every queued message, streamed (never the whole queue in memory). */
  messages(options?: QueueMessagesOptions): AsyncIterable<QueuedMessage>;
}
