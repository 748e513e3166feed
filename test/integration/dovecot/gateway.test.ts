import * as http from 'node:http';
import * as net from 'node:net';
import type { App } from '../../../host/core/app';
import { GLOBAL } from '../../../host/core/domains/domain-settings';
import { DovecotGateway } from '../../../host/adapters/gateways/dovecot/dovecot-gateway';
import { pluginDirWith } from '../../helpers/built-plugins';
import { buildFixturePlugin, hooksPlugin } from '../../helpers/plugin-fixture';
import { testApp } from '../../helpers/test-app';

const API_HEADER = 'Authorization: Basic ' + Buffer.from('dovecot:s3cret-policy').toString('base64');

interface Reply {
  status: number;
  body: any;
  reused: boolean;
  headers: http.IncomingHttpHeaders;
}

let app: App;
let gw: DovecotGateway;
let port: number;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function post(command: string | undefined, body: unknown, o: { header?: string | null; method?: string; raw?: string; type?: string | null } = {}): Promise<Reply> {
  const text = o.raw ?? JSON.stringify(body);
  const headers: http.OutgoingHttpHeaders = { 'content-length': Buffer.byteLength(text) };
  const type = o.type === undefined ? 'application/json' : o.type;
  if (type !== null) headers['content-type'] = type;
  const h = o.header === undefined ? API_HEADER : o.header;
  if (h) headers[h.slice(0, h.indexOf(':'))] = h.slice(h.indexOf(':') + 1).trim();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, agent, method: o.method ?? 'POST', path: command === undefined ? '/' : `/?command=${command}`, headers }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: data ? JSON.parse(data) : undefined, reused: req.reusedSocket, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

const attempt = (login: string, remote: string, pwhash: string, extra: Record<string, unknown> = {}) => ({
  login, pwhash, remote, device_id: '', protocol: 'imap', session_id: `s-${login}-${remote}-${pwhash}`, tls: false, ...extra,
});

/** One authentication as Dovecot drives it with the default check/report settings. */
async function dovecotLogin(login: string, remote: string, pwhash: string, correct: boolean): Promise<number> {
  const before = await post('allow', attempt(login, remote, pwhash));
  expect(before.status).toBe(200);
  if (before.body.status < 0) {
    await post('report', { ...attempt(login, remote, pwhash), success: false, policy_reject: true });
    return -1;
  }
  if (correct) {
    const after = await post('allow', attempt(login, remote, pwhash));
    if (after.body.status < 0) {
      await post('report', { ...attempt(login, remote, pwhash), success: false, policy_reject: true });
      return -1;
    }
  }
  await post('report', { ...attempt(login, remote, pwhash), success: correct, policy_reject: false });
  return before.body.status;
}

beforeAll(async () => {
  const dir = pluginDirWith(['password-bruteforce']);
  buildFixturePlugin(dir, hooksPlugin('phase-probe', `
    beforeAuth(a) { return a.login.startsWith('probe') ? { action: 'delay', reason: 'probe', delaySeconds: 3 } : undefined; },
    afterSuccess(a) { return a.login.startsWith('probe') ? { action: 'deny', reason: 'probe after success' } : undefined; },
  `));
  const t = await testApp({ pluginDir: dir, config: { dovecot: { apiHeader: API_HEADER, maxBodyBytes: 2048 } } });
  app = t.app;
  expect(await app.loadPlugins()).toEqual([]);
  gw = new DovecotGateway(app, { host: '127.0.0.1', port: 0 });
  port = (await gw.start()).port;
});

afterAll(async () => {
  agent.destroy();
  await gw.stop();
  await app.close();
});

test('three wrong passwords, then the right one is refused; the replies are {status, msg}', async () => {
  for (const h of ['a01', 'a02', 'a03']) expect(await dovecotLogin('alice@example.com', '198.51.100.1', h, false)).toBe(0);
  const r = await post('allow', attempt('alice@example.com', '198.51.100.1', 'fff'));
  expect(r.body).toEqual({ status: -1, msg: expect.stringContaining('blocked') });
  expect(r.headers['content-type']).toBe('application/json');
  expect(await dovecotLogin('bob@example.com', '198.51.100.1', 'b01', true)).toBe(0);
});

test('the second allow of a login (after success) runs afterSuccess, and a report closes the pair', async () => {
  const body = attempt('probe@example.com', '198.51.100.2', '123');
  expect((await post('allow', body)).body.status).toBe(3);
  expect((await post('allow', body)).body.status).toBe(-1);
  await post('report', { ...body, success: false, policy_reject: true });
  expect((await post('allow', body)).body.status).toBe(3);
  await post('report', { ...body, success: false, policy_reject: false });
  expect((await post('allow', body)).body.status).toBe(3);
});

test('reports with policy_reject are not counted', async () => {
  for (let i = 0; i < 5; i++) {
    const r = await post('report', { ...attempt('carol@example.com', '198.51.100.3', `c0${i}`), success: false, policy_reject: true });
    expect(r.body).toEqual({ status: 0, msg: 'recorded' });
  }
  expect((await post('allow', attempt('carol@example.com', '198.51.100.3', 'c99'))).body.status).toBe(0);
});

test('unknown fields are ignored; Dovecot-style logins are normalised', async () => {
  for (const h of ['d01', 'd02', 'd03']) {
    await post('report', { ...attempt('Dave@Example.COM', '2001:db8::1', h), success: false, policy_reject: false, fail_type: 'credentials', something_new: { x: 1 } });
  }
  expect((await post('allow', attempt('dave@example.com', '2001:db8::ffff', 'd04', { extra: [1, 2] }))).body.status).toBe(-1);
});

describe('bad requests get a 4xx with a reason and change nothing', () => {
  const victim = (h: string) => attempt('erin@example.com', '198.51.100.5', h);
  test.each([
    ['malformed JSON', 'report', { raw: '{"login": "erin@example.com", "success": fal' }, 400, /not JSON/],
    ['not an object', 'report', { raw: '["erin@example.com"]' }, 400, /JSON object/],
    ['success of the wrong type', 'report', { raw: JSON.stringify({ ...victim('e1'), success: 'false', policy_reject: false }) }, 400, /"success" must be a boolean/],
    ['report without success', 'report', { raw: JSON.stringify(victim('e2')) }, 400, /"success" is required/],
    ['login of the wrong type', 'report', { raw: JSON.stringify({ ...victim('e3'), login: 42, success: false }) }, 400, /"login" must be a string/],
    ['missing login', 'report', { raw: JSON.stringify({ remote: '198.51.100.5', success: false }) }, 400, /"login" is required/],
    ['login with control characters', 'report', { raw: JSON.stringify({ ...victim('e4'), login: 'erin\u0001@example.com', success: false }) }, 400, /control characters/],
    ['unknown command', 'lookup', { raw: JSON.stringify({ ...victim('e5'), success: false }) }, 400, /unknown command "lookup"/],
    ['broken percent-encoding in the command', '%E0%A4%A', { raw: JSON.stringify({ ...victim('ea'), success: false }) }, 400, /percent-encoding/],
    ['no command', undefined, { raw: JSON.stringify({ ...victim('e6'), success: false }) }, 400, /missing \?command=/],
    ['GET', 'report', { method: 'GET', raw: '' }, 405, /not allowed/],
    ['wrong API header', 'report', { header: 'Authorization: Basic d3Jvbmc=', raw: JSON.stringify({ ...victim('e7'), success: false }) }, 401, /API header/],
    ['no API header', 'report', { header: null, raw: JSON.stringify({ ...victim('e8'), success: false }) }, 401, /API header/],
    ['body too large', 'report', { raw: JSON.stringify({ ...victim('e9'), success: false, pad: 'x'.repeat(5000) }) }, 413, /larger than 2048/],
    // What a browser may send cross-site without a CORS preflight, and no type at all (Dovecot always sends application/json).
    ['text/plain', 'report', { type: 'text/plain', raw: JSON.stringify({ ...victim('eb'), success: true }) }, 415, /application\/json/],
    ['a form', 'report', { type: 'application/x-www-form-urlencoded', raw: JSON.stringify({ ...victim('ec'), success: true }) }, 415, /application\/json/],
    ['multipart', 'report', { type: 'multipart/form-data; boundary=x', raw: JSON.stringify({ ...victim('ed'), success: true }) }, 415, /application\/json/],
    ['no content-type', 'report', { type: null, raw: JSON.stringify({ ...victim('ee'), success: true }) }, 415, /application\/json/],
    ['empty remote', 'report', { raw: JSON.stringify({ ...victim('ef'), remote: '', success: false, policy_reject: false }) }, 400, /"remote" is not an IP address/],
    ['remote that is no address', 'report', { raw: JSON.stringify({ ...victim('eg'), remote: 'unknown', success: false, policy_reject: false }) }, 400, /"remote" is not an IP address/],
    ['remote with a bad port', 'report', { raw: JSON.stringify({ ...victim('eh'), remote: '198.51.100.5:99999', success: false, policy_reject: false }) }, 400, /"remote" is not an IP address/],
    ['no remote', 'report', { raw: JSON.stringify({ login: 'erin@example.com', pwhash: 'ei', success: false, policy_reject: false }) }, 400, /"remote" .*is required/],
  ] as const)('%s', async (_name, command, o, status, reason) => {
    const r = await post(command, undefined, o as any);
    expect(r.status).toBe(status);
    expect(r.body.error).toMatch(reason);
  });

  test('after all of them erin is still allowed (nothing was counted)', async () => {
    expect((await post('allow', victim('e0'))).body).toEqual({ status: 0, msg: 'ok' });
    expect((await post('allow', victim('e0'))).status).toBe(200);
  });

  test('a body that grows past the limit without a content-length is cut off', async () => {
    const sock = net.connect(port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    let data = '';
    sock.on('data', (c) => (data += c.toString()));
    const closed = new Promise((r) => sock.once('close', r));
    sock.write(`POST /?command=report HTTP/1.1\r\nHost: x\r\n${API_HEADER}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
    for (let i = 0; i < 5; i++) sock.write(`400\r\n${'y'.repeat(0x400)}\r\n`);
    await closed;
    expect(data).toMatch(/^HTTP\/1.1 413/);
  });
});

test('keep-alive: one connection serves many requests', async () => {
  const replies: Reply[] = [];
  for (let i = 0; i < 5; i++) replies.push(await post('allow', attempt('frank@example.com', '198.51.100.6', `f0${i}`)));
  expect(replies.slice(1).every((r) => r.reused)).toBe(true);
  expect(replies[0].headers.connection).toBe('keep-alive');
  // Each answered request is timed into the gateway latency histogram.
  const count = /mailwarden_gateway_request_duration_seconds_count\{gateway="dovecot"\} (\d+)/.exec(await app.metrics.text());
  expect(Number(count?.[1])).toBeGreaterThanOrEqual(5);
});

test('remote addresses with a zone id or a port are read as the address (one key per client)', async () => {
  for (const [h, remote] of [['z1', 'fe80::1%eth0'], ['z2', '[fe80::1]:993'], ['z3', 'fe80::1']] as const) {
    const r = await post('report', { ...attempt('hank@example.com', remote, h), success: false, policy_reject: false });
    expect(r.status).toBe(200);
  }
  // Three failures from one address (written three ways): blocked there.
  expect((await post('allow', attempt('hank@example.com', 'fe80::1', 'z4'))).body.status).toBe(-1);
  for (const [h, remote] of [['p1', '203.0.113.7:1234'], ['p2', '203.0.113.7:4321'], ['p3', '::ffff:203.0.113.7']] as const) {
    expect((await post('report', { ...attempt('ivan@example.com', remote, h), success: false, policy_reject: false })).status).toBe(200);
  }
  expect((await post('allow', attempt('ivan@example.com', '203.0.113.7', 'p4'))).body.status).toBe(-1);
});

test('trusted networks (loopback by default) are never blocked; the global config can change that', async () => {
  for (const h of ['g1', 'g2', 'g3', 'g4']) await dovecotLogin('gina@example.com', '127.0.0.9', h, false);
  expect((await post('allow', attempt('gina@example.com', '127.0.0.9', 'g5'))).body.status).toBe(0);
  await app.settings.setConfig(GLOBAL, app.registry.get('password-bruteforce')!, { trustedNetworks: [] }, 'test');
  for (const h of ['g1', 'g2', 'g3']) await dovecotLogin('gina@example.com', '127.0.0.9', h, false);
  expect((await post('allow', attempt('gina@example.com', '127.0.0.9', 'g5'))).body.status).toBe(-1);
});
