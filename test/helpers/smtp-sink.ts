import * as net from 'node:net';

export interface SunkMail {
  readonly from: string;
  readonly to: string[];
  /** The message as received, dot-stuffing undone, CRLF line ends. */
  readonly data: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * A tiny SMTP server on loopback that keeps what it receives: the local test
 * mailbox. `failNext` makes the next deliveries fail with a 451 after DATA.
 * Given `rcptReply`, it refuses every recipient with that reply instead, like
 * a receiver that found us on a blocklist (`554 5.7.1 … blocked using …`) or
 * greylists (`450 …`). Given `accept`, it answers each message with the
 * reply that returns (a content filter that hands the message back to Postfix).
 */
export class SmtpSink {
  readonly mails: SunkMail[] = [];
  /** Recipients refused with `rcptReply`. */
  readonly refused: string[] = [];
  failNext = 0;
  private server: net.Server | undefined;
  private readonly waiters: Array<() => void> = [];
  port = 0;

  constructor(
    private readonly rcptReply?: string,
    private readonly accept?: (mail: SunkMail) => Promise<string>,
  ) {}

  async start(host = '127.0.0.1'): Promise<this> {
    this.server = net.createServer((s) => this.session(s));
    await new Promise<void>((r) => this.server!.listen(0, host, r));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Resolves once `n` mails have arrived (or rejects after `ms`). */
  async waitFor(n: number, ms = 20_000): Promise<SunkMail[]> {
    const end = Date.now() + ms;
    while (this.mails.length < n) {
      if (Date.now() > end) throw new Error(`expected ${n} mail(s) in the sink, got ${this.mails.length} within ${ms} ms`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
    return this.mails;
  }

  private session(s: net.Socket): void {
    let buf = '';
    let from = '';
    let to: string[] = [];
    let data: string[] | undefined;
    s.setEncoding('utf8');
    s.write('220 sink ESMTP\r\n');
    s.on('error', () => undefined);
    s.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        if (data) {
          if (line !== '.') {
            data.push(line.startsWith('.') ? line.slice(1) : line);
            continue;
          }
          const text = data.join('\r\n') + '\r\n';
          data = undefined;
          if (this.failNext > 0) {
            this.failNext--;
            s.write('451 4.3.0 try again later\r\n');
            continue;
          }
          const mail = parse(from, to, text);
          this.mails.push(mail);
          for (const w of this.waiters.splice(0)) w();
          if (this.accept) this.accept(mail).then((reply) => s.write(`${reply}\r\n`), () => s.write('451 4.3.0 filter failed\r\n'));
          else s.write('250 2.0.0 queued\r\n');
          continue;
        }
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === 'EHLO' || cmd === 'HELO') s.write('250-sink\r\n250 8BITMIME\r\n');
        else if (cmd === 'MAIL') {
          from = line.slice(line.indexOf('<') + 1, line.lastIndexOf('>'));
          to = [];
          s.write('250 ok\r\n');
        } else if (cmd === 'RCPT') {
          if (this.rcptReply) {
            this.refused.push(line.slice(line.indexOf('<') + 1, line.lastIndexOf('>')));
            s.write(`${this.rcptReply}\r\n`);
            continue;
          }
          to.push(line.slice(line.indexOf('<') + 1, line.lastIndexOf('>')));
          s.write('250 ok\r\n');
        } else if (cmd === 'DATA') {
          if (to.length === 0) {
            s.write('554 5.5.1 No valid recipients\r\n');
            continue;
          }
          data = [];
          s.write('354 go ahead\r\n');
        } else if (cmd === 'QUIT') s.end('221 bye\r\n');
        else s.write('250 ok\r\n');
      }
    });
  }
}

function parse(from: string, to: string[], data: string): SunkMail {
  const split = data.indexOf('\r\n\r\n');
  const headers: Record<string, string> = {};
  let last = '';
  for (const l of data.slice(0, split).split('\r\n')) {
    if (l.startsWith(' ') || l.startsWith('\t')) headers[last] += l;
    else {
      const c = l.indexOf(':');
      last = l.slice(0, c).toLowerCase();
      headers[last] = l.slice(c + 1).trim();
    }
  }
  return { from, to, data, headers, body: data.slice(split + 4) };
}
