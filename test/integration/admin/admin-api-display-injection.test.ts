import * as fs from 'node:fs';
import * as path from 'node:path';
import { type AdminHarness, startAdmin } from '../../helpers/admin-client';
import { pluginDirWith } from '../../helpers/built-plugins';
import { tempDir } from '../../helpers/plugin-fixture';

/*
 * Issue 14 (low): display and log injection. Logins with C1 controls, line
 * separators or bidi overrides are refused at the edge; free-text labels and
 * reasons are stored on one line; a login never reaches `doveadm kick` as a
 * pattern (or as an option).
 */

const UNSAFE: ReadonlyArray<[string, string]> = [
  ['U+0085 NEL', '\u0085'], ['U+009B CSI', '\u009b'], ['U+0080', '\u0080'], ['U+009F', '\u009f'],
  ['U+2028 LINE SEPARATOR', '\u2028'], ['U+2029 PARAGRAPH SEPARATOR', '\u2029'],
  ['U+202A LRE', '\u202a'], ['U+202E RLO', '\u202e'], ['U+2066 LRI', '\u2066'], ['U+2069 PDI', '\u2069'],
];

let h: AdminHarness;
let dir: string;
let kicked: string;

beforeAll(async () => {
  dir = tempDir('mw-inject-');
  kicked = path.join(dir, 'kicked');
  const kickCommand = [process.execPath, '-e', 'require("fs").appendFileSync(process.argv[1], process.argv[2] + "\\n")', kicked, '{login}'];
  h = await startAdmin({
    pluginDir: pluginDirWith(['trusted-ips']),
    config: { accounts: { kickCommand }, plugins: { 'trusted-ips': { tableFile: path.join(dir, 'trusted.cidr'), reloadCommand: [] } } } as never,
  });
  await h.app.settings.addDomain('example.org', 'test');
});
afterAll(() => h.close());

describe('logins with C1 controls, line separators or bidi overrides are refused (400 naming /login), nothing is locked', () => {
  test.each(UNSAFE)('%s', async (_name, ch) => {
    const r = await h.call('POST', '/api/accounts/lock', { body: { login: `ali${ch}ce@example.org`, reason: 'test' } });
    expect(r.status).toBe(400);
    expect(r.body.problems[0]).toMatchObject({ path: '/login' });
    expect(r.body.error).not.toContain(ch);
    expect((await h.call('GET', '/api/accounts/locks')).body).toEqual([]);
  });

  test('the auth pipeline refuses them too (every gateway normalises through it)', () => {
    for (const [, ch] of UNSAFE) {
      expect(() => h.app.pipeline.attempt({ login: `bob${ch}@example.org`, remoteIp: '192.0.2.1', protocol: 'imap' } as never)).toThrow(/control|invisible|direction/);
    }
  });

  test('letters of any script still pass', async () => {
    const r = await h.call('POST', '/api/accounts/lock', { body: { login: 'Jürgen.Ñandú-عربي@Exämple.org', reason: 'test' } });
    expect(r.status).toBe(201);
    expect(r.body.login).toBe('jürgen.ñandú-عربي@xn--exmple-cua.org');
    await h.call('POST', '/api/accounts/unlock', { body: { login: 'Jürgen.Ñandú-عربي@Exämple.org' } });
  });
});

describe('a login never reaches the kick command as a doveadm pattern or an option', () => {
  test.each(['*@example.org', 'a?c@example.org', '*', '-a@example.org'])('%j: refused with 400, the command does not run', async (login) => {
    const r = await h.call('POST', '/api/accounts/logout', { body: { login } });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/kick/);
    expect(fs.existsSync(kicked)).toBe(false);
  });

  test('an ordinary login is kicked, exactly that one', async () => {
    const r = await h.call('POST', '/api/accounts/logout', { body: { login: 'Alice@example.org' } });
    expect(r.status).toBe(200);
    expect(fs.readFileSync(kicked, 'utf8')).toBe('alice@example.org\n');
    fs.rmSync(kicked);
  });
});

describe('free-text labels and reasons are stored on one line', () => {
  test('a trusted-ips label and reason with newlines, C1 and bidi controls', async () => {
    const r = await h.call('POST', '/api/plugins/trusted-ips/entries', {
      body: { network: '10.0.0.0/8', force: true, reason: 'move\r\n10.0.0.0/8 permit', label: 'office\n0.0.0.0/0 permit\u0085x\u202eevil\u2028end' },
    });
    expect(r.status).toBe(200);
    expect(r.body.entry.label).toBe('office 0.0.0.0/0 permit x evil end');
    expect(r.body.entry.forceReason).toBe('move 10.0.0.0/8 permit');
    const audit = (await h.call('GET', '/api/plugins/trusted-ips/audit?limit=1')).body[0];
    expect(audit.reason).toBe('move 10.0.0.0/8 permit');
    const table = fs.readFileSync(path.join(dir, 'trusted.cidr'), 'utf8');
    expect(table).not.toMatch(/^0\.0\.0\.0\/0/m);
  });

  test('an account lock reason and a blocks-clear reason', async () => {
    const lock = await h.call('POST', '/api/accounts/lock', { body: { login: 'eve@example.org', reason: 'phished\nFAKE: account.unlock by root\u202e' } });
    expect(lock.status).toBe(201);
    expect(lock.body.reason).toBe('phished FAKE: account.unlock by root');
    expect((await h.call('GET', '/api/accounts/locks')).body[0].reason).toBe('phished FAKE: account.unlock by root');
    const clear = await h.call('POST', '/api/blocks/clear', { body: { all: true, reason: 'false\r\npositive\u0085' } });
    expect(clear.status).toBe(200);
    const audit = (await h.call('GET', '/api/audit?subject=blocks:')).body[0];
    expect(audit.reason).toBe('false positive');
  });
});
