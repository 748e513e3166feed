import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../../host/adapters/cli/main';
import { DOVECOT_REQUEST_ATTRIBUTES } from '../../../host/tools/postfix/wiring';
import { captureIo } from '../../helpers/cli-io';
import { tempDir } from '../../helpers/plugin-fixture';
import { realPluginDir } from '../../helpers/real-plugin';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await main(args, { ...io, env: { USER: 'itest', MAILWARDEN_LOG_LEVEL: 'error' } });
  return { code, ...io.text };
}

let dir: string;
let flags: string[];

beforeAll(() => {
  dir = tempDir('mw-wiring-');
  const config = path.join(dir, 'mailwarden.json');
  fs.writeFileSync(config, JSON.stringify({ listen: { dovecot: '127.0.0.1:18441', postfix: '0.0.0.0:20040' }, state: { backend: 'sqlite' } }));
  flags = ['--config', config, '--data-dir', path.join(dir, 'data'), '--plugin-dir', tempDir('mw-wiring-plugins-')];
});

test('wiring dovecot: the dovecot.conf lines of this instance, with the secret it creates (mode 600) and keeps', async () => {
  const r = await cli(['wiring', 'dovecot', ...flags]);
  expect(r).toMatchObject({ code: 0, err: '' });
  const secret = fs.readFileSync(path.join(dir, 'data', 'dovecot.secret'), 'utf8').trim();
  expect(fs.statSync(path.join(dir, 'data', 'dovecot.secret')).mode & 0o777).toBe(0o600);
  const header = `Authorization: Basic ${Buffer.from(`dovecot:${secret}`).toString('base64')}`;
  const settings = r.out.split('\n').filter((l) => l && !l.startsWith('#'));
  expect(settings).toEqual([
    'auth_policy_server_url = http://127.0.0.1:18441/',
    `auth_policy_server_api_header = ${header}`,
    'auth_policy_server_timeout_msecs = 2000',
    expect.stringMatching(/^auth_policy_hash_nonce = [0-9a-f]{32}$/),
    'auth_policy_hash_truncate = 12',
    `auth_policy_request_attributes = ${DOVECOT_REQUEST_ATTRIBUTES}`,
    'auth_policy_check_before_auth = yes',
    'auth_policy_check_after_auth = yes',
    'auth_policy_report_after_auth = yes',
  ]);
  // Run again: the same lines (same secret, same nonce).
  expect((await cli(['wiring', 'dovecot', ...flags])).out).toBe(r.out);
  const json = JSON.parse((await cli(['wiring', 'dovecot', '--json', ...flags])).out);
  expect(json).toMatchObject({ listener: '127.0.0.1:18441', secretSource: 'file', settings });
});

test('wiring postfix: the relay decision left to Postfix, then the policy service per recipient and per message', async () => {
  const r = await cli(['wiring', 'postfix', ...flags]);
  expect(r).toMatchObject({ code: 0 });
  const settings = r.out.split('\n').filter((l) => l && !l.startsWith('#'));
  // A wildcard bind is reached on loopback. No plugin here contributes lines (mynetworks is a plugin's).
  expect(settings).toEqual([
    'smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination',
    'smtpd_recipient_restrictions = check_policy_service { inet:127.0.0.1:20040, policy_context=relay }',
    'smtpd_end_of_data_restrictions = check_policy_service { inet:127.0.0.1:20040, policy_context=limits }',
  ]);
});

test('wiring postfix with the bundled trusted relays plugin: its mynetworks line first, with its comment, in text and JSON', async () => {
  const withPlugin = [...flags.slice(0, -1), realPluginDir('trusted-ips')];
  const r = await cli(['wiring', 'postfix', ...withPlugin]);
  expect(r).toMatchObject({ code: 0, err: '' });
  expect(r.out.split('\n').slice(1, 4)).toEqual([
    '# Trusted relays: the table `mailwarden trusted-ips apply` writes (loopback always in).',
    'mynetworks = cidr:/etc/postfix/mailwarden-trusted.cidr',
    "# The relay decision stays Postfix's; reject_unauth_destination keeps the server from being an open relay.",
  ]);
  const json = JSON.parse((await cli(['wiring', 'postfix', '--json', ...withPlugin])).out);
  expect(json.settings).toEqual([
    'mynetworks = cidr:/etc/postfix/mailwarden-trusted.cidr',
    'smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination',
    'smtpd_recipient_restrictions = check_policy_service { inet:127.0.0.1:20040, policy_context=relay }',
    'smtpd_end_of_data_restrictions = check_policy_service { inet:127.0.0.1:20040, policy_context=limits }',
  ]);
});

test('wiring with nothing or something unknown to wire is a usage error', async () => {
  expect(await cli(['wiring', ...flags])).toMatchObject({ code: 2, err: expect.stringContaining('dovecot or postfix') });
  expect(await cli(['wiring', 'exim', ...flags])).toMatchObject({ code: 2, err: expect.stringContaining('unknown target "exim"') });
});
