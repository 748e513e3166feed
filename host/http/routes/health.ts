import { Reply, type RouteModule } from '../router';
import { openApiDocument } from '../openapi';
import { version } from '../../version';

/** Liveness, Prometheus metrics and the API's own description. */
export const healthRoutes: RouteModule = (r) => {
  r.add({
    method: 'GET',
    path: '/healthz',
    tag: 'health',
    summary: 'Liveness: loaded and failed plugins, store backend',
    async handle({ app }) {
      return {
        status: 'ok',
        plugins: app.registry.active.map((p) => p.manifest.id),
        failed: app.registry.failures.map((f) => ({ id: f.id, reason: f.reason })),
        store: app.store.backend,
      };
    },
  });
  r.add({
    method: 'GET',
    path: '/metrics',
    tag: 'health',
    summary: 'Prometheus metrics (text exposition format)',
    async handle({ app }) {
      return new Reply(200, await app.metrics.text(), { 'content-type': app.metrics.registry.contentType });
    },
  });
  r.add({
    method: 'GET',
    path: '/api/openapi.json',
    tag: 'health',
    summary: 'This API, as an OpenAPI 3.1 document generated from the schemas it validates with',
    async handle() {
      return openApiDocument(r.specs, version());
    },
  });
};
