import { cidrContains, parseCidr, parseIp } from './net';
import type { Block, BlockFilter } from './state';

/** One definition of "this block matches that filter", used by every store (the host's and the test kit's). */
export function blockMatcher(filter: BlockFilter): (b: Block) => boolean {
  const ip = filter.ip !== undefined ? parseIp(filter.ip) : undefined;
  if (filter.ip !== undefined && !ip) return () => false;
  return (b) => {
    if (filter.domain !== undefined && b.domain !== filter.domain) return false;
    if (filter.key !== undefined && b.key !== filter.key) return false;
    if (filter.login !== undefined && b.login !== filter.login) return false;
    if (filter.source !== undefined && b.source !== filter.source) return false;
    if (ip) {
      if (!b.network) return false;
      const net = parseCidr(b.network);
      if (!net.ok || !cidrContains(net.cidr, ip)) return false;
    }
    return true;
  };
}
