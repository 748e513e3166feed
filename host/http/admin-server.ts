import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '../app';
import type { Gateway } from '../gateways/gateway';
import type { ListenAddress } from '../gateways/listen-address';
import { resolveAdminToken, tokenMatches } from './admin-token';
import { closeServer } from './close-server';

/**
 * The admin listener: health and metrics for now; the admin API and console
 * mount here. Every request needs the admin token (`Authorization: Bearer …`
 * or `X-Mailwarden-Token`).
 */
export class AdminServer implements Gateway {
  readonly name = 'admin';
  private server: http.Server | undefined;
  private token = '';

  constructor(private readonly app: App, private readonly address: ListenAddress) {}

  async start(): Promise<ListenAddress> {
    this.token = resolveAdminToken(this.app.config).token;
    this.server = http.createServer((req, res) => {
      const t0 = process.hrtime.bigint();
      res.once('finish', () => this.app.metrics.observe('gateway_request_duration_seconds', Number(process.hrtime.bigint() - t0) / 1e9, { gateway: 'admin' }));
      this.handle(req, res).catch((e) => {
        this.app.logger.error({ err: (e as Error).message, url: req.url }, 'admin request failed');
        if (!res.headersSent) send(res, 500, { error: 'internal error' });
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.address.port, this.address.host, () => resolve());
    });
    const a = this.server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const auth = req.headers.authorization;
    const given = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : (req.headers['x-mailwarden-token'] as string | undefined);
    if (!tokenMatches(given, this.token)) return send(res, 401, { error: 'missing or wrong admin token' });
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/healthz') {
      return send(res, 200, {
        status: 'ok',
        plugins: this.app.registry.active.map((p) => p.manifest.id),
        failed: this.app.registry.failures.map((f) => ({ id: f.id, reason: f.reason })),
        store: this.app.store.backend,
      });
    }
    if (req.method === 'GET' && url.pathname === '/metrics') {
      res.writeHead(200, { 'content-type': this.app.metrics.registry.contentType });
      res.end(await this.app.metrics.text());
      return;
    }
    send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }
}

export function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}
