import type { MailQueue } from '../../shared';

export interface Ranked {
  readonly name: string;
  readonly messages: number;
}

export interface Breakdown {
  readonly senders: readonly Ranked[];
  readonly saslUsernames: readonly Ranked[];
  /** Messages looked at. */
  readonly scanned: number;
  /** Set when the queue listing failed or was cut short. */
  readonly problem?: string;
}

/** Distinct senders/users tracked; past this, new names are not counted (memory stays bounded on a 100k queue). */
const MAX_DISTINCT = 50_000;
/** Messages looked at; a larger queue is ranked on its first part. */
const MAX_SCANNED = 500_000;

function topOf(counts: Map<string, number>, n: number): Ranked[] {
  return [...counts.entries()]
    .map(([name, messages]) => ({ name, messages }))
    .sort((a, b) => b.messages - a.messages || (a.name < b.name ? -1 : 1))
    .slice(0, n);
}

function add(counts: Map<string, number>, key: string): void {
  const v = counts.get(key);
  if (v !== undefined) counts.set(key, v + 1);
  else if (counts.size < MAX_DISTINCT) counts.set(key, 1);
}

/** Ranks the queued messages by sender and by SASL login, streaming the queue once. */
export async function rankQueue(queue: MailQueue, top: number): Promise<Breakdown> {
  const senders = new Map<string, number>();
  const users = new Map<string, number>();
  let scanned = 0;
  let problem: string | undefined;
  try {
    for await (const m of queue.messages({ saslUsername: true })) {
      add(senders, m.sender);
      if (m.saslUsername) add(users, m.saslUsername);
      if (++scanned >= MAX_SCANNED) {
        problem = `only the first ${MAX_SCANNED} messages were ranked`;
        break;
      }
    }
  } catch (e) {
    problem = `the queue could not be listed: ${(e as Error).message}`;
  }
  return { senders: topOf(senders, top), saslUsernames: topOf(users, top), scanned, ...(problem ? { problem } : {}) };
}
