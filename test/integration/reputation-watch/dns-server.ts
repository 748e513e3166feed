import * as dgram from 'node:dgram';

/** What the test server answers for one question. */
export interface DnsReply {
  /** 0 NOERROR (default), 3 NXDOMAIN, 5 REFUSED. */
  readonly rcode?: number;
  readonly a?: readonly string[];
  readonly txt?: readonly string[];
  readonly ttl?: number;
}

export type DnsHandler = (name: string, type: number) => DnsReply;

export const TYPE_A = 1;
export const TYPE_TXT = 16;

/**
 * A minimal authoritative-style DNS responder over UDP on loopback, for tests
 * only: one question per message, A and TXT answers, NXDOMAIN and REFUSED.
 * Malformed queries are dropped.
 */
export class TestDnsServer {
  readonly questions: Array<{ name: string; type: number }> = [];
  port = 0;
  private readonly socket = dgram.createSocket('udp4');

  constructor(private handler: DnsHandler) {}

  answer(handler: DnsHandler): void {
    this.handler = handler;
  }

  async start(host = '127.0.0.1'): Promise<this> {
    this.socket.on('message', (msg, rinfo) => {
      const reply = this.reply(msg);
      if (reply) this.socket.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => this.socket.bind(0, host, r));
    this.port = this.socket.address().port;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }

  private reply(q: Buffer): Buffer | undefined {
    if (q.length < 12 || q.readUInt16BE(4) !== 1) return undefined;
    const labels: string[] = [];
    let i = 12;
    while (i < q.length && q[i] !== 0) {
      const len = q[i];
      if (len > 63 || i + 1 + len > q.length) return undefined;
      labels.push(q.toString('latin1', i + 1, i + 1 + len));
      i += 1 + len;
    }
    if (i + 5 > q.length) return undefined;
    const questionEnd = i + 5;
    const type = q.readUInt16BE(i + 1);
    const name = labels.join('.').toLowerCase();
    this.questions.push({ name, type });
    const r = this.handler(name, type);
    const answers: Buffer[] = [];
    const ttl = r.ttl ?? 300;
    const rr = (rtype: number, rdata: Buffer) => {
      const h = Buffer.alloc(12);
      h.writeUInt16BE(0xc00c, 0); // pointer to the question's name
      h.writeUInt16BE(rtype, 2);
      h.writeUInt16BE(1, 4);
      h.writeUInt32BE(ttl, 6);
      h.writeUInt16BE(rdata.length, 10);
      answers.push(Buffer.concat([h, rdata]));
    };
    if (!r.rcode) {
      if (type === TYPE_A) for (const a of r.a ?? []) rr(TYPE_A, Buffer.from(a.split('.').map(Number)));
      if (type === TYPE_TXT) for (const t of r.txt ?? []) rr(TYPE_TXT, Buffer.concat([Buffer.from([Buffer.byteLength(t)]), Buffer.from(t)]));
    }
    const header = Buffer.alloc(12);
    q.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8400 | (q.readUInt16BE(2) & 0x0100) | 0x0080 | (r.rcode ?? 0), 2); // QR, AA, RD copied, RA
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    return Buffer.concat([header, q.subarray(12, questionEnd), ...answers]);
  }
}
