import * as net from 'node:net';

/** A Postfix-like policy client: writes raw bytes, collects `action=` replies, sees the close. */
export class PolicyTestClient {
  private buf = '';
  readonly replies: string[] = [];
  closed = false;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buf += d;
      let end: number;
      while ((end = this.buf.indexOf('\n\n')) >= 0) {
        this.replies.push(this.buf.slice(0, end));
        this.buf = this.buf.slice(end + 2);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<PolicyTestClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => resolve(new PolicyTestClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  send(raw: string | Buffer): void {
    this.socket.write(raw);
  }

  /** Waits until `n` replies arrived in total (or the connection closed); returns them. */
  async waitReplies(n: number, timeoutMs = 5000): Promise<string[]> {
    const end = Date.now() + timeoutMs;
    while (this.replies.length < n && !this.closed) {
      if (Date.now() > end) throw new Error(`only ${this.replies.length} of ${n} replies after ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return this.replies.slice(0, n);
  }

  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** One request as Postfix writes it. */
export function policyRequest(attrs: Record<string, string | number>): string {
  return Object.entries({ request: 'smtpd_access_policy', ...attrs }).map(([k, v]) => `${k}=${v}`).join('\n') + '\n\n';
}
