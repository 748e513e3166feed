/*
 * action=HOLD through the real Postfix: a message the policy held at
 * END-OF-MESSAGE is still reported to onMail as accepted (it sits in the hold
 * queue). It must be counted once: with recipientsPerHour 10 and
 * compromiseFactor 3 the account is locked at the 31st recipient, not the 21st.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { QueueActions } from '../../../shared';
import type { App } from '../../../host/core/app';
import { GLOBAL } from '../../../host/core/domains/domain-settings';
import { DovecotGateway } from '../../../host/adapters/gateways/dovecot/dovecot-gateway';
import { PostfixPolicyGateway } from '../../../host/adapters/gateways/postfix/policy-gateway';
import { PostfixQueue } from '../../../host/tools/postfix/queue/postfix-queue';
import { QueueTools } from '../../../host/tools/postfix/queue/queue-tools';
import { postfixWiring } from '../../../host/tools/postfix/wiring';
import { mainCfOf } from '../../helpers/main-cf';
import { type DovecotInstance, startDovecot } from '../../harness/dovecot';
import { PostfixInstance, requirePostfix } from '../../harness/postfix';
import { describeWith } from '../../helpers/system';
import { pluginDirWith } from '../../helpers/built-plugins';
import { tempDir } from '../../helpers/plugin-fixture';
import { testApp } from '../../helpers/test-app';

const API_HEADER = 'Authorization: Basic ' + Buffer.from('dovecot:hold-once').toString('base64');
const ALICE = 'alice@example.com';

const suite = 'sender-ratelimit with action=HOLD: held mail is counted once (real Postfix and Dovecot)';
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

  beforeAll(async () => {
    dir = tempDir('mw-rl-hold-');
    fs.chmodSync(dir, 0o755);
    const t = await testApp({
      pluginDir: pluginDirWith(['sender-ratelimit']),
      config: { dovecot: { apiHeader: API_HEADER, maxBodyBytes: 16384 }, accounts: { kickCommand: ['true'] } },
    });
    app = t.app;
    dovecotGw = new DovecotGateway(app, { host: '127.0.0.1', port: 0 });
    const dport = (await dovecotGw.start()).port;
    policyGw = new PostfixPolicyGateway(app, { host: '127.0.0.1', port: 0 });
    const pport = (await policyGw.start()).port;
    const socket = path.join(dir, 'auth');
    dc = await startDovecot({
      users: [{ login: ALICE, password: 'alice-pw' }],
      policy: { url: `http://127.0.0.1:${dport}/`, apiHeader: API_HEADER },
      sasl: { unixPath: socket },
    });
    pf = await PostfixInstance.start({
      prefix: 'mw-pf-hold-',
      saslDovecotSocket: socket,
      // The one wiring `mailwarden wiring postfix` prints: recipients counted at RCPT, messages at END-OF-MESSAGE.
      mainCf: mainCfOf(postfixWiring({ policyAddress: `127.0.0.1:${pport}` })),
    });
    const postfix = { ...t.config.postfix, configDir: pf.dir };
    await app.container.unbind(QueueActions);
    app.container.bind(QueueActions).toConstantValue(new QueueTools(new PostfixQueue(postfix, app.clock, app.logger), postfix, app.clock));
    expect(await app.loadPlugins()).toEqual([]);
    await app.settings.setConfig(GLOBAL, app.registry.get('sender-ratelimit')!, { action: 'HOLD', recipientsPerHour: 10, messagesPerHour: 10, compromiseFactor: 3, trustedClients: [] }, 'test');
  }, 120_000);

  afterAll(async () => {
    await pf?.stop();
    await dc?.stop();
    await policyGw?.stop();
    await dovecotGw?.stop();
    await app?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const idle = () => (app.registry.get('sender-ratelimit')!.hooks as unknown as { idle(): Promise<void> }).idle();
  const send = (i: number) => pf.sendMail({ port: pf.submissionPort!, localAddress: '127.0.0.41', auth: { user: ALICE, password: 'alice-pw' }, from: ALICE, to: [`r${i}@remote.test`] });

  test('30 recipients (20 of them held) do not lock the account; the 31st does', async () => {
    for (let i = 1; i <= 30; i++) {
      expect(await send(i)).toMatchObject({ accepted: true });
      await idle();
    }
    expect(await app.accounts.isLocked(ALICE)).toBeUndefined();
    await pf.waitForQueue((q) => q.length === 30 && q.filter((m) => m.queue_name === 'hold').length === 20);

    // The 31st attempt is a compromise: the account is locked at once, so the
    // message's end of data is refused for a locked login.
    const last = await send(31);
    expect(last.accepted).toBe(false);
    expect(last.last.text).toContain('locked');
    await idle();
    expect(await app.accounts.isLocked(ALICE)).toMatchObject({ by: 'sender-ratelimit' });
    const alerts = await app.notifier.recent();
    expect(alerts).toHaveLength(1);
    // The evidence counts each message once: 30 messages, 31 recipient attempts, 10 within the limit.
    expect(alerts[0].text).toContain('31 attempted recipientsPerHour, limit 10');
    expect(alerts[0].text).toContain('recipientAttemptsLastHour: 31');
    expect(alerts[0].text).toContain('messageAttemptsLastHour: 30');
    expect(alerts[0].text).toContain('recipientsLastHour: 10');
  }, 180_000);
});
