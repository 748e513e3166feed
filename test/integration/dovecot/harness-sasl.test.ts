import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type DovecotInstance, saslAuth, startDovecot } from '../../harness/dovecot';
import { describeWithBinary } from '../../harness/system-binary';

describeWithBinary('dovecot', 'Dovecot harness: SASL auth listener for Postfix', () => {
  let dc: DovecotInstance;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-sasl-'));
    fs.chmodSync(dir, 0o755);
    dc = await startDovecot({ users: [{ login: 'sam@example.com', password: 's4m' }], sasl: { inet: true, unixPath: path.join(dir, 'auth') } });
  }, 60_000);
  afterAll(async () => {
    await dc?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('inet listener accepts the right password and refuses a wrong one', async () => {
    expect(dc.saslPort).toBeGreaterThan(0);
    expect(await saslAuth(dc.saslPort!, 'sam@example.com', 's4m', { remoteIp: '127.0.0.40' })).toMatchObject({ ok: true });
    expect(await saslAuth(dc.saslPort!, 'sam@example.com', 'nope', { remoteIp: '127.0.0.40' })).toMatchObject({ ok: false });
  });

  test('unix listener works too', async () => {
    expect(await saslAuth(dc.saslSocket!, 'sam@example.com', 's4m')).toMatchObject({ ok: true });
  });

  test('IMAP still works next to it', async () => {
    expect(await dc.imapLogin('sam@example.com', 's4m', { localAddress: '127.0.0.41' })).toMatchObject({ ok: true });
  });
});
