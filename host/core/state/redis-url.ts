import type { ClusterNode, ClusterOptions, RedisOptions } from 'ioredis';

/** How to reach Redis, as ioredis wants it: one server (or Sentinel-managed master), or a Cluster. */
export type RedisTarget =
  | { readonly kind: 'server'; readonly url: string }
  | { readonly kind: 'sentinel'; readonly options: RedisOptions }
  | { readonly kind: 'cluster'; readonly nodes: ClusterNode[]; readonly options: ClusterOptions };

export class RedisUrlError extends Error {
  override readonly name = 'RedisUrlError';
}

interface HostPort {
  host: string;
  port: number;
}

function fail(url: string, why: string): never {
  // The URL may carry a password: name the problem, not the whole value.
  throw new RedisUrlError(`state.url ${redact(url)}: ${why}`);
}

function redact(url: string): string {
  const scheme = url.indexOf('://');
  const at = url.lastIndexOf('@');
  if (scheme < 0 || at < scheme) return `"${url}"`;
  return `"${url.slice(0, scheme + 3)}***@${url.slice(at + 1)}"`;
}

function hostPort(url: string, s: string, defaultPort: number): HostPort {
  let host = s;
  let portText = '';
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) fail(url, `"${s}" has an unclosed [`);
    host = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest && !rest.startsWith(':')) fail(url, `unexpected "${rest}" after [${host}]`);
    portText = rest.slice(1);
  } else {
    const colon = s.lastIndexOf(':');
    if (colon >= 0) {
      host = s.slice(0, colon);
      portText = s.slice(colon + 1);
    }
  }
  if (!host) fail(url, `a host is missing in "${s}"`);
  const port = portText === '' ? defaultPort : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(url, `port "${portText}" of ${host} is not a port number`);
  return { host, port };
}

/**
 * Reads `state.url`. Plain `redis://` and `rediss://` URLs go to ioredis as
 * they are; two more schemes name ioredis' own Sentinel and Cluster support:
 *   redis-sentinel://[[user]:password@]host:port[,host:port...]/MASTERNAME[/DB]
 *   redis-cluster://[[user]:password@]host:port[,host:port...]
 * (`rediss-sentinel://`, `rediss-cluster://` for TLS).
 */
export function parseRedisUrl(url: string): RedisTarget {
  const sep = url.indexOf('://');
  if (sep < 0) fail(url, 'expected a URL such as redis://127.0.0.1:6379');
  const scheme = url.slice(0, sep).toLowerCase();
  if (scheme === 'redis' || scheme === 'rediss') return { kind: 'server', url };
  const tls = scheme.startsWith('rediss-');
  const kind = scheme.replace(/^rediss?-/, '');
  if (kind !== 'sentinel' && kind !== 'cluster') {
    fail(url, `unknown scheme "${scheme}" (use redis, rediss, redis-sentinel, rediss-sentinel, redis-cluster or rediss-cluster)`);
  }
  const rest = url.slice(sep + 3);
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const pathPart = slash < 0 ? '' : rest.slice(slash + 1);
  const at = authority.lastIndexOf('@');
  const auth: { username?: string; password?: string } = {};
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    const user = decodeURIComponent(colon < 0 ? userinfo : userinfo.slice(0, colon));
    const pass = colon < 0 ? '' : decodeURIComponent(userinfo.slice(colon + 1));
    if (user) auth.username = user;
    if (pass) auth.password = pass;
  }
  const hostList = (at >= 0 ? authority.slice(at + 1) : authority).split(',').filter((h) => h !== '');
  if (hostList.length === 0) fail(url, 'no host given');
  const tlsOption = tls ? { tls: {} } : {};
  if (kind === 'cluster') {
    if (pathPart) fail(url, 'a cluster URL takes no path (a Redis Cluster has only database 0)');
    const nodes = hostList.map((h) => hostPort(url, h, 6379));
    return { kind: 'cluster', nodes, options: { redisOptions: { ...auth, ...tlsOption } } };
  }
  const [name, dbText, ...extra] = pathPart.split('/');
  if (!name) fail(url, 'the master name is missing (redis-sentinel://host:26379/mymaster)');
  if (extra.length) fail(url, `unexpected path "/${extra.join('/')}"`);
  const db = dbText === undefined || dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) fail(url, `database "${dbText}" is not a number`);
  const sentinels = hostList.map((h) => hostPort(url, h, 26379));
  return {
    kind: 'sentinel',
    options: { sentinels, name, db, ...auth, ...(auth.password ? { sentinelPassword: auth.password } : {}), ...tlsOption, ...(tls ? { enableTLSForSentinelMode: true } : {}) },
  };
}
