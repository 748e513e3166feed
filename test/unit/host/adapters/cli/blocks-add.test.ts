import * as fs from 'node:fs';
import * as path from 'node:path';
import { SystemClock } from '../../../../../host/core/services/clock';
import { SqliteStore } from '../../../../../host/core/state/sqlite-store';
import { jsonLines } from '../../../../helpers/json-lines';
import { tempDir } from '../../../../helpers/plugin-fixture';
import { runCli } from '../../../../helpers/run-cli';
import { testApp } from '../../../../helpers/test-app';

let dir: string;
let config: string;
beforeEach(() => {
  dir = tempDir('mw-blocks-add-');
  config = path.join(dir, 'mailwarden.json');
  fs.writeFileSync(config, JSON.stringify({ dataDir: path.join(dir, 'data'), pluginDir: path.join(dir, 'plugins'), defaultDomain: 'example.com' }));
});
const cli = (...args: string[]) => runCli(['--config', config, ...args]);

describe('blocks add: a ban by hand, like fail2ban-client set JAIL banip', () => {
  test('an address and a login are banned for the given time, listed, audited, and refused by the pipeline without any plugin', async () => {
    const ip = await cli('blocks', 'add', '--ip', '203.0.113.9', '--for', '2h', '--reason', 'spraying from here');
    expect(ip.code).toBe(0);
    expect(ip.stdout).toMatch(/^blocked 203\.0\.113\.9\/32 in example\.com for 2h \(until .*\); lift with: mailwarden blocks clear --ip 203\.0\.113\.9\n$/);
    const login = await cli('--json', 'blocks', 'add', '--login', 'Mallory');
    const b = JSON.parse(login.stdout);
    expect(b).toMatchObject({ domain: 'example.com', login: 'mallory@example.com', source: 'admin', reason: 'banned by an administrator' });
    expect(b.expiresAt - b.createdAt).toBe(86_400_000);
    const listed = jsonLines((await cli('--json', 'blocks', 'list')).stdout);
    expect(listed.map((x) => [x.network ?? x.login, x.source])).toEqual([['203.0.113.9/32', 'admin'], ['mallory@example.com', 'admin']]);

    // The running service (its own store connection) refuses them before plugins run.
    const store = new SqliteStore(path.join(dir, 'data', 'mailwarden.db'));
    const { app } = await testApp({ store, clock: new SystemClock() as never, config: { defaultDomain: 'example.com' } as never });
    try {
      const at = (login: string, remoteIp: string) => app.pipeline.beforeAuth(app.pipeline.attempt({ login, remoteIp, protocol: 'imap' }));
      expect(await at('alice@example.com', '203.0.113.9')).toMatchObject({ action: 'deny', plugin: 'host', reason: 'blocked by an administrator: spraying from here' });
      expect(await at('mallory@example.com', '198.51.100.1')).toMatchObject({ action: 'deny', plugin: 'host' });
      expect(await at('alice@example.com', '203.0.113.10')).toMatchObject({ action: 'allow' });
      const audit = await app.store.listAudit({ subjectPrefix: 'blocks:' });
      expect(audit.map((a) => [a.action, a.subject])).toEqual(expect.arrayContaining([['blocks.add', 'blocks:ip 203.0.113.9/32'], ['blocks.add', 'blocks:login mallory@example.com']]));
      // Cleared by hand: the pipeline lets the address in again.
      expect((await cli('blocks', 'clear', '--ip', '203.0.113.9')).code).toBe(0);
      await app.store.publish('blocks');
      expect(await at('alice@example.com', '203.0.113.9')).toMatchObject({ action: 'allow' });
    } finally {
      await app.close();
    }
  });

  test.each([
    [['blocks', 'add'], 'give exactly one of --ip IP[/PREFIX] or --login L'],
    [['blocks', 'add', '--ip', '203.0.113.9', '--login', 'a'], 'give exactly one of'],
    [['blocks', 'add', '--ip', '203.0.113.9/24'], 'has host bits set; the network is 203.0.113.0/24'],
    [['blocks', 'add', '--ip', 'example.org'], '"example.org" is not an IPv4 or IPv6 address'],
    [['blocks', 'add', '--ip', '203.0.113.9', '--for', '1 hour'], 'blocks add: --for "1 hour" is not a duration'],
    [['blocks', 'add', '--login', 'a', '--domain', 'nowhere.test'], '"nowhere.test" is not a known domain'],
    [['blocks', 'add', '--ip', '203.0.113.9', '--all'], '--all is for "blocks clear"'],
    [['blocks', 'clear', '--all', '--for', '1h'], '--for is for "blocks add"'],
  ])('%j: exit 2, nothing banned', async (args, message) => {
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect((await cli('--json', 'blocks', 'list')).stdout).toBe('');
  });
});
