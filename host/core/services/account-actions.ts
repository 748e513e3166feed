import { EventEmitter } from 'node:events';
import { type AccountActions, type AccountLock, type Clock, type Logger, type Metrics, oneLine, type SessionsClosed } from '../../../shared';
import { literalLoginForKick } from '../../../shared/address';
import { privilegedRoute } from '../../tools/privileged/route';
import type { HostStore } from '../state/host-store';

const lockKey = (login: string) => `h:lock:${login}`;

/**
 * sysexits' EX_NOUSER: `doveadm kick` exits with it (and prints "no users
 * kicked" on stdout) when the account has no session, the usual case for an
 * attacker who only sent through SMTP AUTH.
 */
const EX_NOUSER = 68;

export interface SessionClosedEvent {
  readonly login: string;
  readonly by: string;
  readonly at: number;
}

/**
 * Account locks and session closing. Locks live in the state store (so every
 * node refuses the account) and are cached here until the store says locks
 * changed. Logins must already be normalised.
 */
export class HostAccountActions implements AccountActions {
  /** Emits 'sessions-closed' (SessionClosedEvent) for webmail-style session holders. */
  readonly events = new EventEmitter();
  private readonly cache = new Map<string, AccountLock | null>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: HostStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly kickCommand: readonly string[],
  ) {
    this.unsubscribe = store.subscribe((c) => {
      if (c === 'locks') this.cache.clear();
    });
  }

  dispose(): void {
    this.unsubscribe();
  }

  async lock(login: string, o: { reason: string; by: string; minutes?: number }): Promise<AccountLock> {
    const at = this.clock.now();
    // One line: the reason is shown in logs, alerts, `account list` and the console.
    const lock: AccountLock = { login, reason: oneLine(o.reason), by: o.by, at, ...(o.minutes ? { until: at + o.minutes * 60_000 } : {}) };
    await this.store.set(lockKey(login), lock, lock.until);
    await this.store.appendAudit({ at, actor: o.by, action: 'account.lock', subject: `account:${login}`, domain: login.slice(login.lastIndexOf('@') + 1), after: lock, reason: lock.reason });
    this.cache.delete(login);
    await this.store.publish('locks');
    this.metrics.increment('account_locks', { by: o.by.split(':')[0] });
    this.logger.warn({ login, reason: lock.reason, by: o.by, until: lock.until }, 'account locked');
    return lock;
  }

  async unlock(login: string, by: string): Promise<boolean> {
    const before = await this.isLocked(login);
    const existed = await this.store.delete(lockKey(login));
    this.cache.delete(login);
    if (!existed) return false;
    const at = this.clock.now();
    await this.store.appendAudit({ at, actor: by, action: 'account.unlock', subject: `account:${login}`, domain: login.slice(login.lastIndexOf('@') + 1), before });
    await this.store.publish('locks');
    this.logger.info({ login, by }, 'account unlocked');
    return true;
  }

  async isLocked(login: string): Promise<AccountLock | undefined> {
    const now = this.clock.now();
    let l = this.cache.get(login);
    if (l === undefined) {
      l = (await this.store.get<AccountLock>(lockKey(login), now)) ?? null;
      if (this.cache.size > 100_000) this.cache.clear();
      this.cache.set(login, l);
    }
    return l && (l.until === undefined || l.until > now) ? l : undefined;
  }

  async listLocks(): Promise<AccountLock[]> {
    return (await this.store.list<AccountLock>('h:lock:', this.clock.now())).map((r) => r.value);
  }

  async closeSessions(login: string, by: string): Promise<SessionsClosed> {
    const at = this.clock.now();
    const literal = literalLoginForKick(login);
    const [cmd, ...args] = this.kickCommand.map((a) => a.split('{login}').join(literal));
    await this.store.appendAudit({ at, actor: by, action: 'account.logout', subject: `account:${login}`, domain: login.slice(login.lastIndexOf('@') + 1) });
    this.events.emit('sessions-closed', { login, by, at } satisfies SessionClosedEvent);
    // Unprivileged under the unit: mailwarden-privd runs the configured kick command for the login.
    const via = privilegedRoute();
    const result = via ? { sessions: (await via.kick(literal)) === 'sessions: none' ? 'none' : 'closed' } as SessionsClosed : await new Promise<SessionsClosed>((resolve, reject) => {
      // argv, never a shell: the login comes from clients. Required here: every command's App builds these actions, few close sessions.
      (require('node:child_process') as typeof import('node:child_process')).execFile(cmd, args, { timeout: 10_000 }, (err, stdout, stderr) => {
        if (!err) resolve({ sessions: 'closed' });
        else if (err.code === EX_NOUSER) resolve({ sessions: 'none' });
        else reject(new Error(`${cmd} ${args.join(' ')} failed${typeof err.code === 'number' ? ` (exit ${err.code})` : ''}: ${stderr.toString().trim() || stdout.toString().trim() || err.message}`));
      });
    });
    this.logger.info({ login, by, sessions: result.sessions }, result.sessions === 'none' ? 'no open sessions to close' : 'sessions closed');
    return result;
  }
}
