import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../host/adapters/cli/main';
import { AuthLogFollower } from '../../host/adapters/logs/auth-log-follower';
import { pluginDirWith } from '../helpers/built-plugins';
import { tempDir } from '../helpers/plugin-fixture';
import { testApp } from '../helpers/test-app';

const POSTFIX_FAIL = (ip: string, user: string) => `Jun 21 08:34:30 mx1 postfix/submission/smtpd[812]: warning: unknown[${ip}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=${user}\n`;
const DOVECOT_FAIL = (ip: string, user: string, n: number) => `2021-06-21T08:34:31.000001+02:00 mx1 dovecot[77]: imap-login: Disconnected: Aborted login by logging out (auth failed, ${n} attempts in 4 secs): user=<${user}>, method=PLAIN, rip=${ip}, lip=192.0.2.1, session=<x>\n`;

test('failed logins read from a rotating log become reports, and blocks follow', async () => {
  const { app, clock } = await testApp({ pluginDir: pluginDirWith(['password-bruteforce']) });
  expect(await app.loadPlugins()).toEqual([]);
  const log = path.join(tempDir('mw-follow-'), 'mail.log');
  fs.writeFileSync(log, POSTFIX_FAIL('198.51.100.7', 'alice@example.com').repeat(5));
  const f = new AuthLogFollower(app, log);
  await f.pollNow(); // starts at the end: history is not replayed
  expect(await app.store.listBlocks({}, clock.now())).toEqual([]);
  fs.appendFileSync(log, POSTFIX_FAIL('198.51.100.7', 'alice@example.com').repeat(2));
  await f.pollNow();
  expect(await app.store.listBlocks({}, clock.now())).toEqual([]);
  fs.renameSync(log, `${log}.1`);
  fs.writeFileSync(log, POSTFIX_FAIL('198.51.100.7', 'Alice@Example.com'));
  await f.pollNow();
  expect(await app.store.listBlocks({ login: 'alice@example.com' }, clock.now())).toEqual([
    expect.objectContaining({ network: '198.51.100.7/32', source: 'password-bruteforce' }),
  ]);
  // Dovecot's line counts its attempts
  fs.appendFileSync(log, DOVECOT_FAIL('2001:db8:5::1', 'bob@example.com', 3));
  await f.pollNow();
  expect(await app.store.listBlocks({ login: 'bob@example.com' }, clock.now())).toEqual([expect.objectContaining({ network: '2001:db8:5::/64' })]);
  // an unusable login is skipped, not fatal
  fs.appendFileSync(log, POSTFIX_FAIL('198.51.100.9', 'x'.repeat(400)));
  await f.pollNow();
  await f.stop();
  await app.close();
});

test('mailwarden logs follow --from-start --once prints what it reported', async () => {
  const dataDir = tempDir('mw-follow-cli-');
  const log = path.join(dataDir, 'mail.log');
  fs.writeFileSync(log, POSTFIX_FAIL('198.51.100.7', 'carol@example.com') + 'Jun 21 08:34:30 mx1 postfix/smtpd[1]: connect from x[1.2.3.4]\n' + DOVECOT_FAIL('198.51.100.8', 'dave@example.com', 2));
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c) => (out += c));
  const code = await main(['logs', 'follow', log, '--from-start', '--once', '--json', '--data-dir', dataDir, '--plugin-dir', pluginDirWith(['password-bruteforce'])], { stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: {} });
  expect(code).toBe(0);
  expect(out.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
    { file: log, login: 'carol@example.com', remoteIp: '198.51.100.7', protocol: 'submission', attempts: 1, source: 'postfix', reported: true },
    { file: log, login: 'dave@example.com', remoteIp: '198.51.100.8', protocol: 'imap', attempts: 2, source: 'dovecot', reported: true },
  ]);
});

test('logs: bad usage is refused', async () => {
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (c) => (err += c));
  const io = { stdout: new PassThrough(), stderr, stdin: new PassThrough(), env: {} };
  expect(await main(['logs', 'follow'], io)).toBe(2);
  expect(await main(['logs', 'constructor'], io)).toBe(2);
  expect(await main(['logs', 'follow', 'x.log', '--poll-ms', '5'], io)).toBe(2);
  expect(err).toMatch(/at least one FILE is required/);
  expect(err).toMatch(/unknown subcommand "constructor"/);
  expect(err).toMatch(/--poll-ms must be an integer/);
});
