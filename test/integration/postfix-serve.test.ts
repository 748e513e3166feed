import * as fs from 'node:fs';
import { PolicyTestClient, policyRequest } from '../helpers/policy-client';
import { runCli, startServe, type ServeProcess } from '../helpers/cli';
import { tempDir } from '../helpers/plugin-fixture';
import { DIST_PLUGINS } from '../helpers/trusted-ips';

describe('mailwarden serve: the postfix policy listener', () => {
  let dataDir: string;
  let serve: ServeProcess;
  beforeAll(async () => {
    dataDir = tempDir('mw-serve-pf-');
    // The table file and reload command are host-level: only the config file sets them.
    const configFile = `${dataDir}/mailwarden.json`;
    fs.writeFileSync(configFile, JSON.stringify({ plugins: { 'trusted-ips': { tableFile: `${dataDir}/t.cidr`, reloadCommand: [] } } }));
    const flags = ['--config', configFile, '--data-dir', dataDir, '--plugin-dir', DIST_PLUGINS];
    const set = await runCli(['config', 'set', 'trusted-ips', 'cacheSeconds=0', ...flags]);
    expect(set.code).toBe(0);
    expect((await runCli(['trusted-ips', 'add', '192.0.2.5', ...flags])).code).toBe(0);
    serve = await startServe(flags);
  }, 60_000);
  afterAll(async () => {
    await serve?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('listens, answers trusted-ips verdicts, and survives a protocol error', async () => {
    expect(serve.ports.postfix).toBeGreaterThan(0);
    const c = await PolicyTestClient.connect(serve.ports.postfix);
    c.send(policyRequest({ protocol_state: 'RCPT', client_address: '192.0.2.5', sender: 'a@example.com', policy_context: 'relay' }));
    c.send(policyRequest({ protocol_state: 'RCPT', client_address: '192.0.2.6', sender: 'a@example.com', policy_context: 'relay' }));
    expect(await c.waitReplies(2)).toEqual(['action=OK', 'action=DUNNO']);
    const bad = await PolicyTestClient.connect(serve.ports.postfix);
    bad.send('\u0000\u0001garbage\n\n');
    expect(await bad.waitClosed()).toBe(true);
    expect(bad.replies).toEqual([]);
    c.send(policyRequest({ protocol_state: 'RCPT', client_address: '192.0.2.5', sender: 'a@example.com' }));
    expect(await c.waitReplies(3)).toEqual(['action=OK', 'action=DUNNO', 'action=OK']);
    c.close();
    await serve.waitFor((l) => l.msg?.startsWith('postfix policy protocol error'));
  });
});
