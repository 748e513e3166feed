import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { runCli, type ServeProcess, startServe } from '../../helpers/cli';
import { tempDir } from '../../helpers/plugin-fixture';
import { jsonLines } from '../../helpers/json-lines';

/*
 * The real `serve` process: the Dovecot gateway as an admin runs it, with the
 * SQLite store, the built plugins, and the CLI in other processes.
 */

const API_HEADER = 'Authorization: Basic ' + Buffer.from('dovecot:serve-test').toString('base64');

async function serve(dataDir: string, extra: string[] = []): Promise<ServeProcess & { port: number }> {
  const config = path.join(dataDir, 'config.json');
  fs.writeFileSync(config, JSON.stringify({ dovecot: { apiHeader: API_HEADER }, logFollow: { pollMs: 100 } }));
  const s = await startServe(['--config', config, '--data-dir', dataDir, '--listen-dovecot', '127.0.0.1:0', '--listen-admin', '127.0.0.1:0', '--listen-postfix', 'off', ...extra]);
  expect(s.ports.dovecot).toBeGreaterThan(0);
  return Object.assign(s, { port: s.ports.dovecot });
}

const agent = new http.Agent({ keepAlive: true });
afterAll(() => agent.destroy());

function post(port: number, command: string, body: unknown): Promise<{ status: number; body: any }> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, agent, method: 'POST', path: `/?command=${command}`, headers: { 'content-type': 'application/json', authorization: API_HEADER.slice(15), 'content-length': Buffer.byteLength(text) } }, (res) => {
      let data = '';
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(data) }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

const attempt = (login: string, remote: string, pwhash: string) => ({ login, pwhash, remote, device_id: '', protocol: 'imap', session_id: `${login}-${pwhash}`, tls: true });

async function until(what: string, check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('serve: blocks survive a restart, the CLI sees and lifts them, and the running server follows', async () => {
  const dataDir = tempDir('mw-serve-gw-');
  let s = await serve(dataDir);
  expect(s.logs.find((l) => l.msg === 'plugins loaded')).toMatchObject({ plugins: expect.arrayContaining(['password-bruteforce']), store: 'sqlite' });
  for (const h of ['a1', 'a2', 'a3']) expect((await post(s.port, 'report', { ...attempt('alice@example.com', '198.51.100.7', h), success: false, policy_reject: false })).status).toBe(200);
  expect((await post(s.port, 'allow', attempt('alice@example.com', '198.51.100.7', 'ok'))).body.status).toBe(-1);
  await s.stop();

  s = await serve(dataDir);
  expect((await post(s.port, 'allow', attempt('alice@example.com', '198.51.100.7', 'ok'))).body.status).toBe(-1);
  expect((await post(s.port, 'allow', attempt('bob@example.com', '198.51.100.7', 'ok'))).body.status).toBe(0);

  const listed = await runCli(['blocks', 'list', '--json', '--data-dir', dataDir]);
  expect(listed.code).toBe(0);
  expect(jsonLines(listed.stdout)).toEqual([expect.objectContaining({ login: 'alice@example.com', network: '198.51.100.7/32', strikes: 1 })]);
  const cleared = await runCli(['blocks', 'clear', '--login', 'alice@example.com', '--data-dir', dataDir]);
  expect(cleared.stdout).toContain('cleared 1 block(s)');
  await until('the server to drop the cleared block', async () => (await post(s.port, 'allow', attempt('alice@example.com', '198.51.100.7', 'ok'))).body.status === 0);
  await s.stop();
}, 90_000);

test('serve --follow-log reports failed logins from the mail log', async () => {
  const dataDir = tempDir('mw-serve-log-');
  const log = path.join(dataDir, 'mail.log');
  fs.writeFileSync(log, '');
  const s = await serve(dataDir, ['--follow-log', log]);
  expect(s.logs.find((l) => l.msg === 'following log')).toMatchObject({ file: log });
  fs.appendFileSync(log, 'Jun 21 08:34:30 mx1 postfix/submission/smtpd[812]: warning: unknown[203.0.113.5]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=carol@example.com\n'.repeat(3));
  await until('the block from the log', async () => (await post(s.port, 'allow', attempt('carol@example.com', '203.0.113.5', 'x'))).body.status === -1);
  await s.stop();
}, 60_000);
