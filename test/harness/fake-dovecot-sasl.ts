/*
 * A stand-in for Dovecot's auth socket (the protocol Postfix speaks with
 * `smtpd_sasl_type = dovecot`), PLAIN only, with a fixed user table. For tests
 * that need SMTP AUTH through Postfix without running Dovecot; suites that
 * test Dovecot itself use the real one.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export class FakeDovecotSasl {
  private constructor(private readonly server: net.Server, readonly socketPath: string, private readonly dir: string) {}

  /** Listens on a socket in a fresh directory that the postfix user can reach. */
  static async start(users: Readonly<Record<string, string>>): Promise<FakeDovecotSasl> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-sasl-'));
    fs.chmodSync(dir, 0o755);
    const socketPath = path.join(dir, 'auth');
    const server = net.createServer((s) => serve(s, users));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, resolve);
    });
    fs.chmodSync(socketPath, 0o666);
    return new FakeDovecotSasl(server, socketPath, dir);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function serve(s: net.Socket, users: Readonly<Record<string, string>>): void {
  s.setEncoding('utf8');
  s.on('error', () => undefined);
  s.write(`VERSION\t1\t2\nMECH\tPLAIN\tplaintext\nSPID\t${process.pid}\nCUID\t1\nCOOKIE\t${'0'.repeat(32)}\nDONE\n`);
  let buf = '';
  s.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const f = buf.slice(0, nl).split('\t');
      buf = buf.slice(nl + 1);
      if (f[0] !== 'AUTH' && f[0] !== 'CONT') continue;
      const id = f[1];
      const resp = f[0] === 'CONT' ? f[2] : f.find((x) => x.startsWith('resp='))?.slice(5);
      if (resp === undefined) {
        s.write(`CONT\t${id}\t\n`);
        continue;
      }
      const [, user = '', pass = ''] = Buffer.from(resp, 'base64').toString('utf8').split('\0');
      s.write(users[user] !== undefined && users[user] === pass ? `OK\t${id}\tuser=${user}\n` : `FAIL\t${id}\tuser=${user}\n`);
    }
  });
}
