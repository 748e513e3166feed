import * as net from 'node:net';

export class SmtpError extends Error {
  override readonly name = 'SmtpError';
  constructor(message: string, readonly code?: number) {
    super(message);
  }
}

export interface SmtpTarget {
  readonly host: string;
  readonly port: number;
  readonly helo: string;
  readonly timeoutMs: number;
}

/** Longest reply line we keep reading; a server sending more is broken or hostile. */
const MAX_REPLY = 64 * 1024;

/** SMTP DATA payload: a leading dot doubled on every line (RFC 5321 4.5.2), ended by `.`. */
export function dotStuff(data: string): string {
  const lines = data.split('\r\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.startsWith('.') ? '.' + l : l)).join('\r\n') + '\r\n.\r\n';
}

/**
 * Hands one message to an SMTP server (the local MTA): EHLO (HELO if refused),
 * MAIL, RCPT for each recipient, DATA, QUIT. No TLS or AUTH: it talks to the
 * MTA on the same machine. Rejects with an SmtpError naming the step.
 */
export function sendSmtp(target: SmtpTarget, from: string, to: readonly string[], data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.host, port: target.port });
    socket.setTimeout(target.timeoutMs);
    let buf = '';
    let lines: string[] = [];
    let waiter: ((reply: { code: number; text: string }) => void) | undefined;
    let done = false;
    const fail = (e: Error) => {
      if (done) return;
      done = true;
      socket.destroy();
      reject(e);
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_REPLY) return fail(new SmtpError(`${target.host}:${target.port}: reply too long`));
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        lines.push(line);
        // "250-..." continues a reply, "250 ..." (or a bare code) ends it.
        if (line.length < 4 || line[3] === ' ') {
          const code = Number(line.slice(0, 3));
          const text = lines.join(' / ');
          lines = [];
          const w = waiter;
          waiter = undefined;
          if (!Number.isInteger(code)) return fail(new SmtpError(`${target.host}:${target.port}: not an SMTP reply: ${line.slice(0, 200)}`));
          w?.({ code, text });
        }
      }
    });
    socket.on('timeout', () => (done ? socket.destroy() : fail(new SmtpError(`${target.host}:${target.port}: no answer within ${target.timeoutMs} ms`))));
    socket.on('error', (e) => fail(new SmtpError(`${target.host}:${target.port}: ${e.message}`)));
    socket.on('close', () => fail(new SmtpError(`${target.host}:${target.port}: connection closed during the SMTP dialogue`)));
    const reply = () => new Promise<{ code: number; text: string }>((r) => (waiter = r));
    const expect = async (step: string, ok: (code: number) => boolean, send?: string) => {
      const p = reply();
      if (send !== undefined) socket.write(send + '\r\n');
      const r = await p;
      if (!ok(r.code)) throw new SmtpError(`${target.host}:${target.port}: ${step} refused: ${r.text.slice(0, 300)}`, r.code);
      return r;
    };
    const is2xx = (c: number) => c >= 200 && c < 300;
    (async () => {
      await expect('greeting', (c) => c === 220);
      const ehlo = await reply2(`EHLO ${target.helo}`);
      if (!is2xx(ehlo.code)) await expect('HELO', is2xx, `HELO ${target.helo}`);
      await expect('MAIL FROM', is2xx, `MAIL FROM:<${from}>`);
      for (const r of to) await expect(`RCPT TO:<${r}>`, is2xx, `RCPT TO:<${r}>`);
      await expect('DATA', (c) => c === 354, 'DATA');
      const queued = reply();
      socket.write(dotStuff(data));
      const q = await queued;
      if (!is2xx(q.code)) throw new SmtpError(`${target.host}:${target.port}: message refused: ${q.text.slice(0, 300)}`, q.code);
      done = true;
      waiter = () => socket.destroy();
      socket.end('QUIT\r\n');
      resolve(q.text);
    })().catch((e) => fail(e as Error));

    async function reply2(cmd: string) {
      const p = reply();
      socket.write(cmd + '\r\n');
      return p;
    }
  });
}
