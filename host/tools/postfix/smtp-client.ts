import net from 'node:net';

/** One SMTP reply: the code of its last line and every line's text. */
export interface SmtpReply {
  readonly code: number;
  readonly lines: readonly string[];
  /** The reply as the server wrote it, lines joined with `\n`. */
  readonly text: string;
}

export interface SmtpConnectOptions {
  readonly host: string;
  readonly port: number;
  /** Source address (tests stand in for different clients with 127.0.0.N). */
  readonly localAddress?: string;
  readonly timeoutMs?: number;
}

/** Longest reply line we accept; a server sending more is broken or hostile. */
const MAX_LINE = 4096;
const MAX_LINES = 100;

/**
 * A minimal SMTP client: one command, one reply, no pipelining. Enough to
 * probe a server for open relaying and for tests to send mail from chosen
 * client addresses. Reply parsing is a linear scan of `NNN-`/`NNN ` lines.
 */
export class SmtpClient {
  private buf = '';
  private pending: Array<{ resolve: (r: SmtpReply) => void; reject: (e: Error) => void }> = [];
  private replies: SmtpReply[] = [];
  private current: string[] = [];
  private failure: Error | undefined;
  /** Everything said on the connection, `C:`/`S:` prefixed, for reports. */
  readonly transcript: string[] = [];

  private constructor(private readonly socket: net.Socket, private readonly timeoutMs: number) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => this.onData(d));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('connection closed by the server')));
    socket.setTimeout(timeoutMs, () => {
      this.fail(new Error(`no reply within ${timeoutMs} ms`));
      socket.destroy();
    });
  }

  /** Connects and reads the greeting. */
  static async connect(o: SmtpConnectOptions): Promise<{ client: SmtpClient; greeting: SmtpReply }> {
    const timeoutMs = o.timeoutMs ?? 10_000;
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: o.host, port: o.port, ...(o.localAddress ? { localAddress: o.localAddress } : {}) });
      const t = setTimeout(() => {
        s.destroy();
        reject(new Error(`connect to ${o.host}:${o.port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(t);
        resolve(s);
      });
      s.once('error', (e) => {
        clearTimeout(t);
        reject(new Error(`connect to ${o.host}:${o.port}: ${e.message}`));
      });
    });
    const client = new SmtpClient(socket, timeoutMs);
    const greeting = await client.read();
    return { client, greeting };
  }

  private onData(d: string): void {
    this.buf += d;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).replace(/\r$/, '');
      this.buf = this.buf.slice(nl + 1);
      this.onLine(line);
    }
    if (this.buf.length > MAX_LINE) this.fail(new Error(`reply line longer than ${MAX_LINE} bytes`));
  }

  private onLine(line: string): void {
    this.transcript.push(`S: ${line}`);
    const code = line.length >= 3 ? Number(line.slice(0, 3)) : NaN;
    if (!Number.isInteger(code) || code < 200 || code > 599 || (line.length > 3 && line[3] !== '-' && line[3] !== ' ')) {
      this.fail(new Error(`malformed SMTP reply line: ${JSON.stringify(line.slice(0, 80))}`));
      return;
    }
    this.current.push(line.slice(4));
    if (this.current.length > MAX_LINES) {
      this.fail(new Error(`reply longer than ${MAX_LINES} lines`));
      return;
    }
    if (line[3] === '-') return;
    const reply: SmtpReply = { code, lines: this.current, text: this.current.map((l) => `${code} ${l}`).join('\n') };
    this.current = [];
    const waiter = this.pending.shift();
    if (waiter) waiter.resolve(reply);
    else this.replies.push(reply);
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    for (const w of this.pending.splice(0)) w.reject(e);
    this.socket.destroy();
  }

  private read(): Promise<SmtpReply> {
    const ready = this.replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  /** Sends one command line and returns the reply. */
  async command(line: string, logAs?: string): Promise<SmtpReply> {
    if (line.includes('\r') || line.includes('\n')) throw new Error('an SMTP command must be one line');
    this.transcript.push(`C: ${logAs ?? line}`);
    this.socket.write(line + '\r\n');
    return this.read();
  }

  /** Sends a message body after a 354 (dot-stuffed, CRLF line ends) and returns the final reply. */
  async data(body: string): Promise<SmtpReply> {
    const start = await this.command('DATA');
    if (start.code !== 354) return start;
    const lines = body.replace(/\r\n/g, '\n').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const stuffed = lines.map((l) => (l.startsWith('.') ? '.' + l : l)).join('\r\n');
    this.transcript.push(`C: <${lines.length} lines of message>`);
    this.socket.write(stuffed + '\r\n.\r\n');
    return this.read();
  }

  /** AUTH PLAIN with the credentials (never written to the transcript). */
  authPlain(user: string, password: string): Promise<SmtpReply> {
    const token = Buffer.from(`\0${user}\0${password}`, 'utf8').toString('base64');
    return this.command(`AUTH PLAIN ${token}`, 'AUTH PLAIN <credentials>');
  }

  /** QUIT (best effort) and close. */
  async close(): Promise<void> {
    if (!this.failure) {
      try {
        await this.command('QUIT');
      } catch {
        /* the server may close first */
      }
    }
    this.socket.destroy();
  }
}

export interface SendMailOptions extends SmtpConnectOptions {
  readonly helo?: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject?: string;
  readonly body?: string;
  readonly auth?: { readonly user: string; readonly password: string };
}

export interface SendMailResult {
  /** True when the server accepted the message (250 after the data). */
  readonly accepted: boolean;
  /** The reply that ended the attempt (the refusal, or the final 250). */
  readonly last: SmtpReply;
  /** Queue id from `250 2.0.0 Ok: queued as ID`, when the server says it. */
  readonly queueId?: string;
  readonly rcptReplies: readonly SmtpReply[];
  readonly transcript: readonly string[];
}

/** Sends one message; refusals are returned, not thrown (only connection failures throw). */
export async function sendMail(o: SendMailOptions): Promise<SendMailResult> {
  const { client, greeting } = await SmtpClient.connect(o);
  const rcptReplies: SmtpReply[] = [];
  const done = (accepted: boolean, last: SmtpReply): SendMailResult => {
    const q = accepted ? last.text.indexOf('queued as ') : -1;
    const queueId = q >= 0 ? last.text.slice(q + 10).split(/\s/)[0] : undefined;
    return { accepted, last, rcptReplies, transcript: client.transcript, ...(queueId ? { queueId } : {}) };
  };
  try {
    if (greeting.code !== 220) return done(false, greeting);
    const ehlo = await client.command(`EHLO ${o.helo ?? 'client.test'}`);
    if (ehlo.code !== 250) return done(false, ehlo);
    if (o.auth) {
      const a = await client.authPlain(o.auth.user, o.auth.password);
      if (a.code !== 235) return done(false, a);
    }
    const mail = await client.command(`MAIL FROM:<${o.from}>`);
    if (mail.code !== 250) return done(false, mail);
    let okRcpt = 0;
    let lastRefusal: SmtpReply | undefined;
    for (const r of o.to) {
      const reply = await client.command(`RCPT TO:<${r}>`);
      rcptReplies.push(reply);
      if (reply.code === 250) okRcpt++;
      else lastRefusal = reply;
    }
    if (okRcpt === 0) return done(false, lastRefusal ?? mail);
    const body = `From: <${o.from}>\nTo: ${o.to.map((t) => `<${t}>`).join(', ')}\nSubject: ${o.subject ?? 'test'}\n\n${o.body ?? 'test message'}\n`;
    const end = await client.data(body);
    return done(end.code === 250, end);
  } finally {
    await client.close();
  }
}
