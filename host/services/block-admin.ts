import { type Block, type BlockFilter, oneLine } from '../../shared';
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
