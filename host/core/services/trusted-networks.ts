import * as fs from 'node:fs';
import { type AuditEntry, type Cidr, cidrContains, formatCidr, LOOPBACK_NETWORKS, parseCidr, parseIp } from '../../../shared';
import type { App } from '../app';
import { GLOBAL } from '../domains/domain-settings';

export const DEFAULT_TRUSTED_TABLE = '/etc/postfix/mailwarden-trusted.cidr';

/** The trusted-ips table file from the plugin's global settings, when the plugin is loaded. */
export async function trustedTableFile(app: App): Promise<string> {
  const p = app.registry.active.find((x) => x.manifest.id === 'trusted-ips');
  if (!p) return DEFAULT_TRUSTED_TABLE;
  const eff = await app.settings.effective(GLOBAL, p);
  const f = eff.config.tableFile;
  return typeof f === 'string' && f ? f : DEFAULT_TRUSTED_TABLE;
}

/** Networks of a Postfix cidr: table (the `permit` lines; comments and `!`/if lines skipped) plus loopback. */
export function readCidrTable(text: string | undefined): Cidr[] {
  const out: Cidr[] = [];
  for (const n of LOOPBACK_NETWORKS) {
    const r = parseCidr(n);
    if (r.ok) out.push(r.cidr);
  }
  for (const line of (text ?? '').split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#') || t.startsWith('!') || t.startsWith('if') || t.startsWith('endif')) continue;
    const r = parseCidr(t.split(/\s+/)[0]);
    if (r.ok) out.push(r.cidr);
  }
  return out;
}

export function readFileOrUndefined(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function containsIp(nets: readonly Cidr[], ip: string): boolean {
  const p = parseIp(ip);
  return !!p && nets.some((n) => cidrContains(n, p));
}

/** From the audit trail: how a removed trusted-ips entry covering `ip` went (who, when). */
export function removalOf(audit: readonly AuditEntry[], ip: string): string | undefined {
  const p = parseIp(ip);
  if (!p) return undefined;
  for (const e of audit) {
    if (e.action !== 'trusted-ips.remove') continue;
    const before = e.before as { network?: unknown; exclude?: unknown } | null | undefined;
    if (!before || typeof before.network !== 'string' || before.exclude === true) continue;
    const r = parseCidr(before.network);
    if (r.ok && cidrContains(r.cidr, p)) return `${formatCidr(r.cidr)} removed by ${e.actor} at ${new Date(e.at).toISOString()}`;
  }
  return undefined;
}
