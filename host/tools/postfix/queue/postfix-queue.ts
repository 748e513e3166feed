import type { Clock, Logger, MailQueue, QueueCount, QueuedMessage, QueueMessagesOptions, QueueName } from '../../../../shared';
import type { PrivilegedClient } from '../../privileged/client';
import { privilegedRoute } from '../../privileged/route';
import type { PostfixConfig } from '../postfix-config';
import { isQueueId } from './postsuper';
import { postqueueMessages } from './postqueue-json';
import { countQueues } from './queue-dirs';
import { askQueueDirectory } from './queue-directory';
import { QueueFileFinder } from './queue-file-finder';

/** Queue IDs per request to mailwarden-privd (the protocol allows up to 10 000). */
const HELPER_BATCH = 1000;

/** The Postfix queue of one instance, read by counting its directories and by `postqueue -j`. */
export class PostfixQueue implements MailQueue {
  private queueDir: Promise<string> | undefined;

  constructor(private readonly config: PostfixConfig, private readonly clock: Clock, private readonly logger: Logger) {}

  /** The config section changed on reload (it is read at each use): the queue_directory asked from postconf is asked again. */
  forgetQueueDirectory(): void {
    this.queueDir = undefined;
  }

  /** The instance's queue_directory, from the config or asked from postconf once. */
  queueDirectory(): Promise<string> {
    if (this.config.queueDirectory) return Promise.resolve(this.config.queueDirectory);
    this.queueDir ??= askQueueDirectory(this.config).catch((e: Error) => {
      this.queueDir = undefined;
      throw e;
    });
    return this.queueDir;
  }

  private counting: Promise<Record<QueueName, QueueCount>> | undefined;

  /** Concurrent callers (the monitor and a scrape) share one walk of the queue. */
  counts(): Promise<Record<QueueName, QueueCount>> {
    this.counting ??= this.queueDirectory()
      .then((dir) => countQueues(dir, this.clock.now()))
      .finally(() => (this.counting = undefined));
    return this.counting;
  }

  async *messages(options: QueueMessagesOptions = {}): AsyncGenerator<QueuedMessage> {
    const source = postqueueMessages(
      { postqueuePath: this.config.postqueuePath, configDir: this.config.configDir },
      { onBadLine: (e) => this.logger.warn({ err: e.message }, 'postqueue -j line skipped') },
    );
    if (!options.saslUsername) {
      yield* source;
      return;
    }
    // Unprivileged under the unit, the queue files (0700 postfix) are read by mailwarden-privd, from its own queue directory.
    const via = privilegedRoute();
    if (via) {
      let batch: QueuedMessage[] = [];
      for await (const m of source) {
        batch.push(m);
        if (batch.length >= HELPER_BATCH) {
          yield* await withSaslFrom(via, batch);
          batch = [];
        }
      }
      if (batch.length) yield* await withSaslFrom(via, batch);
      return;
    }
    const files = new QueueFileFinder(await this.queueDirectory());
    for await (const m of source) {
      const sasl = await files.saslUsername(m.queueName, m.queueId);
      yield sasl ? { ...m, saslUsername: sasl } : m;
    }
  }
}

async function withSaslFrom(via: PrivilegedClient, batch: readonly QueuedMessage[]): Promise<QueuedMessage[]> {
  const ids = batch.map((m) => m.queueId).filter(isQueueId);
  const sasl = ids.length ? await via.queueSasl(ids) : new Map<string, string>();
  return batch.map((m) => {
    const s = sasl.get(m.queueId);
    return s ? { ...m, saslUsername: s } : m;
  });
}
