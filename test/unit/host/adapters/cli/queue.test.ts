import * as fs from 'node:fs';
import * as path from 'node:path';
import { fakePostfixCommands } from '../../../../helpers/fake-postfix-commands';
import { tempDir } from '../../../../helpers/plugin-fixture';
import { runCli } from '../../../../helpers/run-cli';
import { jsonLines } from '../../../../helpers/json-lines';

const fixture = path.join(__dirname, '../../../../fixtures/postqueue-j.jsonl');

describe('mailwarden queue', () => {
  let dir: string;
  let config: string;
  let fake: ReturnType<typeof fakePostfixCommands>;
  const cli = (args: string[], o: { stdin?: string; tty?: boolean } = {}) => runCli([...args, '--config', config], o);

  beforeEach(() => {
    dir = tempDir('mw-queue-cli-');
    fake = fakePostfixCommands(fixture);
    config = path.join(dir, 'mailwarden.json');
    fs.mkdirSync(path.join(dir, 'plugins'));
    fs.writeFileSync(config, JSON.stringify({ dataDir: path.join(dir, 'data'), pluginDir: path.join(dir, 'plugins'), postfix: { postqueuePath: fake.postqueuePath, postsuperPath: fake.postsuperPath, configDir: '/etc/postfix-test' } }));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(fake.dir, { recursive: true, force: true });
  });

  test('list --json: exact sender, every queue, records as postqueue -j prints them', async () => {
    const r = await cli(['queue', 'list', '--sender', 'Login@Domain.net', '--json']);
    expect(r.code).toBe(0);
    const list = jsonLines(r.stdout);
    expect(r.stdout.split('\n')[0]).toBe(JSON.stringify(list[0]));
    expect(list.map((m: { queue_id: string }) => m.queue_id)).toEqual(['8CB7220C381', '2F2F520C35C', '3Pt2mN2VXxznjll']);
    expect(list[0]).toEqual(JSON.parse(fs.readFileSync(fixture, 'utf8').split('\n')[0]));
  });

  test('list filters combine; the table streams with a total', async () => {
    const r = await cli(['queue', 'list', '--sender', 'login@domain.net', '--recipient-domain', 'other.test', '--queue', 'deferred', '--older-than', '1d']);
    expect(r.stdout.split('\n')[0]).toMatch(/^QUEUE-ID\s+QUEUE\s+AGE\s+SIZE\s+SENDER\s+RECIPIENTS$/);
    expect(r.stdout).toContain('2F2F520C35C');
    expect(r.stdout).toContain('a@Other.Test (+1)');
    expect(r.stdout).toMatch(/1 message\(s\), 1000 bytes\n$/);
    expect((await cli(['queue', 'list', '--older-than', '3000d', '--json'])).stdout).toBe('');
  });

  test('hold pipes exactly that sender\'s not-yet-held IDs to postsuper -c DIR -h - and reports the confirmed count', async () => {
    const r = await cli(['queue', 'hold', '--sender', 'login@domain.net']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 message(s) from login@domain.net to hold (deferred: 2), 1422 bytes');
    expect(r.stdout).toContain('Postfix confirmed: 2 message(s) placed on hold');
    expect(r.stdout).toContain('undo: mailwarden queue release --sender login@domain.net');
    expect(fake.postsuperCalls()).toEqual([{ argv: ['-c', '/etc/postfix-test', '-h', '-'], ids: ['8CB7220C381', '2F2F520C35C'] }]);
  });

  test('release takes only held mail; --json reports selected and confirmed', async () => {
    const r = await cli(['queue', 'release', '--sender', 'login@domain.net', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ operation: 'release', sender: 'login@domain.net', selected: 1, confirmed: 1, ids: ['3Pt2mN2VXxznjll'] });
    expect(fake.postsuperCalls()).toEqual([{ argv: ['-c', '/etc/postfix-test', '-H', '-'], ids: ['3Pt2mN2VXxznjll'] }]);
  });

  test('--dry-run shows what would be touched and changes nothing', async () => {
    const r = await cli(['queue', 'purge', '--sender', 'login@domain.net', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3 message(s) from login@domain.net to purge');
    expect(r.stdout).toContain('dry run: nothing was changed');
    expect(fake.postsuperCalls()).toEqual([]);
  });

  test('purge: refused without --yes when stdin is not a terminal', async () => {
    const r = await cli(['queue', 'purge', '--sender', 'login@domain.net'], { stdin: 'yes\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('stdin is not a terminal');
    expect(fake.postsuperCalls()).toEqual([]);
  });

  test('purge on a terminal asks; anything but yes deletes nothing', async () => {
    const no = await cli(['queue', 'purge', '--sender', 'login@domain.net'], { stdin: 'no\n', tty: true });
    expect(no.code).toBe(1);
    expect(no.stderr).toContain('Delete these 3 message(s) from login@domain.net for good?');
    expect(no.stdout).toContain('nothing was deleted');
    expect(fake.postsuperCalls()).toEqual([]);
    const yes = await cli(['queue', 'purge', '--sender', 'login@domain.net'], { stdin: 'yes\n', tty: true });
    expect(yes.code).toBe(0);
    expect(yes.stdout).toContain('Postfix confirmed: 3 message(s) deleted');
    expect(fake.postsuperCalls()).toEqual([{ argv: ['-c', '/etc/postfix-test', '-d', '-'], ids: ['8CB7220C381', '2F2F520C35C', '3Pt2mN2VXxznjll'] }]);
  });

  test('purge --yes of the null sender touches only bounces', async () => {
    const r = await cli(['queue', 'purge', '--sender', '<>', '--yes']);
    expect(r.code).toBe(0);
    expect(fake.postsuperCalls()).toEqual([{ argv: ['-c', '/etc/postfix-test', '-d', '-'], ids: ['C0FFEE1'] }]);
  });

  test('nothing selected: nothing run', async () => {
    const r = await cli(['queue', 'hold', '--sender', 'nobody@domain.net']);
    expect(r).toMatchObject({ code: 0, stdout: expect.stringContaining('nothing to hold') });
    expect(fake.postsuperCalls()).toEqual([]);
  });

  test.each([
    [['queue'], 'a subcommand is required'],
    [['queue', 'delete', '--sender', 'a@b'], 'unknown subcommand "delete"'],
    [['queue', 'hold'], '--sender is required'],
    [['queue', 'purge', '--recipient-domain', 'x.test'], '--sender is required'],
    [['queue', 'hold', '--sender', 'a@b', '--queue', 'hold'], 'already held'],
    [['queue', 'release', '--sender', 'a@b', '--queue', 'deferred'], 'only held mail can be released'],
    [['queue', 'list', '--older-than', '2 hours'], '--older-than "2 hours" is not a duration'],
    [['queue', 'list', '--queue', 'bounce'], '"bounce" is not a queue'],
    [['queue', 'list', '--yes'], '--dry-run and --yes belong to'],
    [['queue', 'hold', '--sender', 'a@b c@d'], 'contains a space'],
    [['queue', 'list', 'extra'], 'unexpected argument "extra"'],
  ])('usage error %j', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(fake.postsuperCalls()).toEqual([]);
  });

  test('a postqueue that cannot run is a runtime error naming it', async () => {
    fs.writeFileSync(config, JSON.stringify({ dataDir: path.join(dir, 'data'), pluginDir: path.join(dir, 'plugins'), postfix: { postqueuePath: path.join(dir, 'nope', 'postqueue') } }));
    const r = await cli(['queue', 'list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path.join(dir, 'nope', 'postqueue')} -j: spawn`);
  });
});
