import { execFile } from 'node:child_process';
import { isIP } from 'node:net';
import os from 'node:os';

export interface Outbound {
  readonly ips: readonly string[];
  /** Where they came from: the config, Postfix's smtp_bind_address(6), or the host's interfaces. */
  readonly source: 'config' | 'postconf' | 'interfaces';
  /** Set when a source failed and the next one was used. */
  readonly problem?: string;
}

/** Runs argv (no shell) and returns its stdout; rejects on failure or after 5 s. */
export type RunCommand = (argv: readonly string[]) => Promise<string>;

export const runCommand: RunCommand = (argv) =>
  new Promise((resolve, reject) => {
    if (argv.length === 0) return reject(new Error('empty command'));
    execFile(argv[0], argv.slice(1), { timeout: 5000, maxBuffer: 64 * 1024 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });

/**
 * Whether a DNSBL can say anything about the address: only public unicast
 * addresses are ever listed (a private address only reaches a list as its
 * test entry 127.0.0.2 or by mistake).
 */
export function isPublic(ip: string): boolean {
  const v = isIP(ip);
  if (v === 4) {
    const [a, b] = ip.split('.').map(Number);
    return !(a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b < 128) || (a === 169 && b === 254) || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || a >= 224);
  }
  if (v === 6) {
    const l = ip.toLowerCase();
    return !(l === '::1' || l === '::' || l.startsWith('fe8') || l.startsWith('fe9') || l.startsWith('fea') || l.startsWith('feb') || l.startsWith('fc') || l.startsWith('fd') || l.startsWith('ff') || l.startsWith('::ffff:'));
  }
  return false;
}

/**
 * The addresses our mail leaves from: configured ones as they are; else
 * Postfix's smtp_bind_address / smtp_bind_address6 when set; else the host's
 * public interface addresses.
 */
export async function outboundAddresses(configured: readonly string[], postconf: readonly string[], run: RunCommand = runCommand): Promise<Outbound> {
  const valid = configured.filter((ip) => isIP(ip));
  if (valid.length) return { ips: [...new Set(valid)], source: 'config' };
  let problem: string | undefined;
  if (postconf.length) {
    try {
      const out = await run(postconf);
      const ips = out.split(/\s+/).filter((w) => w && isIP(w) && w !== '0.0.0.0' && w !== '::');
      if (ips.length) return { ips: [...new Set(ips)], source: 'postconf' };
    } catch (e) {
      problem = `${postconf[0]} failed: ${String((e as Error).message).split('\n')[0].slice(0, 200)}`;
    }
  }
  const ips: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const i of list ?? []) if (!i.internal && isPublic(i.address) && !ips.includes(i.address)) ips.push(i.address);
  }
  return { ips, source: 'interfaces', ...(problem ? { problem } : {}) };
}
