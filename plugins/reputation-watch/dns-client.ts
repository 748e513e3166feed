import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';

/** One A lookup as the DNSBL check needs it: an answer, "no such name", or why there is none. */
export type ALookup =
  | { readonly kind: 'answer'; readonly addresses: readonly string[]; readonly ttl: number }
  | { readonly kind: 'nxdomain' }
  | { readonly kind: 'refused' }
  | { readonly kind: 'error'; readonly code: string };

export interface DnsClient {
  a(name: string): Promise<ALookup>;
  /** TXT strings of the name, joined per record; empty on any failure (the reason is a nicety). */
  txt(name: string): Promise<string[]>;
}

/**
 * `host`, `host:port`, `[v6]` or `[v6]:port` as node's Resolver.setServers takes
 * them; throws a message naming the entry otherwise (only addresses: a resolver
 * by name would need a resolver).
 */
export function checkServer(entry: string): string {
  const bracket = /^\[([0-9a-fA-F:.]{2,45})\](?::([0-9]{1,5}))?$/.exec(entry);
  const plain = /^([0-9.]{7,15})(?::([0-9]{1,5}))?$/.exec(entry);
  const addr = bracket?.[1] ?? plain?.[1] ?? (isIP(entry) === 6 ? entry : undefined);
  const port = bracket?.[2] ?? plain?.[2];
  if (!addr || !isIP(addr) || (port !== undefined && (Number(port) < 1 || Number(port) > 65535))) {
    throw new Error(`resolver "${entry}" is not an address (IPv4, IPv6, [IPv6], optionally with :port)`);
  }
  return entry;
}

/**
 * node:dns with the servers the admin chose (none: the system's). Spamhaus and
 * others refuse public resolvers, so the admin may point this at a local one.
 */
export class NodeDnsClient implements DnsClient {
  private readonly resolver: dns.Resolver;

  constructor(servers: readonly string[], timeoutMs: number) {
    this.resolver = new dns.Resolver({ timeout: timeoutMs, tries: 2 });
    if (servers.length) this.resolver.setServers(servers.map(checkServer));
  }

  async a(name: string): Promise<ALookup> {
    try {
      const r = await this.resolver.resolve4(name, { ttl: true });
      return { kind: 'answer', addresses: r.map((x) => x.address), ttl: Math.min(...r.map((x) => x.ttl)) };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
      // ENOTFOUND is NXDOMAIN; ENODATA is a name without A records: both mean "not listed".
      if (code === 'ENOTFOUND' || code === 'ENODATA') return { kind: 'nxdomain' };
      if (code === 'EREFUSED') return { kind: 'refused' };
      return { kind: 'error', code };
    }
  }

  async txt(name: string): Promise<string[]> {
    try {
      return (await this.resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
    } catch {
      return [];
    }
  }
}
