import * as fs from 'node:fs';
import * as path from 'node:path';
import { type DovecotInstance, startDovecot } from '../../harness/dovecot';
import { PostfixInstance, requirePostfix } from '../../harness/postfix';
import { tempDir } from '../../helpers/plugin-fixture';
import { runCli } from '../../helpers/run-cli';
import { describeWith } from '../../helpers/system';

/*
 * Postfix's SASL is Dovecot's, and Dovecot logs each attempt (auth_verbose):
 * one failed SMTP AUTH is then logged twice, by Dovecot's auth process and
 * by Postfix. The real servers' two logs, merged by time as syslog writes
 * them to one mail.log, must count each attempt once.
 */
const suite = 'logs scan: SMTP AUTH failures through the real Postfix and Dovecot, each logged by both';
describeWith('/usr/sbin/dovecot', 'dovecot-core')(suite, () => {
  if (!requirePostfix(suite)) {
    test.skip('needs Postfix (see above)', () => undefined);
    return;
  }
  const LOGIN = 'peggy@example.com';
  let dir: string;
  let dc: DovecotInstance;
  let pf: PostfixInstance;

  beforeAll(async () => {
    dir = tempDir('mw-sasl-count-');
    fs.chmodSync(dir, 0o755);
    const socket = path.join(dir, 'auth');
    dc = await startDovecot({ users: [{ login: LOGIN, password: 'right' }], sasl: { unixPath: socket }, extraConfig: 'auth_verbose = yes' });
    pf = await PostfixInstance.start({ prefix: 'mw-pf-sasl-', saslDovecotSocket: socket });
  }, 120_000);

  afterAll(async () => {
    await pf?.stop();
    await dc?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  test('three wrong passwords are three failures, not six', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await pf.sendMail({ port: pf.submissionPort!, localAddress: '127.0.0.34', auth: { user: LOGIN, password: `wrong-${i}` }, from: LOGIN, to: ['x@remote.test'] });
      expect(r.last.code).toBe(535);
    }
    const sasl = (l: string) => l.includes('SASL') && l.includes('authentication failed') && l.includes(`sasl_username=${LOGIN}`);
    await pf.waitForLog((l) => pf.readLog().split('\n').filter(sasl).length === 3 && sasl(l));
    // Both servers logged every attempt.
    const dovecotLines = dc.log().split('\n').filter((l) => l.includes(`(${LOGIN},127.0.0.34`) && l.includes('Password mismatch'));
    expect(dovecotLines).toHaveLength(3);
    // One mail.log, in time order; within a second Dovecot's line first (it logs before it answers Postfix).
    const stamped = (text: string, rank: number) => text.split('\n').filter(Boolean).map((l) => ({ l, t: l.slice(0, 15), rank }));
    const merged = [...stamped(dc.log(), 0), ...stamped(pf.readLog(), 1)].sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.rank - b.rank));
    const mailLog = path.join(dir, 'mail.log');
    fs.writeFileSync(mailLog, merged.map((x) => x.l).join('\n') + '\n');
    const rep = JSON.parse((await runCli(['logs', 'scan', mailLog, '--json'])).stdout);
    expect(rep.authFailures.byLogin).toEqual([{ login: LOGIN, failures: 3 }]);
    expect(rep.authFailures.byClient).toEqual([expect.objectContaining({ client: '127.0.0.34', failures: 3 })]);
    // Every line both servers wrote is one the reader knows (Dovecot's own log file, Postfix's maillog_file).
    expect({ unparsed: rep.unparsed, samples: rep.unparsedSamples }).toEqual({ unparsed: 0, samples: [] });
  }, 120_000);
});
