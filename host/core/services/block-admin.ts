import { type Block, type BlockFilter, oneLine } from '../../../shared';
import type { HostStore } from '../state/host-store';

/**
 * Lifting blocks, for the CLI and the admin API alike: clear, audit (with
 * what was lifted), then tell every running node to drop its cached blocks.
 */
export async function clearBlocksAudited(store: HostStore, o: { filter: BlockFilter; actor: string; at: number; what: string; reason?: string }): Promise<Block[]> {
  const gone = await store.clearBlocks(o.filter);
  await store.appendAudit({
    at: o.at,
    actor: o.actor,
    action: 'blocks.clear',
    subject: `blocks:${o.what}`,
    ...(o.filter.domain ? { domain: o.filter.domain } : {}),
    before: gone.map((b) => ({ domain: b.domain, key: b.key, login: b.login, network: b.network, expiresAt: b.expiresAt })),
    // One line: audit reasons are shown in tables, the console and logs.
    ...(o.reason && oneLine(o.reason) ? { reason: oneLine(o.reason) } : {}),
  });
  await store.publish('blocks');
  return gone;
}

/** How an audit subject names a filter: `login alice@example.org`, `ip 192.0.2.7`, `all`. */
export function describeBlockFilter(f: BlockFilter): string {
  const parts = [f.login !== undefined ? `login ${f.login}` : '', f.ip !== undefined ? `ip ${f.ip}` : '', f.key !== undefined ? `key ${f.key}` : '', f.source !== undefined ? `source ${f.source}` : ''].filter(Boolean);
  return parts.length ? parts.join(' ') : 'all';
}

/** The source of the blocks an administrator placed by hand (`blocks add`, like fail2ban-client banip). */
export const ADMIN_BLOCK_SOURCE = 'admin';

/**
 * A ban by hand: an address or network, or a login, in one domain, for `ms`.
 * The host enforces it (AdminBans), whatever plugins are enabled.
 */
export async function addAdminBlock(store: HostStore, o: { domain: string; login?: string; network?: string; reason: string; actor: string; at: number; ms: number }): Promise<Block> {
  const block: Block = {
    key: `admin:${o.network ?? '*'}|${o.login ?? '*'}`,
    domain: o.domain,
    ...(o.login ? { login: o.login } : {}),
    ...(o.network ? { network: o.network } : {}),
    reason: o.reason,
    source: ADMIN_BLOCK_SOURCE,
    createdAt: o.at,
    expiresAt: o.at + o.ms,
    strikes: 1,
    data: { by: o.actor },
  };
  await store.putBlock(block);
  await store.appendAudit({ at: o.at, actor: o.actor, action: 'blocks.add', subject: `blocks:${o.login ? `login ${o.login}` : `ip ${o.network}`}`, domain: o.domain, after: block, reason: o.reason });
  await store.publish('blocks');
  return block;
}
