import { type BlockFilter, normalizeIp } from '../../../../shared';
import type { AdminPort } from '../../../core/ports';
import { clearBlocksAudited, describeBlockFilter } from '../../../core/services/block-admin';
import { HttpError } from '../http-error';
import type { RouteModule } from '../router';
import { domainField, loginField } from './params';

const FILTER_PROPS = {
  domain: { type: 'string', minLength: 1, maxLength: 253 },
  login: { type: 'string', minLength: 1, maxLength: 320 },
  ip: { type: 'string', minLength: 1, maxLength: 64, description: 'An address: blocks whose network contains it.' },
  key: { type: 'string', minLength: 1, maxLength: 512 },
  source: { type: 'string', minLength: 1, maxLength: 100, description: 'Plugin that created the block.' },
};

/** A filter from request fields, each normalised like the stores key them; errors name the field. */
function blockFilter(app: AdminPort, f: Partial<Record<keyof typeof FILTER_PROPS, string>>, prefix: string): BlockFilter {
  let ip: string | undefined;
  if (f.ip !== undefined) {
    ip = normalizeIp(f.ip);
    if (!ip) throw new HttpError(400, `ip: "${f.ip}" is not an IPv4 or IPv6 address`, [{ path: `${prefix}ip`, message: 'is not an IPv4 or IPv6 address', rule: 'ip' }]);
  }
  return {
    ...(f.domain !== undefined ? { domain: domainField(f.domain, `${prefix}domain`) } : {}),
    ...(f.login !== undefined ? { login: loginField(app, f.login, `${prefix}login`) } : {}),
    ...(ip !== undefined ? { ip } : {}),
    ...(f.key !== undefined ? { key: f.key } : {}),
    ...(f.source !== undefined ? { source: f.source } : {}),
  };
}

/** Active blocks (brute force and others) and clearing them (CLI: `mailwarden blocks`). */
export const blockRoutes: RouteModule = (r) => {
  r.add<never, Partial<Record<keyof typeof FILTER_PROPS, string>>>({
    method: 'GET',
    path: '/api/blocks',
    tag: 'blocks',
    summary: 'Active blocks, optionally filtered',
    query: { properties: FILTER_PROPS },
    async handle({ app, query }) {
      return app.store.listBlocks(blockFilter(app, query, '?'), app.clock.now());
    },
  });
  r.add<Partial<Record<keyof typeof FILTER_PROPS, string>> & { all?: boolean; reason?: string }>({
    method: 'POST',
    path: '/api/blocks/clear',
    tag: 'blocks',
    summary: 'Lift the blocks matching a filter (or every block with all: true); every node sees it at once',
    description: 'At least one of domain, login, ip, key, source, or all: true is required.',
    body: {
      type: 'object',
      additionalProperties: false,
      properties: { ...FILTER_PROPS, all: { const: true }, reason: { type: 'string', maxLength: 500 } },
    },
    async handle({ app, body, actor }) {
      const filter = blockFilter(app, body, '/');
      if (Object.keys(filter).length === 0 && body.all !== true) {
        throw new HttpError(400, 'say which blocks to clear: domain, login, ip, key or source, or all: true', [{ path: '/', message: 'needs at least one of domain, login, ip, key, source, or all: true', rule: 'required' }]);
      }
      const cleared = await clearBlocksAudited(app.store, { filter, actor, at: app.clock.now(), what: describeBlockFilter(filter), ...(body.reason ? { reason: body.reason } : {}) });
      return { cleared: cleared.length, blocks: cleared };
    },
  });
};
