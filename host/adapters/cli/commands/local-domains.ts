import { normalizeDomain, UsageError } from '../../../../shared';
import type { Parsed } from '../cli-context';

/** The option both log readers take (`logs scan`, `relay audit`): one rule, the same counts. */
export const LOCAL_DOMAIN_OPTION = { 'local-domain': { type: 'string', multiple: true } } as const;

export const LOCAL_DOMAIN_USAGE = `  --local-domain D[,D…]
                     domains this server takes mail in for: mail from an unauthenticated client to a
                     recipient there is inbound, passed on (an MX gateway forwarding to the mail store,
                     a content filter on another host), not relaying. Whole names (a subdomain is
                     another domain); repeatable`;

/** The --local-domain values, each checked and in the form the log's addresses are compared in. */
export function localDomainsOf(p: Parsed, command: string): string[] | undefined {
  const given = p.values['local-domain'] as string[] | undefined;
  if (!given) return undefined;
  const out: string[] = [];
  for (const item of given.flatMap((v) => v.split(','))) {
    try {
      out.push(normalizeDomain(item.trim()));
    } catch (e) {
      throw new UsageError(`${command}: --local-domain: ${(e as Error).message}`);
    }
  }
  return out;
}
