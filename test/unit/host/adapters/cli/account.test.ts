import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../../../../helpers/plugin-fixture';
import { runCli } from '../../../../helpers/run-cli';
import { jsonLines } from '../../../../helpers/json-lines';

describe('mailwarden account', () => {
  let dir: string;
  let config: string;
  let kicks: string;
  const cli = (...args: string[]) => runCli([...args, '--config', config]);

  beforeEach(() => {
    dir = tempDir('mw-account-');
    kicks = path.join(dir, 'kicks.txt');
    config = path.join(dir, 'mailwarden.json');
    const recorder = `require('fs').appendFileSync(${JSON.stringify(kicks)}, process.argv[1] + '\\n')`;
    fs.writeFileSync(config, JSON.stringify({ dataDir: path.join(dir, 'data'), pluginDir: path.join(dir, 'plugins'), defaultDomain: 'example.com', accounts: { kickCommand: [process.execPath, '-e', recorder, '{login}'] } }));
    fs.mkdirSync(path.join(dir, 'plugins'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('lock (normalised login), list, unlock', async () => {
    const r = await cli('account', 'lock', '  Alice@EXAMPLE.com ', '--minutes', '30', '--reason', 'password guessed');
    expect(r).toMatchObject({ code: 0, stdout: expect.stringMatching(/^locked alice@example\.com until 20\d\d-/) });
    await cli('account', 'lock', 'bob');
    const list = await cli('account', 'list', '--json');
    expect(list.code).toBe(0);
    const locks = jsonLines(list.stdout);
    expect(locks.map((l: { login: string }) => l.login).sort()).toEqual(['alice@example.com', 'bob@example.com']);
    const alice = locks.find((l: { login: string }) => l.login === 'alice@example.com');
    expect(alice).toMatchObject({ reason: 'password guessed', by: expect.stringMatching(/^cli:/) });
    expect(alice.until - alice.at).toBe(30 * 60_000);
    expect(locks.find((l: { login: string }) => l.login === 'bob@example.com').until).toBeUndefined();
    const table = await cli('account', 'list');
    expect(table.stdout).toMatch(/^LOGIN\s+SINCE\s+UNTIL\s+BY\s+REASON\n/);
    expect(table.stdout).toContain('unlocked by hand');
    expect(await cli('account', 'unlock', 'ALICE@example.com')).toMatchObject({ code: 0, stdout: 'unlocked alice@example.com\n' });
    expect(await cli('account', 'unlock', 'alice@example.com')).toMatchObject({ code: 1, stderr: expect.stringContaining('alice@example.com is not locked') });
    expect(jsonLines((await cli('account', 'list', '--json')).stdout)).toHaveLength(1);
  });

  test('logout runs the configured command with the normalised login', async () => {
    expect(await cli('account', 'logout', 'Carol@Example.COM')).toMatchObject({ code: 0, stdout: 'closed the sessions of carol@example.com\n' });
    expect(fs.readFileSync(kicks, 'utf8')).toBe('carol@example.com\n');
  });

  test('not root, with privileged.socket configured: logout goes to the helper, never runs the command itself', async () => {
    const socket = path.join(dir, 'no-privd.sock');
    fs.writeFileSync(config, JSON.stringify({ ...JSON.parse(fs.readFileSync(config, 'utf8')), privileged: { socket } }));
    const uid = jest.spyOn(process, 'getuid').mockReturnValue(1000);
    try {
      const r = await cli('account', 'logout', 'erin');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(socket);
      expect(fs.existsSync(kicks)).toBe(false);
    } finally {
      uid.mockRestore();
    }
  });

  test('a failing session command is reported with its exit status and its reason, even one it printed on stdout; exit 1', async () => {
    fs.writeFileSync(config, JSON.stringify({ dataDir: path.join(dir, 'data'), pluginDir: path.join(dir, 'plugins'), accounts: { kickCommand: [process.execPath, '-e', 'process.stdout.write("Fatal: connect(anvil) failed"); process.exit(75)', '{login}'] } }));
    expect(await cli('account', 'logout', 'dave')).toMatchObject({ code: 1, stderr: expect.stringContaining('(exit 75): Fatal: connect(anvil) failed') });
  });

  test('exit 68 (doveadm kick: "no users kicked") means no open sessions, not a failure', async () => {
    fs.writeFileSync(config, JSON.stringify({ dataDir: path.join(dir, 'data'), pluginDir: path.join(dir, 'plugins'), accounts: { kickCommand: [process.execPath, '-e', 'process.stdout.write("no users kicked"); process.exit(68)', '{login}'] } }));
    expect(await cli('account', 'logout', 'dave@example.com')).toMatchObject({ code: 0, stdout: 'no open sessions for dave@example.com\n' });
  });

  test.each([
    [['account'], 'a subcommand is required'],
    [['account', 'frobnicate', 'x'], 'unknown subcommand "frobnicate"'],
    [['account', 'lock'], 'LOGIN is required'],
    [['account', 'lock', 'a', '--minutes', '0'], '--minutes must be a whole number'],
    [['account', 'lock', 'a', '--minutes', '1e3'], '--minutes must be a whole number'],
    [['account', 'unlock', 'a', '--minutes', '5'], '--for, --minutes and --reason belong to "account lock"'],
    [['account', 'lock', 'a\u0001b'], 'contains a control'],
    [['account', 'list', 'x'], 'unexpected argument "x"'],
  ])('usage error %j', async (args, message) => {
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(jsonLines((await cli('account', 'list', '--json')).stdout)).toEqual([]);
  });
});
