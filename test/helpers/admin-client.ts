import * as http from 'node:http';
import type { App } from '../../host/core/app';
import { AdminServer } from '../../host/adapters/http/admin-server';
import { buildFixturePlugin, hooksPlugin, tempDir } from './plugin-fixture';
import { testApp, type TestAppOptions } from './test-app';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/** A configurable plugin for console and API tests: a form with every kind of field. */
export function demoPlugin(id = 'demo-guard') {
  return hooksPlugin(id, `beforeAuth(a) { return undefined; }`, {
    name: 'Demo guard',
    description: 'A plugin with a config of every field type',
    enabledByDefault: false,
    configSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxFailures: { type: 'integer', minimum: 1, maximum: 100, default: 3, description: 'Failures before a block' },
        blockMinutes: { type: 'number', minimum: 0, default: 20 },
        mode: { enum: ['block', 'tarpit'], default: 'block' },
        notify: { type: 'boolean', default: true },
        label: { type: 'string', maxLength: 20, default: '' },
        trustedNetworks: { type: 'array', items: { type: 'string', minLength: 1 }, default: ['127.0.0.0/8'] },
      },
    },
  });
}

export interface CallOptions {
  body?: unknown;
  /** The admin token to send; null sends none. Default: the right one. */
  token?: string | null;
  headers?: Record<string, string>;
  /** Client address (127.0.0.N) the request comes from. */
  from?: string;
}

export interface Answer {
  status: number;
  body: any;
  headers: http.IncomingHttpHeaders;
}

/** One HTTP request with node:http (fetch cannot choose the client address). */
export function request(base: string, method: string, path: string, c: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...(c.headers ?? {}) };
  if (c.token !== null) headers.authorization = `Bearer ${c.token ?? ADMIN_TOKEN}`;
  const payload = c.body === undefined ? undefined : typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
  if (payload !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const req = http.request(base + path, { method, headers, ...(c.from ? { localAddress: c.from } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const json = (res.headers['content-type'] ?? '').startsWith('application/json');
        resolve({ status: res.statusCode ?? 0, body: json ? JSON.parse(text) : text, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export interface AdminHarness {
  app: App;
  server: AdminServer;
  base: string;
  dataDir: string;
  /** fetch against the server; adds the token unless `token: null`. */
  call(method: string, path: string, o?: CallOptions): Promise<Answer>;
  close(): Promise<void>;
}

export async function startAdmin(o: TestAppOptions & { plugins?: boolean } = {}): Promise<AdminHarness> {
  const pluginDir = o.pluginDir ?? tempDir('mw-plugins-');
  if (o.plugins !== false && !o.pluginDir) buildFixturePlugin(pluginDir, demoPlugin());
  const t = await testApp({ ...o, pluginDir, config: { admin: { token: ADMIN_TOKEN }, ...o.config } });
  await t.app.loadPlugins();
  const server = new AdminServer(t.app, { host: '127.0.0.1', port: 0 });
  const addr = await server.start();
  const base = `http://127.0.0.1:${addr.port}`;
  return {
    app: t.app,
    server,
    base,
    dataDir: t.dataDir,
    call: (method, path, c) => request(base, method, path, c),
    async close() {
      await server.stop();
      await t.app.close();
    },
  };
}
