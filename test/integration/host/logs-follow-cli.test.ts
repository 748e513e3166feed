import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/*
 * `mailwarden logs follow` as an admin runs it: a real process that keeps
 * following until interrupted. Its followers' timers are unref'd (serve must
 * not be held open by them), so nothing else kept the process alive: it used
 * to exit at once, 0, having followed nothing. A missing file said nothing.
 */

const bin = path.join(__dirname, '../../../bin/mailwarden.js');

function start(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, MAILWARDEN_LOG_LEVEL: 'error', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b) => (stdout += b));
  child.stderr.on('data', (b) => (stderr += b));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('mailwarden logs follow (a real process)', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-follow-cli-'));
    env = { MAILWARDEN_DATA_DIR: path.join(dir, 'data'), MAILWARDEN_SYSTEM_CONFIG: path.join(dir, 'no-such-system.json') };
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a missing file is named and refused (exit 2)', async () => {
    const p = start(['logs', 'follow', path.join(dir, 'mail.lgo'), '--data-dir', path.join(dir, 'data')], env);
    expect(await p.exited).toBe(2);
    expect(p.err()).toContain(`logs follow: ${path.join(dir, 'mail.lgo')}: no such file`);
  });

  test('keeps following: a failure appended later is printed, SIGTERM ends it with 0', async () => {
    const log = path.join(dir, 'mail.log');
    fs.writeFileSync(log, '');
    const p = start(['logs', 'follow', log, '--poll-ms', '100', '--data-dir', path.join(dir, 'data')], env);
    let exitedEarly: number | null | undefined;
    void p.exited.then((c) => (exitedEarly = c));
    // Give it time to have exited if nothing holds it open, then write.
    await new Promise((r) => setTimeout(r, 1500));
    expect(exitedEarly).toBeUndefined();
    fs.appendFileSync(log, 'Nov 29 12:00:00 mx postfix/submission/smtpd[4242]: warning: unknown[203.0.113.5]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=alice@example.com\n');
    await until(() => p.out().includes('alice@example.com'), 'the failure line on stdout');
    expect(p.out()).toContain('203.0.113.5');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });
});
