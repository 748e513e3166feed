import type { Config } from './config.generated';
import { cidrContains, parseCidr, parseIp, type Cidr, type Verdict } from '../../shared';

/** The plugin's per-domain config, as the host hands it (defaults filled in, validated). */
export type RateLimitConfig = Config;
export type LimitAction = Config['action'];
export type Limits = Pick<Config, 'recipientsPerHour' | 'recipientsPerDay' | 'messagesPerHour' | 'networksPerHour' | 'action'>;
export type UserOverride = Config['users'][number];

/** Postfix action → pipeline verdict; the policy gateway maps them back 1:1. */
export const ACTION_VERDICT: Readonly<Record<LimitAction, Verdict['action']>> = {
  DEFER_IF_PERMIT: 'tempfail',
  HOLD: 'hold',
  REJECT: 'deny',
};

/** An override's login as a full address: a bare local part belongs to the config's domain. */
function overrideLogin(login: string, domain: string): string {
  const l = login.trim().toLowerCase();
  return l.includes('@') ? l : `${l}@${domain}`;
}

/** The limits that apply to one account: the domain's, with the account's override on top. */
export function limitsFor(config: RateLimitConfig, login: string | undefined, domain: string): Limits {
  const base: Limits = {
    recipientsPerHour: config.recipientsPerHour,
    recipientsPerDay: config.recipientsPerDay,
    messagesPerHour: config.messagesPerHour,
    networksPerHour: config.networksPerHour,
    action: config.action,
  };
  if (!login) return base;
  const o = config.users.find((u) => overrideLogin(u.login, domain) === login);
  if (!o) return base;
  const { login: _ignored, ...rest } = o;
  return { ...base, ...rest };
}

const cidrCache = new WeakMap<readonly string[], Cidr[]>();

/**
 * Whether an unauthenticated client is one of the trusted relays (mynetworks)
 * the plugin counts by address. Unparsable entries are skipped: the host
 * validated the config shape, not every string in it.
 */
export function isTrustedClient(config: RateLimitConfig, address: string): boolean {
  let nets = cidrCache.get(config.trustedClients);
  if (!nets) {
    nets = [];
    for (const t of config.trustedClients) {
      const p = parseCidr(t);
      if (p.ok) nets.push(p.cidr);
    }
    cidrCache.set(config.trustedClients, nets);
  }
  const ip = parseIp(address);
  return !!ip && nets.some((n) => cidrContains(n, ip));
}
