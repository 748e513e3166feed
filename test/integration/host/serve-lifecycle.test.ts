import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { startServe } from '../../helpers/cli';
import { buildFixturePlugin, hooksPlugin, manifestFor, tempDir } from '../../helpers/plugin-fixture';

function get(port: number, urlPath: string, token?: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: data.startsWith('{') ? JSON.parse(data) : data }));
    });
    req.on('error', reject);
  });
}

/** A plugin whose service appends its start and stop to a journal file. */
function journalService(id: string, priority: number, journal: string) {
  return {
    manifest: manifestFor(id, { services: true, priority }),
    source: `
import * as fs from 'node:fs';
import { ContainerModule } from 'inversify';
import { ServiceContribution } from '@mailwarden/shared';
export default new ContainerModule(({ bind }) => {
  bind(ServiceContribution).toConstantValue({
    async start() { fs.appendFileSync(${JSON.stringify(journal)}, 'start ${id}\\n'); },
    async stop() { fs.appendFileSync(${JSON.stringify(journal)}, 'stop ${id}\\n'); },
  });
});`,
  };
}

describe('mailwarden serve', () => {
  test('loads plugins, answers on the admin listener with a token, reloads on SIGHUP, stops in reverse order on SIGTERM', async () => {
    const pluginDir = tempDir('mw-plugins-');
    const dataDir = tempDir('mw-data-');
    const journal = path.join(dataDir, 'journal.txt');
    buildFixturePlugin(pluginDir, journalService('svc-first', 1, journal));
    buildFixturePlugin(pluginDir, journalService('svc-second', 2, journal));
    const serve = await startServe(['--data-dir', dataDir, '--plugin-dir', pluginDir, '--listen-dovecot', 'off', '--listen-postfix', 'off']);
    try {
      const port = serve.ports.admin;
      expect(port).toBeGreaterThan(0);
      const token = fs.readFileSync(path.join(dataDir, 'admin.token'), 'utf8').trim();
      expect(fs.statSync(path.join(dataDir, 'admin.token')).mode & 0o777).toBe(0o600);
      // Liveness answers without a token and says nothing but its status; the details need the token.
      expect(await get(port, '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
      expect((await get(port, '/api/health')).status).toBe(401);
      expect((await get(port, '/api/health', 'wrong-token-wrong-token')).status).toBe(401);
      expect((await get(port, '/api/health', token)).body).toMatchObject({ plugins: ['svc-first', 'svc-second'], store: 'sqlite' });

      // A broken plugin dropped in: SIGHUP keeps the running set.
      buildFixturePlugin(pluginDir, { manifest: manifestFor('broken-new'), source: `throw new Error('bad build');` });
      serve.child.kill('SIGHUP');
      const refused = await serve.waitFor((l) => l.msg === 'reload finished');
      expect(refused).toMatchObject({ applied: false });
      expect(refused.reason).toMatch(/broken-new: .*bad build/);
      expect((await get(port, '/api/health', token)).body.plugins).toEqual(['svc-first', 'svc-second']);

      // Fixed and a new good one added: SIGHUP applies it.
      fs.rmSync(path.join(pluginDir, 'broken-new'), { recursive: true });
      buildFixturePlugin(pluginDir, hooksPlugin('added-later', `beforeAuth() { return undefined; },`));
      serve.child.kill('SIGHUP');
      await serve.waitFor((l) => l.msg === 'reload finished' && l.applied === true);
      // Priority order: the services (1, 2) before the new plugin (100).
      expect((await get(port, '/api/health', token)).body.plugins).toEqual(['svc-first', 'svc-second', 'added-later']);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
    expect(serve.logs.some((l) => l.msg === 'stopped')).toBe(true);
    expect(fs.readFileSync(journal, 'utf8').trim().split('\n')).toEqual([
      'start svc-first', 'start svc-second',
      // SIGHUP reload: old set stopped in reverse, new set started in order.
      'stop svc-second', 'stop svc-first', 'start svc-first', 'start svc-second',
      'stop svc-second', 'stop svc-first',
    ]);
  });

  test('a bare port binds loopback', async () => {
    const dataDir = tempDir('mw-data-');
    const serve = await startServe(['--data-dir', dataDir, '--plugin-dir', tempDir(), '--listen-dovecot', 'off', '--listen-postfix', 'off', '--listen-admin', '0']);
    try {
      expect(serve.logs.find((l) => l.msg === 'listening')).toMatchObject({ listener: 'admin', host: '127.0.0.1' });
    } finally {
      await serve.stop();
    }
  });
});
