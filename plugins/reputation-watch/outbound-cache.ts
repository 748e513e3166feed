import { isIP } from 'node:net';
import { injectable } from 'inversify';
import type { Outbound } from './outbound-ips';

/**
 * The outbound addresses the service last found, lent to the onMail hook: a
 * rejection that does not name our address is put on the only one of the
 * relay's address family, when there is only one.
 */
@injectable()
export class OutboundCache {
  current: Outbound | undefined;

  /** Our address for a reply that names none: the single outbound address of the remote's family, else `unknown`. */
  guess(remote: string | undefined): string {
    const ips = this.current?.ips ?? [];
    const family = remote ? isIP(remote) : 0;
    const candidates = family ? ips.filter((ip) => isIP(ip) === family) : ips;
    return candidates.length === 1 ? candidates[0] : 'unknown';
  }
}
