import type { HttpLimits } from '../../tools/http/http-listener';
import type { HostConfig } from './host-config';
import { ValidationError } from '../validation/ajv';

export interface PostfixLimits {
  readonly maxConnections: number;
  readonly idleTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxRequestBytes: number;
}

export interface ListenerLimits {
  readonly admin: HttpLimits;
  readonly dovecot: HttpLimits;
  readonly postfix: PostfixLimits;
}

/**
 * The process may hold 1024 files (the usual soft limit, and the unit's);
 * the store, the logs, a Redis connection and the commands mailwarden runs
 * need some of them, so the listeners together get at most this many.
 */
export const MAX_TOTAL_CONNECTIONS = 896;

export const DEFAULT_LIMITS: ListenerLimits = {
  admin: { maxConnections: 64, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, idleTimeoutMs: 60_000, maxHeaderBytes: 16_384 },
  dovecot: { maxConnections: 256, headersTimeoutMs: 10_000, requestTimeoutMs: 10_000, keepAliveTimeoutMs: 30_000, idleTimeoutMs: 60_000, maxHeaderBytes: 8_192 },
  postfix: { maxConnections: 256, idleTimeoutMs: 330_000, requestTimeoutMs: 10_000, maxRequestBytes: 32_768 },
};

/**
 * The limits of the config (schema defaults filled in), checked as a whole:
 * a sum of caps above MAX_TOTAL_CONNECTIONS is refused with the reason.
 */
export function listenerLimits(config: Pick<HostConfig, 'source'> & { limits?: Partial<{ [K in keyof ListenerLimits]: Partial<ListenerLimits[K]> }> }): ListenerLimits {
  const l = config.limits ?? {};
  const limits: ListenerLimits = {
    admin: { ...DEFAULT_LIMITS.admin, ...l.admin },
    dovecot: { ...DEFAULT_LIMITS.dovecot, ...l.dovecot },
    postfix: { ...DEFAULT_LIMITS.postfix, ...l.postfix },
  };
  const sum = limits.admin.maxConnections + limits.dovecot.maxConnections + limits.postfix.maxConnections;
  if (sum > MAX_TOTAL_CONNECTIONS) {
    throw new ValidationError(config.source ?? 'configuration', [{
      path: '/limits',
      message: `the listeners' maxConnections add up to ${sum}; at most ${MAX_TOTAL_CONNECTIONS} leaves room under the open-file limit (1024) for the store and logs`,
      rule: 'maxConnections',
    }]);
  }
  return limits;
}
