import http from 'node:http';
import path from 'node:path';
import type { AdminPort } from '../../core/ports';
import type { Gateway } from '../../core/gateway';
import { listenerLimits } from '../../core/config/listener-limits';
import { createGuardedHttpServer } from '../../tools/http/http-listener';
import { type ListenAddress, listenOn } from '../../tools/listen-address';
import { packageRoot } from '../../core/paths';
import { AdminAuth } from './admin-auth';
import { SCRIPT_PREFIX, servePluginScript } from './console-views';
import { resolveAdminToken } from '../../core/config/admin-token';
import { closeServer } from '../../tools/http/close-server';
import { readJsonBody } from './body';
import { errorBody, HttpError, toHttpError } from './http-error';
import { langFromAcceptLanguage } from '../../core/password/lang';
import { checkBody, checkQuery, Reply, Router } from './router';
import { ROUTE_MODULES } from './routes';
import { SECURITY_HEADERS, StaticFiles } from './static-files';

const MAX_BODY = 256 * 1024;

/**
 * The admin listener: the JSON admin API under /api (plus /healthz and
 * /metrics) and the console's static files at /. Every API call needs the
 * admin token or a console session (see AdminAuth).
 */
export class AdminServer implements Gateway {
  readonly name = 'admin';
  private server: http.Server | undefined;
  readonly router = new Router();
  private auth: AdminAuth | undefined;
  private statics: StaticFiles | undefined;
  private readonly stopHooks: Array<() => void> = [];

  constructor(private readonly app: AdminPort, private readonly address: ListenAddress, private readonly consoleDir = path.join(packageRoot(), 'dist', 'console')) {}

  async start(): Promise<ListenAddress> {
    const auth = (this.auth = new AdminAuth(resolveAdminToken(this.app.config).token, this.app.clock));
    for (const m of ROUTE_MODULES) m(this.router, { auth, app: this.app, onStop: (fn) => this.stopHooks.push(fn) });
    this.statics = new StaticFiles(this.consoleDir);
    if (!this.statics.available) this.app.logger.warn({ dir: this.consoleDir }, 'console not built (run node build.mjs); the API works without it');
    const { server } = createGuardedHttpServer(
      listenerLimits(this.app.config).admin,
      (req, res) => {
        const t0 = process.hrtime.bigint();
        res.once('finish', () => this.app.metrics.observe('gateway_request_duration_seconds', Number(process.hrtime.bigint() - t0) / 1e9, { gateway: 'admin' }));
        this.handle(req, res).catch((e) => this.fail(req, res, e));
      },
      (reason) => this.app.metrics.increment('listener_connections_dropped', { listener: this.name, reason }),
    );
    this.server = server;
    return listenOn(server, this.address);
  }

  private fail(req: http.IncomingMessage, res: http.ServerResponse, e: unknown): void {
    const known = toHttpError(e);
    if (!known) this.app.logger.error({ err: (e as Error).message, method: req.method, path: (req.url ?? '').split('?')[0] }, 'admin request failed');
    if (res.headersSent) return void res.destroy();
    const err = known ?? new HttpError(500, 'internal error (see the mailwarden log)');
    send(res, err.status, errorBody(err), err.headers);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const isApi = url.pathname.startsWith('/api/') || url.pathname === '/healthz' || url.pathname === '/readyz' || url.pathname === '/metrics';
    if (!isApi && (method === 'GET' || method === 'HEAD') && url.pathname.startsWith(SCRIPT_PREFIX)) {
      // A plugin's view script is the console's code for that plugin: only a signed-in console (or the token) reads it.
      this.auth!.check(req, false);
      return servePluginScript(this.app, url.pathname, res, method === 'HEAD');
    }
    if (!isApi && (method === 'GET' || method === 'HEAD') && this.statics!.serve(url.pathname, res)) return;
    const m = this.router.match(method, url.pathname);
    const caller = m.route.public ? { actor: 'anonymous' } : this.auth!.check(req, method !== 'GET');
    const query = checkQuery(m, url.searchParams);
    const body = checkBody(m, method === 'GET' ? undefined : await readJsonBody(req, MAX_BODY));
    const acceptLang = langFromAcceptLanguage(req.headers['accept-language']);
    const result = await m.route.handle({ app: this.app, req, params: m.params, query, body, actor: caller.actor, lang: acceptLang ?? 'en', ...(acceptLang ? { acceptLang } : {}) });
    if (result instanceof Reply) send(res, result.status, result.body, result.headers);
    else send(res, 200, result);
  }

  stop(): Promise<void> {
    for (const fn of this.stopHooks.splice(0)) fn();
    return closeServer(this.server);
  }
}

/** JSON by default; a string body with its own content-type (e.g. /metrics) goes out as it is. */
export function send(res: http.ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const raw = typeof body === 'string' && headers['content-type'] !== undefined;
  const text = raw ? (body as string) : JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
