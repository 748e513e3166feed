import { cidrContains, parseCidr, parseIp, type Block, type Clock, type Verdict } from '../../../shared';
import type { HostStore } from '../state/host-store';
import { ADMIN_BLOCK_SOURCE } from './block-admin';

interface Ban {
  readonly block: Block;
  readonly net?: ReturnType<typeof parseCidr> & { ok: true };
}

/**
 * Enforces the blocks an administrator placed by hand (`blocks add`): the
 * pipeline asks before any plugin runs, as for a locked account. The bans
 * are few; they are read once and again only when a node publishes a change
 * to blocks that may have touched them, so an attempt with no ban costs a
 * scan of a short array.
 */
export class AdminBans {
  private bans: Promise<readonly Ban[]> | undefined;
  private readonly unsubscribe: () => void;

  constructor(private readonly store: HostStore, private readonly clock: Clock) {
    this.unsubscribe = store.subscribe((c, source) => {
      // A plugin's own block writes in this process (a source other than
      // admin) cannot have touched a ban by hand: rereading every block after
      // each of them made a block cost O(blocks) under attack.
      if (c === 'blocks' && (source === undefined || source === ADMIN_BLOCK_SOURCE)) this.bans = undefined;
    });
  }

  dispose(): void {
    this.unsubscribe();
  }

  private load(): Promise<readonly Ban[]> {
    const p = this.store.listBlocks({ source: ADMIN_BLOCK_SOURCE }, this.clock.now()).then((blocks) =>
      blocks.map((block) => {
        const c = block.network === undefined ? undefined : parseCidr(block.network);
        return c && c.ok ? { block, net: c } : { block };
      }),
    );
    // A failed read is retried on the next attempt, not cached.
    p.catch(() => {
      if (this.bans === p) this.bans = undefined;
    });
    return p;
  }

  /** A deny when a ban by hand covers this login or address in this domain. */
  async verdict(domain: string, login: string, remoteIp: string): Promise<Verdict | undefined> {
    const bans = await (this.bans ??= this.load());
    if (bans.length === 0) return undefined;
    const now = this.clock.now();
    const ip = parseIp(remoteIp);
    for (const { block, net } of bans) {
      if (block.domain !== domain || block.expiresAt <= now) continue;
      if (block.login !== undefined && block.login !== login) continue;
      if (block.network !== undefined && !(net && ip && cidrContains(net.cidr, ip))) continue;
      return { action: 'deny', reason: `blocked by an administrator: ${block.reason}`, plugin: 'host' };
    }
    return undefined;
  }
}
