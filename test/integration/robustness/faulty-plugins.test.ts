import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { pluginDirWith } from '../../helpers/built-plugins';
import { startServe } from '../../helpers/cli';
import { buildFixturePlugin, hooksPlugin, tempDir } from '../../helpers/plugin-fixture';
import { PolicyTestClient, policyRequest } from '../../helpers/policy-client';

/*
 * One plugin throws in every hook, another never answers in any: through the
 * real gateways of a real `serve`, the brute-force plugin and a relay judge
 * still decide, each answer within the hook timeout (plus scheduling slack).
 */

const API_HEADER = 'Authorization: Basic ' + Buffer.from('dovecot:faulty').toString('base64');
const HOOK_TIMEOUT_MS = 300;
/** pwhash values Dovecot would send: none may appear in any log line, even at debug level with faulting plugins. */
const PWHASHES = ['5f4dcc3b5aa765d61d8327deb882cf99', 'e99a18c428cb38d5f260853678922e03', 'd8578edf8458ce06fbc5bb76a58c5ca4'];
const EVERY_HOOK = ['beforeAuth', 'afterAuth', 'afterSuccess', 'validatePassword', 'checkRelay', 'onMail', 'passwordChanged'];

function post(port: number, command: string, body: unknown): Promise<{ status: number; body: any; ms: number }> {
  const text = JSON.stringify(body);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: `/?command=${command}`, agent: false, headers: { authorization: API_HEADER.slice(15), 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) } }, (res) => {
      let data = '';
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(data), ms: performance.now() - t0 }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

const attempt = (login: string, remote: string, pwhash: string) => ({ login, pwhash, remote, device_id: '', protocol: 'imap', session_id: `${login}-${pwhash}`, tls: true });

test('a plugin that throws in every hook and one that hangs in every hook: the others keep deciding within their timeouts', async () => {
  const pluginDir = pluginDirWith(['password-bruteforce']);
  buildFixturePlugin(pluginDir, hooksPlugin('always-throws', EVERY_HOOK.map((h) => `${h}() { throw new Error('boom in ${h}'); },`).join('\n'), { priority: 1 }));
  buildFixturePlugin(pluginDir, hooksPlugin('always-hangs', EVERY_HOOK.map((h) => `${h}() { return new Promise(() => undefined); },`).join('\n'), { priority: 2 }));
  buildFixturePlugin(pluginDir, hooksPlugin('relay-judge', `checkRelay(r) { return r.sender === 'spam@bad.example' ? { action: 'deny', reason: 'judged' } : undefined; },`, { priority: 200 }));
  const dataDir = tempDir('mw-faulty-');
  const config = path.join(dataDir, 'config.json');
  fs.writeFileSync(config, JSON.stringify({ hookTimeoutMs: HOOK_TIMEOUT_MS, log: { level: 'debug' }, dovecot: { apiHeader: API_HEADER } }));
  const s = await startServe(['--config', config, '--data-dir', dataDir, '--plugin-dir', pluginDir]);
  try {
    expect(s.logs.find((l) => l.msg === 'plugins loaded')?.plugins).toEqual(expect.arrayContaining(['always-throws', 'always-hangs', 'relay-judge', 'password-bruteforce']));
    // Each request waits at most one timeout for the hanging plugin (hooks of a stage run in order).
    const bound = HOOK_TIMEOUT_MS * 2 + 1000;
    const times: number[] = [];
    const first = await post(s.ports.dovecot, 'allow', attempt('carol@example.com', '198.51.100.20', 'x'));
    times.push(first.ms);
    expect(first.body.status).toBe(0);
    for (const h of PWHASHES) {
      const r = await post(s.ports.dovecot, 'report', { ...attempt('carol@example.com', '198.51.100.20', h), success: false, policy_reject: false });
      times.push(r.ms);
      expect(r.status).toBe(200);
    }
    const blocked = await post(s.ports.dovecot, 'allow', attempt('carol@example.com', '198.51.100.20', 'right'));
    times.push(blocked.ms);
    expect(blocked.body.status).toBe(-1);

    const client = await PolicyTestClient.connect(s.ports.postfix);
    const base = { protocol_state: 'RCPT', client_address: '203.0.113.5', recipient: 'x@elsewhere.example', sasl_username: 'carol@example.com' };
    const t0 = performance.now();
    client.send(policyRequest({ ...base, sender: 'spam@bad.example' }));
    client.send(policyRequest({ ...base, sender: 'carol@example.com' }));
    const replies = await client.waitReplies(2, 10_000);
    times.push((performance.now() - t0) / 2);
    client.close();
    expect(replies[0]).toMatch(/^action=(REJECT|554|5\d\d)/);
    expect(replies[0]).toMatch(/judged/);
    expect(replies[1]).toBe('action=DUNNO');
    for (const ms of times) expect(ms).toBeLessThan(bound);
    // The faults were seen and reported, not swallowed silently.
    const faults = s.logs.filter((l) => /always-(throws|hangs)/.test(JSON.stringify(l)) && l.level >= 40);
    expect(faults.length).toBeGreaterThan(0);
  } finally {
    expect(await s.stop()).toBe(0);
  }
  const all = s.logs.map((l) => JSON.stringify(l)).join('\n');
  expect(all.length).toBeGreaterThan(1000);
  expect(all).toContain('carol@example.com');
  for (const h of PWHASHES) expect(all).not.toContain(h);
  expect(all).not.toContain(API_HEADER.slice(21));
}, 60_000);
