import { inject, injectable } from 'inversify';
import { Clock, StateStore } from '../../shared';
import { EntryMatcher } from './matcher';
import { ENTRY_PREFIX, type TrustedEntry, entryKey } from './entry';

export const AUDIT_SUBJECT = 'trusted-ips:';

/** What changed, for the audit trail. */
export interface EntryChange {
  readonly actor: string;
  readonly reason?: string;
}

/**
 * The trusted entries in the plugin's StateStore (so every node and the CLI
 * see one list), every change audited, and a compiled matcher cached for the
 * gateway's hot path.
 */
@injectable()
export class TrustedIpsRepository {
  private matcher: EntryMatcher | undefined;
  private loadedAt = 0;
  private loading: Promise<EntryMatcher> | undefined;

  constructor(@inject(StateStore) private readonly store: StateStore, @inject(Clock) private readonly clock: Clock) {}

  async list(): Promise<TrustedEntry[]> {
    const rows = await this.store.list<TrustedEntry>(ENTRY_PREFIX, this.clock.now());
    return rows.map((r) => r.value);
  }

  async get(scope: string, network: string, exclude: boolean): Promise<TrustedEntry | undefined> {
    return this.store.get<TrustedEntry>(entryKey(scope, network, exclude), this.clock.now());
  }

  async add(entry: TrustedEntry, change: EntryChange): Promise<void> {
    await this.store.set(entryKey(entry.scope, entry.network, entry.exclude), entry, entry.expiresAt);
    await this.store.appendAudit({
      at: this.clock.now(), actor: change.actor, action: entry.exclude ? 'trusted-ips.exclude' : 'trusted-ips.add',
      subject: `${AUDIT_SUBJECT}${entry.scope}|${entry.exclude ? '!' : ''}${entry.network}`,
      ...(entry.scope !== '*' ? { domain: entry.scope } : {}), before: null, after: entry, ...(change.reason ? { reason: change.reason } : {}),
    });
    this.invalidate();
  }

  async remove(entry: TrustedEntry, change: EntryChange): Promise<boolean> {
    const gone = await this.store.delete(entryKey(entry.scope, entry.network, entry.exclude));
    if (!gone) return false;
    await this.store.appendAudit({
      at: this.clock.now(), actor: change.actor, action: 'trusted-ips.remove',
      subject: `${AUDIT_SUBJECT}${entry.scope}|${entry.exclude ? '!' : ''}${entry.network}`,
      ...(entry.scope !== '*' ? { domain: entry.scope } : {}), before: entry, after: null, ...(change.reason ? { reason: change.reason } : {}),
    });
    this.invalidate();
    return true;
  }

  invalidate(): void {
    this.matcher = undefined;
  }

  /**
   * The compiled entries, read again from the store when older than
   * `maxAgeMs` (the CLI changes them from another process). Synchronous
   * when fresh, so the gateway's answer costs no promise.
   */
  matcherIfFresh(maxAgeMs: number): EntryMatcher | undefined {
    return this.matcher && this.clock.now() - this.loadedAt < maxAgeMs ? this.matcher : undefined;
  }

  async currentMatcher(maxAgeMs: number): Promise<EntryMatcher> {
    const fresh = this.matcherIfFresh(maxAgeMs);
    if (fresh) return fresh;
    this.loading ??= (async () => {
      try {
        const now = this.clock.now();
        const m = new EntryMatcher(await this.list(), now);
        this.matcher = m;
        this.loadedAt = now;
        return m;
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }
}
