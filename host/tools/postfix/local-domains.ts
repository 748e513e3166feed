import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { mainCfTokens } from '../../../shared/postfix-list';
import { normalizeDomain } from '../../../shared/address';
import { parseMainCfOutput } from './doctor';
import type { PostfixConfig } from './postfix-config';

/*
 * The domains a Postfix instance takes mail in for, read from its own
 * configuration, for the log readers' local-domain rule (`relay audit`,
 * `logs scan`): on an MX gateway, mail from the Internet to these domains is
 * passed on over SMTP, and without them every such message would look like
 * relaying. Postfix's four address classes name them: mydestination (local),
 * virtual_alias_domains, virtual_mailbox_domains and relay_domains. Each
 * is a list of names, "/file/name" (a list read from the file) and
 * "type:table" lookup tables (listed with `postmap -s`, from the same
 * command_directory as postconf itself). What cannot be read this way
 * (a database table, a subdomain pattern, an exclusion) is said, not guessed.
 */

/** The main.cf parameters that name the domains Postfix receives mail for. */
export const DOMAIN_PARAMS = ['mydestination', 'virtual_alias_domains', 'virtual_mailbox_domains', 'relay_domains'] as const;

export interface PostfixDomains {
  /** Normalised (lower case, A-labels), each once, in the order found. */
  readonly domains: string[];
  /** Items not taken, each with why. */
  readonly skipped: string[];
}

/** Runs a program; rejects with its stderr's last line (Postfix's `fatal:` line) or why it could not run. */
function run(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 30_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const last = String(stderr ?? '').trim().split('\n').pop();
      reject(new Error(last || ((err as NodeJS.ErrnoException).code === 'ENOENT' ? `${cmd} is not installed` : err.message)));
    });
  });
}

/** `type:name` (hash:/etc/postfix/x, proxy:mysql:/…, inline:{ … }): a lookup table, by its type's name (letters, digits, `_`). */
function isTable(item: string): boolean {
  const colon = item.indexOf(':');
  if (colon <= 0) return false;
  for (let i = 0; i < colon; i++) {
    const c = item.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57 && i > 0) || c === 95)) return false;
  }
  return true;
}

/** A list value's items, an `inline:{ … }` table kept whole (mainCfTokens splits the group off its type). */
function listItems(value: string): string[] {
  const out: string[] = [];
  for (const t of mainCfTokens(value)) {
    if (t.startsWith('{') && out.length && out[out.length - 1].endsWith(':')) out[out.length - 1] += t;
    else if (!t.startsWith('{')) out.push(t);
  }
  return out;
}

/**
 * Reads the domains of the instance in `config` (its configDir, or the
 * default instance). Rejects only when postconf itself cannot be run: an
 * item it cannot read is in `skipped`.
 */
export async function postfixLocalDomains(config: Pick<PostfixConfig, 'configDir' | 'postconfPath'>): Promise<PostfixDomains> {
  const c = config.configDir ? ['-c', config.configDir] : [];
  const values = parseMainCfOutput(await run(config.postconfPath, [...c, '-x', ...DOMAIN_PARAMS, 'command_directory']));
  // postmap beside the postconf that was asked, unless Postfix names its own command directory.
  const commandDir = values.command_directory && path.isAbsolute(values.command_directory) ? values.command_directory : path.dirname(config.postconfPath);
  const postmap = path.join(commandDir, 'postmap');
  const domains = new Set<string>();
  const skipped: string[] = [];

  const addName = (name: string, where: string) => {
    if (name.startsWith('.')) return void skipped.push(`${name} (${where}): a subdomain pattern; only whole names are matched`);
    if (name.startsWith('!')) return void skipped.push(`${name} (${where}): an exclusion; the domains it excludes are not taken out`);
    try {
      domains.add(normalizeDomain(name));
    } catch (e) {
      skipped.push(`${name} (${where}): ${(e as Error).message}`);
    }
  };

  const addTable = async (table: string, where: string) => {
    // proxymap serves the same table to Postfix's daemons: postmap reads it directly.
    const direct = table.startsWith('proxy:') ? table.slice('proxy:'.length) : table;
    let listed: string;
    try {
      listed = await run(postmap, [...c, '-s', direct]);
    } catch (e) {
      return void skipped.push(`${table} (${where}): cannot be listed (${(e as Error).message}); name its domains with --local-domain`);
    }
    for (const line of listed.split('\n')) {
      let end = 0;
      while (end < line.length && line[end] !== ' ' && line[end] !== '\t') end++;
      const key = line.slice(0, end);
      // Postfix looks a domain up by its name: a table of addresses (virtual_alias_maps, the
      // default of virtual_alias_domains) holds the domain's own key beside `user@domain` and `@domain`.
      if (key && !key.includes('@')) addName(key, `${where}, ${table}`);
    }
  };

  for (const param of DOMAIN_PARAMS) {
    for (const item of listItems(values[param] ?? '')) {
      if (item.startsWith('/')) {
        let text: string;
        try {
          text = fs.readFileSync(item, 'utf8');
        } catch (e) {
          skipped.push(`${item} (${param}): cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
          continue;
        }
        for (const line of text.split('\n')) {
          const hash = line.indexOf('#');
          for (const name of listItems(hash < 0 ? line : line.slice(0, hash))) {
            if (isTable(name)) await addTable(name, `${param}, ${item}`);
            else addName(name, `${param}, ${item}`);
          }
        }
      } else if (isTable(item)) await addTable(item, param);
      else addName(item, param);
    }
  }
  return { domains: [...domains], skipped };
}
