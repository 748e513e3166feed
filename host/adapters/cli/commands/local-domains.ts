import { normalizeDomain, UsageError } from '../../../../shared';
import { postfixLocalDomains } from '../../../tools/postfix/local-domains';
import { CliContext, type Io, type Parsed, str } from '../cli-context';

/** The options both log readers take (`logs scan`, `relay audit`): one rule, the same counts. */
export const LOCAL_DOMAIN_OPTION = {
  'local-domain': { type: 'string', multiple: true },
  'postfix-domains': { type: 'boolean' },
  'postconf-dir': { type: 'string' },
} as const;

export const LOCAL_DOMAIN_USAGE = `  --local-domain D[,D…]
                     domains this server takes mail in for: mail from an unauthenticated client to a
                     recipient there is inbound, passed on (an MX gateway forwarding to the mail store,
                     a content filter on another host), not relaying. Whole names (a subdomain is
                     another domain); repeatable
  --postfix-domains  take those domains from this host's Postfix as well: mydestination,
                     virtual_alias_domains, virtual_mailbox_domains and relay_domains (\`postconf -x\`;
                     tables listed with \`postmap -s\`); what cannot be read is said on stderr
  --postconf-dir DIR the Postfix instance to read (default: postfix.configDir of the mailwarden config)`;

/** Domains read from Postfix that are named on stderr. */
const SHOWN = 20;

/** The --local-domain values, each checked and in the form the log's addresses are compared in. */
function givenDomains(p: Parsed, command: string): string[] {
  const out: string[] = [];
  for (const item of ((p.values['local-domain'] as string[] | undefined) ?? []).flatMap((v) => v.split(','))) {
    try {
      out.push(normalizeDomain(item.trim()));
    } catch (e) {
      throw new UsageError(`${command}: --local-domain: ${(e as Error).message}`);
    }
  }
  return out;
}

/**
 * The local domains: --local-domain's, and with --postfix-domains those of
 * this host's Postfix (said on stderr: which, and what could not be read).
 * Undefined when none was asked for.
 */
export async function localDomainsOf(p: Parsed, command: string, io: Io): Promise<string[] | undefined> {
  const given = givenDomains(p, command);
  if (str(p, 'postconf-dir') !== undefined && !p.values['postfix-domains']) throw new UsageError(`${command}: --postconf-dir is read only with --postfix-domains`);
  if (!p.values['postfix-domains']) return p.values['local-domain'] ? given : undefined;
  // The config is read only here: without --postfix-domains, logs scan starts without it.
  const postfix = new CliContext(io, p).config().postfix;
  const configDir = str(p, 'postconf-dir') ?? postfix.configDir;
  let found;
  try {
    found = await postfixLocalDomains({ postconfPath: postfix.postconfPath, ...(configDir ? { configDir } : {}) });
  } catch (e) {
    throw new Error(`${command}: --postfix-domains: cannot read the Postfix configuration: ${(e as Error).message} (set postfix.postconfPath in the config file if postconf is elsewhere)`);
  }
  const all = [...new Set([...given, ...found.domains])];
  // A hosting server may take mail in for thousands: the first few say enough on a terminal.
  const shown = found.domains.slice(0, SHOWN).join(', ') + (found.domains.length > SHOWN ? ` … (${found.domains.length} in all)` : '');
  io.stderr.write(`${command}: local domains from Postfix${configDir ? ` (${configDir})` : ''}: ${found.domains.length ? shown : 'none'}\n`);
  for (const s of found.skipped) io.stderr.write(`${command}: not read from Postfix: ${s}\n`);
  return all;
}
