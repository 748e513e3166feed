import fs from 'node:fs';
import path from 'node:path';
import type { QueueName } from '../../../../shared';
import { queueFiles } from './queue-dirs';
import { readSaslUsername } from './queue-file';

/**
 * Where a message submitted with SASL can be: maildrop holds local
 * submissions (sendmail/postdrop, no SASL login), in files owned by the
 * submitting user, so it is not searched.
 */
export const SASL_QUEUES: readonly QueueName[] = ['incoming', 'active', 'deferred', 'hold'];

const NAME = /^[A-Za-z0-9]{1,64}$/;

/**
 * Finds a queue file from its queue and id: flat, or hashed one level by the
 * id's first character (Postfix's default hash_queue_depth); otherwise one
 * walk of that queue indexes every file (other hash depths, long ids, gone),
 * and from then on the index answers for that queue.
 */
export class QueueFileFinder {
  private readonly walked = new Map<string, Map<string, string>>();
  private readonly owners = new Map<string, Promise<number | undefined>>();

  constructor(private readonly root: string) {}

  async find(queue: string, id: string): Promise<string | undefined> {
    if (!NAME.test(queue) || !NAME.test(id)) return undefined;
    // Once a queue was walked, its index answers: a miss costs no more probes (many ids may be gone).
    const walked = this.walked.get(queue);
    if (walked) return walked.get(id);
    const dir = path.join(this.root, queue);
    for (const f of [path.join(dir, id), path.join(dir, id[0], id)]) {
      if (await exists(f)) return f;
    }
    const index = new Map<string, string>();
    for await (const f of queueFiles(dir)) index.set(path.basename(f), f);
    this.walked.set(queue, index);
    return index.get(id);
  }

  /**
   * The uid owning a queue's directory (Postfix's mail_owner), which owns
   * every file in it; undefined when the queue is missing or is not a real
   * directory (a symlink is not followed).
   */
  private owner(queue: string): Promise<number | undefined> {
    let o = this.owners.get(queue);
    if (!o) {
      o = fs.promises.lstat(path.join(this.root, queue)).then(
        (st) => (st.isDirectory() ? st.uid : undefined),
        (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)),
      );
      this.owners.set(queue, o);
    }
    return o;
  }

  /** The SASL login of a message in a known queue. */
  async saslUsername(queue: string, id: string): Promise<string | undefined> {
    const file = await this.find(queue, id);
    return file ? this.read(queue, file) : undefined;
  }

  /** The SASL login of a message whose queue is not known (it moves between them): from the first queue that has it. */
  async saslUsernameAnywhere(id: string): Promise<string | undefined> {
    for (const q of SASL_QUEUES) {
      const file = await this.find(q, id);
      if (file) return this.read(q, file);
    }
    return undefined;
  }

  /** Only from a regular file the queue's owner owns. */
  private async read(queue: string, file: string): Promise<string | undefined> {
    const owner = await this.owner(queue);
    return owner === undefined ? undefined : readSaslUsername(file, owner);
  }
}

/** A login longer than this matches no account (logins are at most 320 characters); dropping it keeps the answer bounded. */
const MAX_LOGIN = 320;

/** id → SASL login for the ids that have one (what mailwarden-privd answers to `queue-sasl`). */
export async function saslUsernamesOf(queueDirectory: string, ids: readonly string[]): Promise<Record<string, string>> {
  const finder = new QueueFileFinder(queueDirectory);
  const out: Record<string, string> = {};
  for (const id of ids) {
    const sasl = await finder.saslUsernameAnywhere(id);
    if (sasl !== undefined && sasl.length <= MAX_LOGIN) out[id] = sasl;
  }
  return out;
}

function exists(f: string): Promise<boolean> {
  return fs.promises.access(f).then(() => true, () => false);
}
