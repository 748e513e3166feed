import { QUEUE_NAMES, type MailQueue, type QueueActions, type QueueCount, type QueuedMessage, type QueueName } from '../queue';
import type { AccountActions, AccountLock, Clock, SessionsClosed } from '../services';
import type { SystemActions } from '../system-actions';

/** AccountActions in memory: locks expire by the given clock; closed sessions are recorded. */
export class FakeAccountActions implements AccountActions {
  readonly locks = new Map<string, AccountLock>();
  /** Logins whose sessions a plugin closed, in order. */
  readonly closed: string[] = [];
  constructor(private readonly clock: Clock) {}
  async lock(login: string, o: { reason: string; by: string; minutes?: number }): Promise<AccountLock> {
    const at = this.clock.now();
    const lock: AccountLock = { login, reason: o.reason, by: o.by, at, ...(o.minutes ? { until: at + o.minutes * 60_000 } : {}) };
    this.locks.set(login, lock);
    return lock;
  }
  async unlock(login: string, _by?: string): Promise<boolean> {
    return this.locks.delete(login);
  }
  async isLocked(login: string): Promise<AccountLock | undefined> {
    const l = this.locks.get(login);
    return l && (l.until === undefined || l.until > this.clock.now()) ? l : undefined;
  }
  async listLocks(): Promise<AccountLock[]> {
    const now = this.clock.now();
    return [...this.locks.values()].filter((l) => l.until === undefined || l.until > now);
  }
  async closeSessions(login: string, _by?: string): Promise<SessionsClosed> {
    this.closed.push(login);
    return { sessions: 'closed' };
  }
}

/** SystemActions that change nothing: tables written and commands run are recorded; `output` answers commands. */
export class RecordingSystemActions implements SystemActions {
  readonly tables: Array<{ file: string; content: string }> = [];
  readonly runs: Array<readonly string[]> = [];
  /** What a command prints (by its argv joined with spaces), or the error it fails with. */
  readonly output = new Map<string, string | Error>();
  async replaceTable(file: string, content: string): Promise<void> {
    this.tables.push({ file, content });
  }
  async run(argv: readonly string[]): Promise<string> {
    this.runs.push([...argv]);
    const out = this.output.get(argv.join(' ')) ?? '';
    if (out instanceof Error) throw out;
    return out;
  }
}

/** A MailQueue whose contents a test sets: lengths per queue and the messages postqueue would list. */
export class FakeMailQueue implements MailQueue {
  lengths: Partial<Record<QueueName, number>> = {};
  messageList: QueuedMessage[] = [];
  /** Set to make reading the queue fail (a wrong queue path, no permission). */
  failure: Error | undefined;
  async counts(): Promise<Record<QueueName, QueueCount>> {
    if (this.failure) throw this.failure;
    const out = {} as Record<QueueName, QueueCount>;
    for (const q of QUEUE_NAMES) {
      const n = this.lengths[q] ?? 0;
      out[q] = { length: n, bytes: n * 1000, oldestAgeSeconds: n ? 600 : 0 };
    }
    return out;
  }
  async *messages(): AsyncGenerator<QueuedMessage> {
    if (this.failure) throw this.failure;
    for (const m of this.messageList) yield m;
  }

  /** Adds `n` deferred messages from `sender` (submitted by SASL login `sasl`). */
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
    this.lengths.deferred = this.messageList.filter((m) => m.queueName === 'deferred').length;
  }
}

/** QueueActions that hold nothing: each request is recorded and answered with a count. */
export class RecordingQueueActions implements QueueActions {
  readonly bySender: string[] = [];
  readonly byLogin: string[] = [];
  readonly byIds: string[][] = [];
  /** Set to make holding by SASL login fail (the queue files cannot be read). */
  loginFailure: Error | undefined;
  async holdBySender(sender: string): Promise<number> {
    this.bySender.push(sender);
    return 2;
  }
  async holdBySaslUsername(login: string): Promise<number> {
    if (this.loginFailure) throw this.loginFailure;
    this.byLogin.push(login);
    return 1;
  }
  async holdQueueIds(ids: readonly string[]): Promise<number> {
    this.byIds.push([...ids]);
    return ids.length;
  }
}
