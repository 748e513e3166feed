import { Reply, type RouteModule } from '../router';
import { openApiDocument } from '../openapi';
import { processFaults } from '../../../core/services/process-faults';
import { version } from '../../../core/version';
import type { AdminPort } from '../../../core/ports';
import { listenerReadiness } from '../../../core/readiness';
import { storeHealth } from '../../../core/state/host-store';

/** Whether this process can answer the mail servers: its store answers and every listener serve meant to start is up. */
function readiness(app: AdminPort): { ready: boolean; storeUnavailable: boolean; listenersDown: string[] } {
  const storeUnavailable = storeHealth(app.store)();
  const listenersDown = listenerReadiness.missing();
  return { ready: !storeUnavailable && listenersDown.length === 0, storeUnavailable, listenersDown };
}

/**
 * Liveness and readiness for probes (systemd, monitoring, a load balancer):
 * no token, and nothing in them but the status, since the admin listener may
 * be reachable from where an attacker is. The details (plugins, store, faults)
 * are behind the token at /api/health. Also Prometheus metrics and the API's
 * own description.
 */
export const healthRoutes: RouteModule = (r) => {
  r.add({
    method: 'GET',
    path: '/healthz',
    tag: 'health',
    summary: 'Liveness, without a token: {"status":"ok"} while the process answers',
    public: true,
    async handle() {
      return { status: 'ok' };
    },
  });
  r.add({
    method: 'GET',
    path: '/readyz',
    tag: 'health',
    summary: 'Readiness, without a token: 200 {"status":"ready"} when the store answers and every listener is up, else 503 {"status":"not ready"}',
    public: true,
    async handle({ app }) {
      return readiness(app).ready ? { status: 'ready' } : new Reply(503, { status: 'not ready' });
    },
  });
  r.add({
    method: 'GET',
    path: '/api/health',
    tag: 'health',
    summary: 'Health details: readiness and why, loaded and failed plugins, store backend, uncaught faults',
    async handle({ app }) {
      const r = readiness(app);
      return {
        status: r.ready ? 'ready' : 'not ready',
        listenersDown: r.listenersDown,
        plugins: app.registry.active.map((p) => p.manifest.id),
        failed: app.registry.failures.map((f) => ({ id: f.id, reason: f.reason })),
        store: app.store.backend,
        storeUnavailable: r.storeUnavailable,
        // Set when the SQLite file failed under a running server and decisions come from memory.
        storeDegraded: (app.store as { degraded?: string }).degraded ?? null,
        // Redis: the local read path's state (synced, staleness against its bound).
        storeReplica: (app.store as { replicaStatus?: () => unknown }).replicaStatus?.() ?? null,
        unhandledRejections: processFaults.unhandledRejections,
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
