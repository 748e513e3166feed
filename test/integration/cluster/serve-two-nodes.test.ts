import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { describeWithRedis, RedisServer } from '../../harness/redis';
import { runCli, type ServeProcess, startServe } from '../../helpers/cli';
import { tempDir } from '../../helpers/plugin-fixture';
import { newPrefix, within } from './redis-cluster-helpers';
import { jsonLines } from '../../helpers/json-lines';

/*
 * Two real `mailwarden serve` processes, each with its own Dovecot policy
 * port and data directory, sharing one Redis; the CLI is a third client.
 */

const API_HEADER = 'Authorization: Basic ' + Buffer.from('dovecot:cluster-test').toString('base64');
const agent = new http.Agent({ keepAlive: true });

function post(port: number, command: 'allow' | 'report', body: unknown): Promise<{ status: number; body: { status: number; msg: string } }> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, agent, method: 'POST', path: `/?command=${command}`, headers: { 'content-type': 'application/json', authorization: API_HEADER.slice('Authorization: '.length), 'content-length': Buffer.byteLength(text) } }, (res) => {
      let data = '';
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(data) }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

const attempt = (login: string, remote: string, pwhash: string) => ({ login, pwhash, remote, device_id: '', protocol: 'imap', session_id: `${login}-${pwhash}`, tls: true });
const report = (port: number, login: string, remote: string, pwhash: string) => post(port, 'report', { ...attempt(login, remote, pwhash), success: false, policy_reject: false });
const allow = async (port: number, login: string, remote: string) => (await post(port, 'allow', attempt(login, remote, 'probe'))).body.status;

describeWithRedis('two serve processes sharing one Redis', () => {
  let server: RedisServer;
  let config: string;
  const nodes: ServeProcess[] = [];
  const node = async () => {
    const s = await startServe(['--config', config, '--data-dir', tempDir('mw-node-'), '--listen-postfix', 'off']);
    nodes.push(s);
    return s;
  };

  beforeAll(async () => {
    server = await RedisServer.start();
    const dir = tempDir('mw-cluster-cfg-');
    config = path.join(dir, 'config.json');
    // A hook that outlives hookTimeoutMs (250 ms) is abandoned, and its block lands after the answer: under
    // CI's load that was over a second once. What this test is about is how fast the other node converges.
    fs.writeFileSync(config, JSON.stringify({ hookTimeoutMs: 5000, dovecot: { apiHeader: API_HEADER }, state: { backend: 'redis', url: server.url, keyPrefix: newPrefix() } }));
  });
  afterAll(async () => {
    for (const n of nodes.splice(0)) await n.stop();
    agent.destroy();
    await server?.destroy();
  });

  /** Waits for `n` to log the block of `login` (the hooks that write it may outlast the report's answer). */
  const blockedBy = (n: ServeProcess, login: string) => explained(n.waitFor((l) => l.msg === 'brute force: blocked' && l.login === login, 10_000));
  /** Polls until `probe` answers `want` within `ms`. */
  const converged = (ms: number, probe: () => Promise<number>, want: number) => explained(within(ms, probe, (s) => s === want));
  /** A failure says what both nodes logged above info (faults, timeouts, store trouble). */
  const explained = <T>(p: Promise<T>) =>
    p.catch((e: Error) => {
      throw new Error(`${e.message}; the nodes' warnings: ${JSON.stringify(nodes.map((n) => n.logs.filter((l) => l.level >= 40)))}`);
    });

  test('3 failures spread over both nodes block the pair on both; CLI unblock and enablement changes reach both within a second', async () => {
    const [a, b] = await Promise.all([node(), node()]);
    for (const n of [a, b]) expect(n.logs.find((l) => l.msg === 'plugins loaded')).toMatchObject({ store: 'redis', plugins: expect.arrayContaining(['password-bruteforce']) });
    const [pa, pb] = [a.ports.dovecot, b.ports.dovecot];
    expect(pa).not.toBe(pb);

    expect((await report(pa, 'alice@example.com', '198.51.100.7', 'a1')).status).toBe(200);
    expect((await report(pb, 'alice@example.com', '198.51.100.7', 'a2')).status).toBe(200);
    expect(await allow(pa, 'alice@example.com', '198.51.100.7')).toBe(0);
    expect(await allow(pb, 'alice@example.com', '198.51.100.7')).toBe(0);
    expect((await report(pb, 'alice@example.com', '198.51.100.7', 'a3')).status).toBe(200);
    // A report is answered once the hooks ran or their timeout passed: on a loaded machine the block may
    // land just after the answer. What is timed below is from the block landing (pb logs it) to both
    // nodes refusing: the other node reads blocks from its local copy, which Redis's change
    // announcements refresh, so it converges within milliseconds, not within the same round trip.
    await blockedBy(b, 'alice@example.com');
    await converged(1000, () => allow(pb, 'alice@example.com', '198.51.100.7'), -1);
    await converged(1000, () => allow(pa, 'alice@example.com', '198.51.100.7'), -1);
    expect(await allow(pa, 'bob@example.com', '198.51.100.7')).toBe(0);

    const listed = await runCli(['blocks', 'list', '--json', '--config', config]);
    expect(listed.code).toBe(0);
    expect(jsonLines(listed.stdout)).toEqual([expect.objectContaining({ login: 'alice@example.com', network: '198.51.100.7/32' })]);
    const cleared = await runCli(['blocks', 'clear', '--login', 'alice@example.com', '--config', config]);
    expect(cleared.stdout).toContain('cleared 1 block(s)');
    await converged(1000, () => allow(pa, 'alice@example.com', '198.51.100.7'), 0);
    await converged(1000, () => allow(pb, 'alice@example.com', '198.51.100.7'), 0);

    // Enablement changed from the CLI (a third process) applies on both nodes within a second.
    for (const h of ['c1', 'c2', 'c3']) await report(h === 'c2' ? pb : pa, 'carol@example.com', '203.0.113.4', h);
    await blockedBy(a, 'carol@example.com');
    await converged(1000, () => allow(pb, 'carol@example.com', '203.0.113.4'), -1);
    expect((await runCli(['plugins', 'disable', 'password-bruteforce', '--config', config])).code).toBe(0);
    await converged(1000, () => allow(pa, 'carol@example.com', '203.0.113.4'), 0);
    await converged(1000, () => allow(pb, 'carol@example.com', '203.0.113.4'), 0);
    expect((await runCli(['plugins', 'enable', 'password-bruteforce', '--config', config])).code).toBe(0);
    await converged(1000, () => allow(pa, 'carol@example.com', '203.0.113.4'), -1);
    await converged(1000, () => allow(pb, 'carol@example.com', '203.0.113.4'), -1);
  }, 120_000);
});
