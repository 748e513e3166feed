import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { runCli, startServe } from '../../helpers/cli';
import { tempDir } from '../../helpers/plugin-fixture';

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

test('doctor checks mailwarden itself: each listener answers (or is reported), the SQLite store passes integrity_check', async () => {
  const dataDir = tempDir('mw-doctor-self-');
  const s = await startServe(['--data-dir', dataDir, '--listen-postfix', 'off']);
  try {
    const down = await closedPort();
    const config = path.join(dataDir, 'doctor.jsonc');
    fs.writeFileSync(config, `{
      // the addresses serve actually bound, and one where nothing listens
      "listen": { "admin": "127.0.0.1:${s.ports.admin}", "dovecot": "127.0.0.1:${s.ports.dovecot}", "postfix": "127.0.0.1:${down}" }
    }`);
    const r = await runCli(['doctor', '--config', config, '--data-dir', dataDir, '--no-dovecot', '--json'], { timeoutMs: 40_000 });
    expect(r.stderr).not.toMatch(/Error|at .*\.js/);
    const findings = JSON.parse(r.stdout).findings as Array<{ check: string; level: string; message: string }>;
    const mine = findings.filter((f) => f.check === 'listener' || f.check === 'store');
    expect(mine).toEqual([
      { check: 'listener', level: 'ok', message: `admin: listening on 127.0.0.1:${s.ports.admin}` },
      { check: 'listener', level: 'ok', message: `dovecot: listening on 127.0.0.1:${s.ports.dovecot}` },
      expect.objectContaining({ check: 'listener', level: 'warning', message: expect.stringMatching(new RegExp(`^postfix: nothing answers on 127\\.0\\.0\\.1:${down} \\(ECONNREFUSED\\)`)) }),
      { check: 'store', level: 'ok', message: `SQLite ${path.join(dataDir, 'mailwarden.db')}: integrity_check ok` },
    ]);
  } finally {
    await s.stop();
  }
  // A damaged file is reported as a problem, with what SQLite says.
  const db = path.join(dataDir, 'mailwarden.db');
  const bytes = fs.readFileSync(db);
  for (let i = 4096 + 100; i < Math.min(bytes.length, 4096 * 3); i += 7) bytes[i] = 0xff;
  fs.writeFileSync(db, bytes);
  for (const ext of ['-wal', '-shm']) fs.rmSync(db + ext, { force: true });
  const r = await runCli(['doctor', '--data-dir', dataDir, '--no-dovecot', '--json'], { timeoutMs: 40_000 });
  const out = r.stdout ? JSON.parse(r.stdout).findings.find((f: { check: string }) => f.check === 'store') : undefined;
  // Either doctor reports the damage, or opening the store already fails with a message naming the file.
  if (out) expect(out).toMatchObject({ level: 'problem' });
  else expect(r.stderr).toContain('mailwarden.db');
  expect(r.code).not.toBe(0);
}, 90_000);
