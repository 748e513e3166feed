/*
 * Closing an account's sessions with the real `doveadm kick` (the default
 * kickCommand) against a private Dovecot. With no session doveadm exits 68
 * ("no users kicked"): that is "no open sessions", not a failure, for the CLI
 * and for the sender-ratelimit remediation alert (an attacker who only used
 * SMTP AUTH has no IMAP session to close).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { GLOBAL } from '../../../host/core/domains/domain-settings';
import { type DovecotInstance, startDovecot } from '../../harness/dovecot';
import { pluginDirWith } from '../../helpers/built-plugins';
import { tempDir } from '../../helpers/plugin-fixture';
import { relayRequest } from '../../helpers/relay-request';
import { runCli } from '../../helpers/run-cli';
import { describeWith } from '../../helpers/system';
import { testApp } from '../../helpers/test-app';

const ALICE = 'alice@example.com';

/** An IMAP session that stays open until the server closes it. */
function imapSession(port: number, login: string, password: string): Promise<{ closed: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    const closed = new Promise<string>((done) => s.on('close', () => done(text)));
    s.setEncoding('utf8');
    s.on('error', reject);
    s.on('data', (d: string) => {
      const before = text;
      text += d;
      if (!before.includes('* OK') && text.includes('* OK')) s.write(`a1 LOGIN ${login} ${password}\r\n`);
      if (!before.includes('a1 OK') && text.includes('a1 OK')) resolve({ closed });
      if (text.includes('a1 NO')) reject(new Error(text));
    });
  });
}

describeWith('/usr/sbin/dovecot', 'dovecot-core')('doveadm kick through mailwarden (real Dovecot)', () => {
  let dc: DovecotInstance;
  let dir: string;
  let config: string;
  const kick = () => ['doveadm', '-c', dc.configFile, 'kick', '{login}'];

  beforeAll(async () => {
    dc = await startDovecot({ users: [{ login: ALICE, password: 'alice-pw' }] });
    dir = tempDir('mw-kick-');
    config = path.join(dir, 'mailwarden.json');
    fs.writeFileSync(config, JSON.stringify({ dataDir: path.join(dir, 'data'), pluginDir: path.join(dir, 'plugins'), accounts: { kickCommand: kick() } }));
  }, 60_000);

  afterAll(async () => {
    await dc?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('account logout of a user without sessions exits 0 and says so', async () => {
    const r = await runCli(['account', 'logout', ALICE, '--config', config]);
    expect(r).toMatchObject({ code: 0, stdout: `no open sessions for ${ALICE}\n` });
    // Nothing on stderr but the note a first command on a new store makes (its default domain).
    expect(r.stderr.replace(/^mailwarden: changed settings in data directory .*\n/, '')).toBe('');
    const json = await runCli(['account', 'logout', ALICE, '--json', '--config', config]);
    expect(JSON.parse(json.stdout)).toEqual({ login: ALICE, sessions: 'none' });
  }, 30_000);

  test('account logout of a user with an IMAP session closes it', async () => {
    const session = await imapSession(dc.imapPort, ALICE, 'alice-pw');
    expect(await runCli(['account', 'logout', ALICE, '--config', config])).toMatchObject({ code: 0, stdout: `closed the sessions of ${ALICE}\n` });
    expect(await session.closed).toContain('* BYE');
  }, 30_000);

  test('the remediation alert of an SMTP-only attacker says "no open sessions"', async () => {
    const t = await testApp({ pluginDir: pluginDirWith(['sender-ratelimit']), config: { accounts: { kickCommand: kick() } } });
    try {
      expect(await t.app.loadPlugins()).toEqual([]);
      const plugin = t.app.registry.get('sender-ratelimit')!;
      await t.app.settings.setConfig(GLOBAL, plugin, { recipientsPerHour: 1, compromiseFactor: 1 }, 'test');
      for (let i = 0; i < 3; i++) await t.app.pipeline.checkRelay(relayRequest({ saslUsername: ALICE, recipient: `v${i}@remote.test`, at: t.app.clock.now() }));
      await (plugin.hooks as unknown as { idle(): Promise<void> }).idle();
      const alerts = await t.app.notifier.recent();
      expect(alerts).toHaveLength(1);
      expect(alerts[0].text).toContain('  - no open sessions');
      expect(alerts[0].text).not.toContain('closing sessions FAILED');
    } finally {
      await t.app.close();
    }
  }, 30_000);
});
