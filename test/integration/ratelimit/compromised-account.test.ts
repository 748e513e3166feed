/*
 * A compromised account against the real servers: Dovecot (SASL for Postfix,
 * auth policy → mailwarden's Dovecot gateway), Postfix (policy service →
 * mailwarden's Postfix gateway at RCPT and END-OF-MESSAGE) and the
 * sender-ratelimit plugin. Alice's password is "guessed": she sends past her
 * limits, the extra mail is deferred, the flood locks her account (her next
 * SMTP AUTH fails), what she queued is held, the admin alert is recorded;
 * then `queue release/hold/purge --sender` act on exactly her mail in the
 * real queue and leave the rest.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { QueueActions, type Notification } from '../../../shared';
import type { App } from '../../../host/core/app';
import { GLOBAL } from '../../../host/core/domains/domain-settings';
import { DovecotGateway } from '../../../host/adapters/gateways/dovecot/dovecot-gateway';
import { PostfixPolicyGateway } from '../../../host/adapters/gateways/postfix/policy-gateway';
import { PostfixQueue } from '../../../host/tools/postfix/queue/postfix-queue';
import { QueueTools } from '../../../host/tools/postfix/queue/queue-tools';
import { postfixWiring } from '../../../host/tools/postfix/wiring';
import { mainCfOf } from '../../helpers/main-cf';
import { MailTransport } from '../../../host/core/services/mail-transport';
import { type DovecotInstance, startDovecot } from '../../harness/dovecot';
import { PostfixInstance, requirePostfix } from '../../harness/postfix';
import { describeWith } from '../../helpers/system';
import { pluginDirWith } from '../../helpers/built-plugins';
import { tempDir } from '../../helpers/plugin-fixture';
import { runCli } from '../../helpers/run-cli';
import { testApp } from '../../helpers/test-app';
import { jsonLines } from '../../helpers/json-lines';

const API_HEADER = 'Authorization: Basic ' + Buffer.from('dovecot:ratelimit-it').toString('base64');
const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';

const suite = 'sender-ratelimit: a compromised account through the real Postfix and Dovecot';
describeWith('/usr/sbin/dovecot', 'dovecot-core')(suite, () => {
  if (!requirePostfix(suite)) {
    test.skip('needs Postfix (see above)', () => undefined);
    return;
  }
  let app: App;
  let dir: string;
  let dc: DovecotInstance;
  let pf: PostfixInstance;
  let dovecotGw: DovecotGateway;
  let policyGw: PostfixPolicyGateway;
  let cliConfig: string;
  let kicks: string;
  let mail: MailTransport;

  beforeAll(async () => {
    dir = tempDir('mw-rl-it-');
    fs.chmodSync(dir, 0o755);
    kicks = path.join(dir, 'kicks.txt');
    const recorder = `require('fs').appendFileSync(${JSON.stringify(kicks)}, process.argv[1] + '\\n')`;
    const t = await testApp({
      pluginDir: pluginDirWith(['sender-ratelimit']),
      config: { dovecot: { apiHeader: API_HEADER, maxBodyBytes: 16384 }, accounts: { kickCommand: [process.execPath, '-e', recorder, '{login}'] } },
    });
    app = t.app;
    dovecotGw = new DovecotGateway(app, { host: '127.0.0.1', port: 0 });
    const dport = (await dovecotGw.start()).port;
    policyGw = new PostfixPolicyGateway(app, { host: '127.0.0.1', port: 0 });
    const pport = (await policyGw.start()).port;
    const socket = path.join(dir, 'auth');
    dc = await startDovecot({
      users: [{ login: ALICE, password: 'alice-pw' }, { login: BOB, password: 'bob-pw' }],
      policy: { url: `http://127.0.0.1:${dport}/`, apiHeader: API_HEADER },
      sasl: { unixPath: socket },
    });
    pf = await PostfixInstance.start({
      prefix: 'mw-pf-rl-',
      saslDovecotSocket: socket,
      // The one wiring `mailwarden wiring postfix` prints: recipients counted at RCPT, messages at END-OF-MESSAGE.
      mainCf: mainCfOf(postfixWiring({ policyAddress: `127.0.0.1:${pport}` })),
    });
    // Alerts are mailed to the admin through this same Postfix (from 127.0.0.1, in mynetworks).
    const admin = { admin: 'postmaster@example.com', from: 'mailwarden@example.com' };
    mail = new MailTransport({ to: [admin.admin], from: admin.from, smtpHost: '127.0.0.1', smtpPort: pf.port, minSeverity: 'info', maxAttempts: 1, retryBaseSeconds: 60, timeoutMs: 10_000 }, app.clock, app.logger, app.metrics, admin);
    app.notifier.addTransport(mail);
    // The queue tools act on this instance (the plugin's QueueActions and the CLI).
    const postfix = { ...t.config.postfix, configDir: pf.dir };
    const queue = new QueueTools(new PostfixQueue(postfix, app.clock, app.logger), postfix, app.clock);
    await app.container.unbind(QueueActions);
    app.container.bind(QueueActions).toConstantValue(queue);
    expect(await app.loadPlugins()).toEqual([]);
    await app.settings.setConfig(GLOBAL, app.registry.get('sender-ratelimit')!, { recipientsPerHour: 4, messagesPerHour: 10, compromiseFactor: 2, trustedClients: [] }, 'test');
    cliConfig = path.join(dir, 'mailwarden.json');
    fs.writeFileSync(cliConfig, JSON.stringify({ dataDir: path.join(dir, 'cli-data'), pluginDir: path.join(dir, 'no-plugins'), postfix }));
  }, 120_000);

  afterAll(async () => {
    mail?.dispose();
    await pf?.stop();
    await dc?.stop();
    await policyGw?.stop();
    await dovecotGw?.stop();
    await app?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const submit = (user: string, password: string, from: string, to: string[], localAddress = '127.0.0.31') =>
    pf.sendMail({ port: pf.submissionPort!, localAddress, auth: { user, password }, from, to });
  /** The queue as [sender, held or not], leaving out the admin alert mail. */
  const senders = () => pf.queue().filter((m) => m.sender !== 'mailwarden@example.com').map((m) => [m.sender, m.queue_name === 'hold' ? 'hold' : 'queued'] as const).sort();

  test('past the limit the extra mail is deferred; the flood locks the account, holds its mail and alerts once', async () => {
    expect(await submit(ALICE, 'alice-pw', ALICE, ['a1@remote.test', 'a2@remote.test'])).toMatchObject({ accepted: true });
    expect(await submit(ALICE, 'alice-pw', ALICE, ['a3@remote.test', 'a4@remote.test'])).toMatchObject({ accepted: true });
    // Other people's mail, including senders a substring match would catch.
    expect(await submit(BOB, 'bob-pw', BOB, ['b1@remote.test'], '127.0.0.32')).toMatchObject({ accepted: true });
    expect(await submit(BOB, 'bob-pw', 'xalice@example.com', ['b2@remote.test'], '127.0.0.32')).toMatchObject({ accepted: true });
    expect(await submit(BOB, 'bob-pw', 'alice@example.com.evil', ['b3@remote.test'], '127.0.0.32')).toMatchObject({ accepted: true });
    await pf.waitForQueue((q) => q.length === 5);

    // Recipients 5 and 6: over recipientsPerHour=4, deferred (DEFER_IF_PERMIT → 450), nothing queued.
    const over = await submit(ALICE, 'alice-pw', ALICE, ['a5@remote.test', 'a6@remote.test']);
    expect(over.accepted).toBe(false);
    expect(over.rcptReplies.map((r) => r.code)).toEqual([450, 450]);
    expect(over.rcptReplies[0].text).toContain('alice@example.com reached the limit of 4 recipients per hour');
    expect(await app.accounts.isLocked(ALICE)).toBeUndefined();

    // Attempts 7-9: the 9th is more than 4 × 2, a compromise.
    const flood = await submit(ALICE, 'alice-pw', ALICE, ['a7@remote.test', 'a8@remote.test', 'a9@remote.test']);
    expect(flood.accepted).toBe(false);
    expect(flood.rcptReplies[2].text).toContain('sending suspended for alice@example.com');
    await (app.registry.get('sender-ratelimit')!.hooks as unknown as { idle(): Promise<void> }).idle();

    expect(await app.accounts.isLocked(ALICE)).toMatchObject({ by: 'sender-ratelimit' });
    expect(fs.readFileSync(kicks, 'utf8')).toBe(`${ALICE}\n`);
    // Her next SMTP AUTH fails: Dovecot asks the policy server, which refuses a locked account.
    const again = await submit(ALICE, 'alice-pw', ALICE, ['a10@remote.test']);
    expect(again.accepted).toBe(false);
    expect(again.last.code).toBe(535);
    expect(await submit(BOB, 'bob-pw', BOB, ['b4@remote.test'], '127.0.0.32')).toMatchObject({ accepted: true });
    // What she queued is on hold; nobody else's mail is.
    await pf.waitForQueue((q) => q.length === 7 && q.filter((m) => m.queue_name === 'hold').length === 2);
    expect(senders()).toEqual([
      [ALICE, 'hold'], [ALICE, 'hold'], ['alice@example.com.evil', 'queued'], [BOB, 'queued'], [BOB, 'queued'], ['xalice@example.com', 'queued'],
    ]);
    const alerts: Notification[] = await app.notifier.recent();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: 'critical', subject: `Suspected compromised account: ${ALICE}`, source: 'sender-ratelimit' });
    expect(alerts[0].text).toContain('2 queued message(s) put on hold');
    expect(alerts[0].text).toContain('127.0.0.31');
    expect(alerts[0].text).toContain(`mailwarden account unlock ${ALICE}`);
    expect(alerts[0].text).toContain(`mailwarden queue release --sender ${ALICE}`);
    // …and mailed to the admin: the alert sits in the queue, addressed to postmaster.
    const alertMail = pf.queue().find((m) => m.sender === 'mailwarden@example.com');
    expect(alertMail?.recipients.map((r) => r.address)).toEqual(['postmaster@example.com']);
    const content = execFileSync('postcat', ['-c', pf.dir, '-q', alertMail!.queue_id], { encoding: 'utf8' });
    expect(content).toContain(`Suspected compromised account: ${ALICE}`);
    expect(content).toContain(`mailwarden account unlock ${ALICE}`);
  }, 120_000);

  test('queue release / hold / purge --sender act on exactly that sender\'s mail in the real queue', async () => {
    const cli = (...args: string[]) => runCli([...args, '--config', cliConfig]);
    const release = await cli('queue', 'release', '--sender', 'Alice@Example.com');
    expect(release).toMatchObject({ code: 0, stdout: expect.stringContaining('Postfix confirmed: 2 message(s) released from hold') });
    await pf.waitForQueue((q) => q.every((m) => m.queue_name !== 'hold'));

    const dry = await cli('queue', 'hold', '--sender', ALICE, '--dry-run');
    expect(dry.stdout).toContain(`2 message(s) from ${ALICE} to hold`);
    expect(pf.queue().every((m) => m.queue_name !== 'hold')).toBe(true);

    const hold = await cli('queue', 'hold', '--sender', ALICE, '--json');
    expect(JSON.parse(hold.stdout)).toMatchObject({ selected: 2, confirmed: 2 });
    expect(senders()).toEqual([
      [ALICE, 'hold'], [ALICE, 'hold'], ['alice@example.com.evil', 'queued'], [BOB, 'queued'], [BOB, 'queued'], ['xalice@example.com', 'queued'],
    ]);

    expect(await cli('queue', 'purge', '--sender', ALICE)).toMatchObject({ code: 2, stderr: expect.stringContaining('stdin is not a terminal') });
    expect(senders()).toHaveLength(6);
    const purge = await cli('queue', 'purge', '--sender', ALICE, '--yes');
    expect(purge).toMatchObject({ code: 0, stdout: expect.stringContaining('Postfix confirmed: 2 message(s) deleted') });
    expect(senders()).toEqual([['alice@example.com.evil', 'queued'], [BOB, 'queued'], [BOB, 'queued'], ['xalice@example.com', 'queued']]);
    expect(jsonLines((await cli('queue', 'list', '--sender', ALICE, '--json')).stdout)).toEqual([]);
  }, 120_000);

  test('logs scan reads this instance\'s log: the account, its recipients and its client', async () => {
    const r = await runCli(['logs', 'scan', pf.maillog, '--json']);
    const rep = JSON.parse(r.stdout);
    const alice = rep.senders.find((s: { login: string }) => s.login === ALICE);
    expect(alice).toMatchObject({ messages: 2, recipients: 4, clientAddresses: ['127.0.0.31'] });
    expect(rep.senders.find((s: { login: string }) => s.login === BOB)).toMatchObject({ messages: 4 });
    expect(rep.unparsed).toBe(0);
  }, 60_000);
});
