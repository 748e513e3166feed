/*
 * Issue 14, the listeners: a Dovecot listener that cannot be used without
 * its secret, and the three listeners (Dovecot, Postfix, admin) under
 * connection floods, slow heads and idle clients. Real sockets on loopback,
 * limits injected small; counts are bounded.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import type { App } from '../../../host/core/app';
import { DEFAULT_LIMITS, listenerLimits, MAX_TOTAL_CONNECTIONS } from '../../../host/core/config/listener-limits';
import { loadHostConfig } from '../../../host/core/config/host-config';
import { DovecotGateway } from '../../../host/adapters/gateways/dovecot/dovecot-gateway';
import { resolveDovecotSecret } from '../../../host/core/config/api-secret';
import { PostfixPolicyGateway } from '../../../host/adapters/gateways/postfix/policy-gateway';
import { AdminServer } from '../../../host/adapters/http/admin-server';
import { ValidationError } from '../../../host/core/validation/ajv';
import { policyRequest } from '../../helpers/policy-client';
import { tempDir } from '../../helpers/plugin-fixture';
import { testApp } from '../../helpers/test-app';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `ok()` (the client side sees a server's close a little later), at most `ms`. */
async function eventually(ok: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await sleep(10);
  return ok();
}
const BODY = JSON.stringify({ login: 'alice@example.com', remote: '192.0.2.1', pwhash: 'abc', protocol: 'imap', success: true, policy_reject: false });

function post(port: number, headers: Record<string, string>, body = BODY, command = 'report'): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: `/?command=${command}`, agent: false, headers: { 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function get(port: number, p = '/healthz'): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    }).on('error', reject);
  });
}

interface Held {
  socket: net.Socket;
  closed: boolean;
}

async function hold(port: number): Promise<Held> {
  const socket = net.connect(port, '127.0.0.1');
  const h: Held = { socket, closed: false };
  socket.on('close', () => (h.closed = true));
  socket.on('error', () => undefined);
  // Read what the server sends (a 408 before it closes), or 'close' would wait for the reader.
  socket.resume();
  await new Promise<void>((resolve) => {
    socket.once('connect', () => resolve());
    socket.once('close', () => resolve());
  });
  return h;
}

async function waitClosed(h: Held, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!h.closed && Date.now() < end) await sleep(10);
  return h.closed;
}

describe('the Dovecot secret: secure by default', () => {
  let app: App;
  let gw: DovecotGateway;
  let port: number;
  let dataDir: string;

  beforeAll(async () => {
    // No dovecot.apiHeader in the config: the default an admin gets.
    const t = await testApp({});
    app = t.app;
    dataDir = t.dataDir;
    gw = new DovecotGateway(app, { host: '127.0.0.1', port: 0 });
    port = (await gw.start()).port;
  });

  afterAll(async () => {
    await gw.stop();
    await app.close();
  });

  test('a secret is generated in the data directory, mode 600, and required: a forged success report gets 401', async () => {
    const file = path.join(dataDir, 'dovecot.secret');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{48}$/);
    expect((await post(port, { 'content-type': 'application/json' })).status).toBe(401);
    expect((await post(port, { 'content-type': 'application/json', authorization: 'Basic ZG92ZWNvdDp3cm9uZw==' })).status).toBe(401);
    const line = resolveDovecotSecret(app.config)!.headerLine;
    expect(line).toMatch(/^Authorization: Basic [A-Za-z0-9+/=]+$/);
    const value = line.slice('Authorization: '.length);
    expect((await post(port, { 'content-type': 'application/json', authorization: value })).status).toBe(200);
    // The same secret on the next start; a second resolve does not replace it.
    expect(resolveDovecotSecret(app.config)!.headerLine).toBe(line);
  });

  test("a browser's cross-site POST (no preflight: text/plain, forms) is refused even with the right header", async () => {
    const value = resolveDovecotSecret(app.config)!.headerLine.slice('Authorization: '.length);
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=b']) {
      expect((await post(port, { 'content-type': type, authorization: value })).status).toBe(415);
    }
    expect((await post(port, { authorization: value })).status).toBe(415);
  });
});

interface HttpPair {
  app: App;
  dovecot: DovecotGateway;
  admin: AdminServer;
  dport: number;
  aport: number;
  auth: string;
}

async function startHttp(http: Partial<typeof DEFAULT_LIMITS.dovecot>): Promise<HttpPair> {
  const limits = { admin: { ...DEFAULT_LIMITS.admin, ...http }, dovecot: { ...DEFAULT_LIMITS.dovecot, ...http }, postfix: DEFAULT_LIMITS.postfix };
  const t = await testApp({ config: { limits, admin: { token: 'test-admin-token-0123456789abcdef' } } });
  const dovecot = new DovecotGateway(t.app, { host: '127.0.0.1', port: 0 });
  const admin = new AdminServer(t.app, { host: '127.0.0.1', port: 0 });
  const dport = (await dovecot.start()).port;
  const aport = (await admin.start()).port;
  return { app: t.app, dovecot, admin, dport, aport, auth: resolveDovecotSecret(t.app.config)!.headerLine.slice('Authorization: '.length) };
}

async function stopHttp(p: HttpPair | undefined): Promise<void> {
  await p?.dovecot.stop();
  await p?.admin.stop();
  await p?.app.close();
}

describe('connection caps of the HTTP listeners (default timeouts: nothing closes on its own here)', () => {
  let p: HttpPair;
  const held: Held[] = [];
  beforeAll(async () => {
    p = await startHttp({ maxConnections: 4 });
  });
  afterEach(() => {
    for (const h of held.splice(0)) h.socket.destroy();
  });
  afterAll(() => stopHttp(p));

  test.each(['dovecot', 'admin'] as const)('%s: a full listener evicts its longest-idle connection for a new client', async (which) => {
    const port = which === 'dovecot' ? p.dport : p.aport;
    for (let i = 0; i < 4; i++) held.push(await hold(port));
    await sleep(30);
    const status = which === 'dovecot' ? (await post(port, { 'content-type': 'application/json', authorization: p.auth })).status : await get(port);
    expect(status).toBe(200);
    expect(await waitClosed(held[0], 1000)).toBe(true);
    expect(held.slice(1).map((h) => h.closed)).toEqual([false, false, false]);
    // A flood of 30 more never holds more than the cap open.
    for (let i = 0; i < 30; i++) held.push(await hold(port));
    expect(await eventually(() => held.filter((h) => !h.closed).length <= 4)).toBe(true);
  });
});

describe('timeouts of the HTTP listeners', () => {
  let p: HttpPair;
  let dport: number;
  let aport: number;
  let auth: string;
  const held: Held[] = [];

  beforeAll(async () => {
    p = await startHttp({ headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 200, idleTimeoutMs: 2000 });
    ({ dport, aport, auth } = p);
  });

  afterEach(() => {
    for (const h of held.splice(0)) h.socket.destroy();
  });

  afterAll(() => stopHttp(p));

  test.each(['dovecot', 'admin'] as const)('%s: a head larger than 8 KB, then trickled byte by byte, is cut off (head size cap or head timeout)', async (which) => {
    const port = which === 'dovecot' ? dport : aport;
    const h = await hold(port);
    held.push(h);
    const t0 = Date.now();
    // Past 8 KB first (where the old fast path handed the connection to node:http, which then never timed it out).
    h.socket.write(`POST /?command=allow HTTP/1.1\r\nHost: x\r\nX-Pad: ${'p'.repeat(8300)}`);
    const drip = setInterval(() => !h.closed && h.socket.write('a'), 5);
    try {
      expect(await waitClosed(h, 5000)).toBe(true);
    } finally {
      clearInterval(drip);
    }
    expect(Date.now() - t0).toBeLessThan(4000);
  });

  test.each(['dovecot', 'admin'] as const)('%s: a connection that sends nothing, and an idle keep-alive one, are closed', async (which) => {
    const port = which === 'dovecot' ? dport : aport;
    const silent = await hold(port);
    held.push(silent);
    expect(await waitClosed(silent, 3000)).toBe(true);
    const ka = await hold(port);
    held.push(ka);
    ka.socket.write(which === 'dovecot'
      ? `POST /?command=report HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(BODY)}\r\n\r\n${BODY}`
      : 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await waitClosed(ka, 2000)).toBe(true);
  });

  test('dovecot: a body that stops halfway is cut off at the request timeout', async () => {
    const h = await hold(dport);
    held.push(h);
    h.socket.write(`POST /?command=report HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"login":`);
    const drip = setInterval(() => !h.closed && h.socket.write(' '), 20);
    try {
      expect(await waitClosed(h, 3000)).toBe(true);
    } finally {
      clearInterval(drip);
    }
  });
});

test('a flood on every listener at once: each keeps to its cap, and all three still answer', async () => {
  const limits = {
    admin: { ...DEFAULT_LIMITS.admin, maxConnections: 10 },
    dovecot: { ...DEFAULT_LIMITS.dovecot, maxConnections: 10 },
    postfix: { ...DEFAULT_LIMITS.postfix, maxConnections: 10 },
  };
  const t = await testApp({ config: { limits, admin: { token: 'test-admin-token-0123456789abcdef' } } });
  const dovecot = new DovecotGateway(t.app, { host: '127.0.0.1', port: 0 });
  const admin = new AdminServer(t.app, { host: '127.0.0.1', port: 0 });
  const postfix = new PostfixPolicyGateway(t.app, { host: '127.0.0.1', port: 0 }, limits.postfix);
  const ports = [(await dovecot.start()).port, (await admin.start()).port, (await postfix.start()).port];
  const held: Held[] = [];
  try {
    for (const port of ports) for (let i = 0; i < 60; i++) held.push(await hold(port));
    // 180 connections made, at most 30 kept: a flood costs the process no more descriptors than the caps.
    expect(await eventually(() => held.filter((h) => !h.closed).length <= 30)).toBe(true);
    const auth = resolveDovecotSecret(t.app.config)!.headerLine.slice('Authorization: '.length);
    expect((await post(ports[0], { 'content-type': 'application/json', authorization: auth })).status).toBe(200);
    expect(await get(ports[1])).toBe(200);
    const reply = await new Promise<string>((resolve, reject) => {
      const s = net.connect(ports[2], '127.0.0.1', () => s.write(policyRequest({ protocol_state: 'RCPT', client_address: '192.0.2.1', sender: 'a@example.com', recipient: 'b@example.net' })));
      s.setEncoding('latin1');
      s.on('data', (d: string) => (resolve(d), s.destroy()));
      s.on('error', reject);
    });
    expect(reply).toBe('action=DUNNO\n\n');
  } finally {
    for (const h of held) h.socket.destroy();
    await dovecot.stop();
    await admin.stop();
    await postfix.stop();
    await t.app.close();
  }
});

describe('limits in the host config', () => {
  test('the defaults stay well under the open-file limit', () => {
    const l = listenerLimits(loadHostConfig({ dataDir: tempDir('mw-lim-'), env: {} }));
    expect(l).toEqual(DEFAULT_LIMITS);
    expect(l.admin.maxConnections + l.dovecot.maxConnections + l.postfix.maxConnections).toBeLessThanOrEqual(MAX_TOTAL_CONNECTIONS);
    expect(MAX_TOTAL_CONNECTIONS).toBeLessThan(1024);
  });

  test('caps that add up past the bound are refused with the reason', () => {
    const file = path.join(tempDir('mw-lim-'), 'mailwarden.json');
    fs.writeFileSync(file, JSON.stringify({ limits: { dovecot: { maxConnections: 800 }, postfix: { maxConnections: 400 } } }));
    const config = loadHostConfig({ configFile: file, dataDir: tempDir('mw-lim-'), env: {} });
    expect(() => listenerLimits(config)).toThrow(ValidationError);
    expect(() => listenerLimits(config)).toThrow(/add up to 1264/);
  });
});
