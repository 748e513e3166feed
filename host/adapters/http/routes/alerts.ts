import type { RouteModule } from '../router';
import { domainField } from './params';

/** The alert feed and the audit trail. */
export const alertRoutes: RouteModule = (r) => {
  r.add<never, { limit: number }>({
    method: 'GET',
    path: '/api/alerts',
    tag: 'alerts',
    summary: 'Recent notifications (newest first), as sent to admins',
    query: { properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 } } },
    async handle({ app, query }) {
      return app.notifier.recent(query.limit);
    },
  });
  r.add<never, { domain?: string; subject?: string; since?: number; limit: number }>({
    method: 'GET',
    path: '/api/audit',
    tag: 'alerts',
    summary: 'The audit trail: who changed what, when (newest first)',
    query: {
      properties: {
        domain: { type: 'string', minLength: 1, maxLength: 253 },
        subject: { type: 'string', minLength: 1, maxLength: 200, description: 'Subject prefix, e.g. `plugin:` or `account:alice@example.com`.' },
        since: { type: 'integer', minimum: 0, description: 'Epoch milliseconds.' },
        limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
      },
    },
    async handle({ app, query }) {
      return app.store.listAudit({
        ...(query.domain ? { domain: query.domain === '*' ? '*' : domainField(query.domain, '?domain') } : {}),
        ...(query.subject ? { subjectPrefix: query.subject } : {}),
        ...(query.since !== undefined ? { since: query.since } : {}),
        limit: query.limit,
      });
    },
  });
};
