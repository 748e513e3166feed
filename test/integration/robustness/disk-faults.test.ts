import * as fs from 'node:fs';
import * as path from 'node:path';
import { openSqlite } from '../../../host/core/state/open-sqlite';
import { SqliteStore } from '../../../host/core/state/sqlite-store';
import { PromMetrics } from '../../../host/core/services/metrics';
import { canMountTmpfs, mountTmpfs, type Tmpfs } from '../../helpers/tmpfs';

const block = (key: string) => ({ key, domain: 'example.com', login: 'a@example.com', network: '192.0.2.0/24', reason: 'test', source: 'p', createdAt: 0, expiresAt: Date.now() + 3_600_000, strikes: 1 });

function captureLogger() {
  const errors: Array<{ fields: Record<string, unknown>; msg: string }> = [];
  const noop = () => undefined;
  return { errors, logger: { error: (fields: Record<string, unknown>, msg: string) => errors.push({ fields, msg }), warn: noop, info: noop, debug: noop } };
}

const maybe = canMountTmpfs() ? describe : describe.skip;

maybe('SQLite store on a failing disk', () => {
  let fsys: Tmpfs | undefined;
  afterEach(() => {
    fsys?.remove();
    fsys = undefined;
  });

  test('disk full under a running store: one clear error, a metric, and every write still answered from memory', async () => {
    fsys = mountTmpfs(256);
    const { errors, logger } = captureLogger();
    const metrics = new PromMetrics();
    const store = new SqliteStore(path.join(fsys.dir, 'state.db'), { logger: logger as any, metrics, flushIntervalMs: 50 });
    await store.putBlock(block('before-full'));
    await store.set('settings:before', { n: 1 });
    const big = 'x'.repeat(8_000);
    // 256 kB cannot hold 200 × 8 kB: the file fills part way through.
    for (let i = 0; i < 200; i++) await store.set(`filler:${i}`, big);
    await store.putBlock(block('after-full'));
    expect(store.degraded).toMatch(/^SQLITE_FULL/);
    expect(errors).toHaveLength(1);
    expect(errors[0].msg).toMatch(/decisions continue from memory/);
    expect(errors[0].fields.file).toBe(path.join(fsys.dir, 'state.db'));
    expect(await metrics.text()).toMatch(/mailwarden_store_write_failures_total\{backend="sqlite"\} 1/);
    // What was on disk before and what came after are both there.
    expect(await store.getBlock('before-full', 'example.com', Date.now())).toBeDefined();
    expect(await store.getBlock('after-full', 'example.com', Date.now())).toBeDefined();
    expect(await store.get('settings:before', Date.now())).toEqual({ n: 1 });
    for (let i = 0; i < 200; i++) expect(await store.get(`filler:${i}`, Date.now())).toBe(big);
    await store.hit('c', 60_000, Date.now());
    await new Promise((r) => setTimeout(r, 120)); // the write-behind flush runs and must not throw
    await store.close();
  });

  test('read-only data directory at start: a clear error and a memory copy of what the file holds', async () => {
    fsys = mountTmpfs(1024);
    const file = path.join(fsys.dir, 'state.db');
    const first = new SqliteStore(file);
    await first.putBlock(block('kept'));
    await first.set('settings:domain', { name: 'example.com' });
    await first.close();
    fsys.readOnly();
    expect(() => fs.writeFileSync(path.join(fsys!.dir, 'probe'), 'x')).toThrow(/EROFS/);
    const { errors, logger } = captureLogger();
    const store = openSqlite(file, { logger: logger as any });
    expect(store.backend).toBe('memory');
    expect(errors[0].msg).toMatch(/cannot open the state file for writing/);
    expect(String(errors[0].fields.err)).toMatch(/^(SQLITE_READONLY|SQLITE_CANTOPEN|EROFS)/);
    expect(await store.getBlock('kept', 'example.com', Date.now())).toBeDefined();
    expect(await store.get('settings:domain', Date.now())).toEqual({ name: 'example.com' });
    await store.set('new', 1);
    expect(await store.get('new', Date.now())).toBe(1);
    await store.close();
  });

  test('a data directory that does not exist and cannot be created: memory store, error names the file', async () => {
    fsys = mountTmpfs(64);
    fsys.readOnly();
    const { errors, logger } = captureLogger();
    const store = openSqlite(path.join(fsys.dir, 'sub', 'state.db'), { logger: logger as any });
    expect(store.backend).toBe('memory');
    expect(errors[0].fields.file).toBe(path.join(fsys.dir, 'sub', 'state.db'));
    expect(String(errors[0].fields.err)).toMatch(/^(EROFS|ENOENT): .*mw-tmpfs-.*sub/);
    await store.close();
  });
});

maybe('a real serve whose data directory fills up', () => {
  test('the error is logged once, /api/health says so, and the Dovecot gateway keeps blocking from memory', async () => {
    const { startServe } = await import('../../helpers/cli');
    const http = await import('node:http');
    const fsys = mountTmpfs(2048);
    const apiHeader = 'Authorization: Basic ' + Buffer.from('dovecot:full').toString('base64');
    const config = path.join(fsys.dir, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ dovecot: { apiHeader } }));
    const s = await startServe(['--config', config, '--data-dir', fsys.dir, '--listen-postfix', 'off']);
    const post = (command: string, body: unknown) => new Promise<any>((resolve, reject) => {
      const text = JSON.stringify(body);
      const req = http.request({ host: '127.0.0.1', port: s.ports.dovecot, method: 'POST', path: `/?command=${command}`, agent: false, headers: { authorization: apiHeader.slice(15), 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) } }, (res) => {
        let d = '';
        res.on('data', (c) => (d += c));
        res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(d) }));
      });
      req.on('error', reject);
      req.end(text);
    });
    // Each user from its own network, so only the (login, network) rule blocks them.
    const attempt = (login: string, pwhash: string, remote = `198.51.100.${Number(login.replace(/\D/g, '')) + 1}`) => ({ login, pwhash, remote, device_id: '', protocol: 'imap', session_id: pwhash, tls: true });
    try {
      // Fill the disk to the last byte.
      try {
        fs.writeFileSync(path.join(fsys.dir, 'filler'), Buffer.alloc(4 * 1024 * 1024));
      } catch (e) {
        expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
      for (let u = 0; u < 40; u++) {
        for (const h of ['h1', 'h2', 'h3']) expect((await post('report', { ...attempt(`user${u}@example.com`, h), success: false, policy_reject: false })).status).toBe(200);
      }
      for (let u = 0; u < 40; u++) expect((await post('allow', attempt(`user${u}@example.com`, 'right'))).body.status).toBe(-1);
      expect((await post('allow', attempt('someone-else@example.com', 'x', '203.0.113.77'))).body.status).toBe(0);
      const token = fs.readFileSync(path.join(fsys.dir, 'admin.token'), 'utf8').trim();
      const health = await new Promise<any>((resolve, reject) => http.get({ host: '127.0.0.1', port: s.ports.admin, path: '/api/health', headers: { authorization: `Bearer ${token}` } }, (res) => {
        let d = '';
        res.on('data', (c) => (d += c));
        res.on('end', () => resolve(JSON.parse(d)));
      }).on('error', reject));
      expect(health.storeDegraded).toMatch(/^SQLITE_FULL/);
      expect(s.logs.filter((l) => /state file failed/.test(l.msg))).toHaveLength(1);
    } finally {
      await s.stop();
      fsys.remove();
    }
  }, 60_000);
});
