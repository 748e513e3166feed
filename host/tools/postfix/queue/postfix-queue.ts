import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Clock, Logger, MailQueue, QueueCount, QueuedMessage, QueueMessagesOptions, QueueName } from '../../../../shared';
import type { PostfixConfig } from '../postfix-config';
import { postqueueMessages } from './postqueue-json';
import { countQueues, queueFiles } from './queue-dirs';
import { readSaslUsername } from './queue-file';

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
    this.queueDir ??= new Promise<string>((resolve, reject) => {
      const args = [...(this.config.configDir ? ['-c', this.config.configDir] : []), '-h', 'queue_directory'];
      execFile(this.config.postconfPath, args, { timeout: 10_000 }, (err, stdout, stderr) => {
        const dir = stdout?.toString().trim();
        if (err || !dir) {
          this.queueDir = undefined;
          reject(new Error(`cannot find the Postfix queue (set postfix.queueDirectory): ${this.config.postconfPath} ${args.join(' ')}: ${stderr?.toString().trim() || err?.message || 'no output'}`));
        } else resolve(dir);
      });
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
    const files = new QueueFileFinder(await this.queueDirectory());
    for await (const m of source) {
      const file = await files.find(m.queueName, m.queueId);
      const sasl = file ? await readSaslUsername(file) : undefined;
      yield sasl ? { ...m, saslUsername: sasl } : m;
    }
  }
}

/**
 * Finds a queue file from its queue and id: flat, or hashed one level by the
 * id's first character (Postfix's default hash_queue_depth); otherwise one
 * walk of that queue indexes every file (other hash depths, long ids).
 */
class QueueFileFinder {
  private readonly walked = new Map<string, Map<string, string>>();
  constructor(private readonly root: string) {}

  async find(queue: string, id: string): Promise<string | undefined> {
    if (!/^[A-Za-z0-9]{1,64}$/.test(queue) || !/^[A-Za-z0-9]{1,64}$/.test(id)) return undefined;
    const dir = path.join(this.root, queue);
    for (const f of [path.join(dir, id), path.join(dir, id[0], id)]) {
      if (await exists(f)) return f;
    }
    let index = this.walked.get(queue);
    if (!index) {
      index = new Map();
      for await (const f of queueFiles(dir)) index.set(path.basename(f), f);
      this.walked.set(queue, index);
    }
    return index.get(id);
  }
}

function exists(f: string): Promise<boolean> {
  return fs.promises.access(f).then(() => true, () => false);
}
