import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { type ServeProcess, startServe } from '../../helpers/cli';
import { tempDir } from '../../helpers/plugin-fixture';

/*
 * `kill -9` of a real `mailwarden serve` in the middle of a burst of config
 * changes (admin API) and block writes (Dovecot failures the brute-force plugin
 * turns into blocks). Whatever the server acknowledged before it died must be
 * there after the restart, and the file must pass integrity_check.
 */

const API_HEADER = 'Authorization: Basic ' + Buffer.from('dovecot:kill-test').toString('base64');

function call(port: number, method: string, urlPath: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: any }> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, agent: false, headers: { ...headers, ...(text ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) } : {}) } }, (res) => {
      let data = '';
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: data ? JSON.parse(data) : undefined }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

async function serve(dataDir: string): Promise<ServeProcess> {
  const config = path.join(dataDir, 'config.json');
  fs.writeFileSync(config, JSON.stringify({ dovecot: { apiHeader: API_HEADER } }));
  return startServe(['--config', config, '--data-dir', dataDir, '--listen-postfix', 'off']);
}

const attempt = (login: string, remote: string, pwhash: string) => ({ login, pwhash, remote, device_id: '', protocol: 'imap', session_id: `${login}-${pwhash}`, tls: true, success: false, policy_reject: false });

test('kill -9 during a burst of config changes and block writes: every acknowledged change survives', async () => {
  const dataDir = tempDir('mw-kill9-');
  const s = await serve(dataDir);
  const token = fs.readFileSync(path.join(dataDir, 'admin.token'), 'utf8').trim();
  const admin = { authorization: `Bearer ${token}` };
  const dovecot = { authorization: API_HEADER.slice(15) };
  const ackedDomains: string[] = [];
  const ackedBlocks: Array<{ login: string; remote: string }> = [];
  let dead = false;

  const domainWriter = async (w: number) => {
    for (let i = 0; !dead; i++) {
      const name = `w${w}-d${i}.example`;
      try {
        const r = await call(s.ports.admin, 'POST', '/api/domains', admin, { name });
        if (r.status === 201) ackedDomains.push(name);
      } catch {
        return; // the server died with this request in flight: not acknowledged
      }
    }
  };
  const blockWriter = async (w: number) => {
    for (let i = 0; !dead; i++) {
      const login = `u${w}-${i}@example.com`;
      const remote = `198.51.${100 + w}.${i % 250}`;
      try {
        let last = 0;
        for (const h of ['h1', 'h2', 'h3']) last = (await call(s.ports.dovecot, 'POST', '/?command=report', dovecot, attempt(login, remote, h))).status;
        if (last === 200) ackedBlocks.push({ login, remote });
      } catch {
        return;
      }
    }
  };
  const writers = [0, 1, 2].flatMap((w) => [domainWriter(w), blockWriter(w)]);
  // Let the burst get going, then pull the plug without warning.
  while (ackedDomains.length < 30 || ackedBlocks.length < 30) await new Promise((r) => setTimeout(r, 10));
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGKILL');
  await exited;
  dead = true;
  await Promise.all(writers);
  expect(s.child.signalCode).toBe('SIGKILL');

  const db = new Database(path.join(dataDir, 'mailwarden.db'));
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  db.close();

  const again = await serve(dataDir);
  try {
    const domains = (await call(again.ports.admin, 'GET', '/api/domains', admin)).body.map((d: { name: string }) => d.name);
    for (const d of ackedDomains) expect(domains).toContain(d);
    for (const b of ackedBlocks) {
      const r = await call(again.ports.dovecot, 'POST', '/?command=allow', dovecot, { ...attempt(b.login, b.remote, 'right'), success: undefined });
      expect({ ...b, status: r.body.status }).toEqual({ ...b, status: -1 });
    }
    // A fresh pair is not blocked: the blocks above are real, not a blanket refusal.
    expect((await call(again.ports.dovecot, 'POST', '/?command=allow', dovecot, attempt('fresh@example.com', '203.0.113.9', 'x'))).body.status).toBe(0);
  } finally {
    await again.stop();
  }
}, 60_000);
