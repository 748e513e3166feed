import * as net from 'node:net';

/**
 * The next hop of the test Postfix: an SMTP listener on loopback that refuses
 * every recipient with the given reply, like a receiver that found us on a
 * blocklist. It records the commands it saw.
 */
export class RejectingSmtp {
  readonly commands: string[] = [];
  port = 0;
  private server: net.Server | undefined;

  constructor(private readonly rcptReply: string) {}

  async start(host: string): Promise<this> {
    this.server = net.createServer((s) => {
      let buf = '';
      s.setEncoding('latin1');
      s.on('error', () => undefined);
      s.write('220 rbl-receiver.test ESMTP\r\n');
      s.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\r\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 2);
          const cmd = line.slice(0, 4).toUpperCase();
          this.commands.push(line);
          if (cmd === 'EHLO' || cmd === 'HELO') s.write('250-rbl-receiver.test\r\n250 8BITMIME\r\n');
          else if (cmd === 'RCPT') s.write(`${this.rcptReply}\r\n`);
          else if (cmd === 'DATA') s.write('554 5.5.1 No valid recipients\r\n');
          else if (cmd === 'QUIT') s.end('221 2.0.0 bye\r\n');
          else s.write('250 2.0.0 ok\r\n');
        }
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, host, r));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
