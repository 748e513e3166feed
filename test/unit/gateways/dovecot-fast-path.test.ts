import * as http from 'node:http';
import * as net from 'node:net';
import { type FastPathOptions, FastPathServer, type FastRequest, parseHead } from '../../../host/gateways/dovecot/fast-path';

const DOVECOT_HEAD = 'POST /?command=allow HTTP/1.1\r\nHost: 127.0.0.1:8441\r\nDate: Sat, 28 Nov 2026 22:00:00 GMT\r\nUser-Agent: dovecot/2.3\r\nConnection: Keep-Alive\r\nContent-Type: application/json\r\nAuthorization: Basic ZG92ZWNvdDpzM2NyZXQ=\r\nContent-Length: 17';

describe('parseHead: the one shape the fast path reads', () => {
  test("Dovecot's request is taken, with the API header captured", () => {
    expect(parseHead(DOVECOT_HEAD, 'authorization', 1024)).toEqual({ target: '/?command=allow', contentLength: 17, captured: 'Basic ZG92ZWNvdDpzM2NyZXQ=', close: false });
  });

  test.each([
    ['GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0', 'method'],
    ['POST  / HTTP/1.1\r\nHost: x\r\nContent-Length: 1', 'request line'],
    ['POST /a\u00e9 HTTP/1.1\r\nHost: x\r\nContent-Length: 1', 'request target'],
    ['POST / HTTP/2.0\r\nHost: x\r\nContent-Length: 1', 'http version'],
    ['POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked', 'transfer-encoding'],
    ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked', 'transfer-encoding'],
    ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5', 'duplicate content-length'],
    ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5', 'content-length'],
    ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5 5', 'content-length'],
    ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1234567890', 'content-length'],
    ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000', 'body too large'],
    ['POST / HTTP/1.1\r\nHost: x', 'no content-length'],
    ['POST / HTTP/1.1\r\nContent-Length: 1', 'no host'],
    ['POST / HTTP/1.1\r\nHost: x\r\nHost: y\r\nContent-Length: 1', 'duplicate host'],
    ['POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1', 'expect'],
    ['POST / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nContent-Length: 1', 'upgrade'],
    ['POST / HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\nContent-Length: 1', 'header name'],
    ['POST / HTTP/1.1\r\nHost: x\r\n folded: 1\r\nContent-Length: 1', 'header name'],
    ['POST / HTTP/1.1\r\nHost: x\r\nNo-Colon\r\nContent-Length: 1', 'header syntax'],
    ['POST / HTTP/1.1\r\nHost: x\r\nX-A: a\nContent-Length: 1', 'header value'],
    ['POST / HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\nContent-Length: 1', 'header value'],
    ['POST / HTTP/1.1\r\nHost: x\r\nAuthorization: a\r\nauthorization: b\r\nContent-Length: 1', 'duplicate api header'],
  ])('%j goes to node:http (%s)', (head, reason) => {
    expect(parseHead(head, 'authorization', 1024)).toBe(reason);
  });

  test('connection handling: HTTP/1.1 keeps unless told to close, HTTP/1.0 closes unless told to keep', () => {
    const close = (h: string) => (parseHead(h, undefined, 1024) as { close: boolean }).close;
    expect(close('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1')).toBe(false);
    expect(close('POST / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\nContent-Length: 1')).toBe(true);
    expect(close('POST / HTTP/1.0\r\nContent-Length: 1')).toBe(true);
    expect(close('POST / HTTP/1.0\r\nConnection: Keep-Alive\r\nContent-Length: 1')).toBe(false);
  });

  test('a hostile head is read in linear time', () => {
    const big = 'POST / HTTP/1.1\r\n' + 'X-A: ' + ':'.repeat(200_000) + '\r\n'.repeat(1) + 'a'.repeat(200_000);
    const t0 = process.hrtime.bigint();
    expect(parseHead(big, undefined, 1024)).toBe('header syntax');
    expect(parseHead('POST / HTTP/1.1\r\n' + 'A: b\r\n'.repeat(50_000), undefined, 1024)).toBe('no content-length');
    // Generous bound: a quadratic scan of 400 KB takes seconds, a linear one a few ms.
    expect(Number(process.hrtime.bigint() - t0) / 1e6).toBeLessThan(1000);
  });
});

describe('FastPathServer on a real socket', () => {
  jest.setTimeout(10_000);
  let fast: FastPathServer;
  let fallback: http.Server;
  let port: number;
  const handled: FastRequest[] = [];
  const fallbacks: string[] = [];
  const fallbackSaw: string[] = [];
  let answerDelay: (body: string) => number = () => 0;

  async function start(o: Partial<FastPathOptions> = {}) {
    fallback = http.createServer({ keepAlive: true }, (req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        fallbackSaw.push(`${req.method} ${req.url} ${body}`);
        const text = JSON.stringify({ via: 'node:http', body });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      });
    });
    fast = new FastPathServer({
      captureHeader: 'authorization',
      maxBody: 1024,
      keepAliveTimeoutMs: 5000,
      requestTimeoutMs: 5000,
      fallback,
      handle: async (r) => {
        handled.push(r);
        const ms = answerDelay(r.body);
        if (ms) await new Promise((res) => setTimeout(res, ms));
        return { status: 200, body: JSON.stringify({ via: 'fast', body: r.body, auth: r.captured ?? null }) };
      },
      errorBody: (status, reason) => JSON.stringify({ status, reason }),
      onFallback: (reason) => fallbacks.push(reason),
      ...o,
    });
    await new Promise<void>((r) => fast.server.listen(0, '127.0.0.1', r));
    port = (fast.server.address() as net.AddressInfo).port;
  }

  afterEach(async () => {
    await fast.close();
    handled.length = 0;
    fallbacks.length = 0;
    fallbackSaw.length = 0;
    answerDelay = () => 0;
  });

  const post = (body: string, extra = '') => `POST /?command=allow HTTP/1.1\r\nHost: x\r\nAuthorization: Basic abc\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

  /**
   * Writes the chunks (each after the previous went out) and collects what
   * comes back until `replies` whole responses arrived (or, with
   * `untilClose`, until the server closes).
   */
  function exchange(chunks: string[], replies: number, untilClose = false): Promise<{ text: string; closed: boolean }> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      let text = '';
      let closed = false;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        resolve({ text, closed });
        s.destroy();
      };
      s.setEncoding('utf8');
      s.on('data', (d: string) => {
        text += d;
        if (!untilClose && complete(text, replies)) finish();
      });
      s.on('close', () => {
        closed = true;
        finish();
      });
      s.on('error', reject);
      s.on('connect', async () => {
        for (const c of chunks) await new Promise((r) => s.write(c, r));
      });
    });
  }

  /** The responses in `text`, framed by their Content-Length (node:http's by chunked encoding are not used here). */
  function responses(text: string): Array<{ head: string; body: string }> {
    const out: Array<{ head: string; body: string }> = [];
    let pos = 0;
    while (pos < text.length) {
      const end = text.indexOf('\r\n\r\n', pos);
      if (end < 0) break;
      const head = text.slice(pos, end);
      const m = /content-length: (\d+)/i.exec(head);
      const len = m ? Number(m[1]) : 0;
      const bodyStart = Buffer.byteLength(text.slice(0, end + 4));
      const body = Buffer.from(text).subarray(bodyStart, bodyStart + len).toString('utf8');
      out.push({ head, body });
      pos = end + 4 + body.length;
    }
    return out;
  }
  const bodies = (text: string) => responses(text).map((r) => JSON.parse(r.body));
  const complete = (text: string, n: number) => {
    const r = responses(text);
    return r.length >= n && r.every((x) => x.body.length === 0 || x.body.endsWith('}'));
  };

  test("answers Dovecot's requests itself, keep-alive, with Date and Content-Length", async () => {
    await start();
    const r = await exchange([post('{"a":1}'), post('{"a":2}')], 2);
    expect(r.closed).toBe(false);
    expect(bodies(r.text)).toEqual([{ via: 'fast', body: '{"a":1}', auth: 'Basic abc' }, { via: 'fast', body: '{"a":2}', auth: 'Basic abc' }]);
    expect(r.text).toMatch(/^HTTP\/1.1 200 OK\r\nContent-Type: application\/json\r\nContent-Length: 52\r\nDate: \w{3}, \d\d \w{3} \d{4} [\d:]{8} GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n/);
    expect(fallbacks).toEqual([]);
  });

  test('pipelined requests are answered in order even when the first takes longer', async () => {
    await start();
    answerDelay = (body) => (body === '"slow"' ? 50 : 0);
    const r = await exchange([post('"slow"') + post('"quick"') + post('"third"')], 3);
    expect(bodies(r.text).map((b) => b.body)).toEqual(['"slow"', '"quick"', '"third"']);
  });

  test('a request arriving one byte at a time, with a multi-byte UTF-8 body split in two', async () => {
    await start();
    const bytes = Buffer.from(post('"héllo"'));
    const chunks: string[] = [];
    // Send as latin1 strings of single bytes so the é is split across writes.
    for (const b of bytes) chunks.push(Buffer.from([b]).toString('latin1'));
    const r = await new Promise<string>((resolve) => {
      const s = net.connect(port, '127.0.0.1', async () => {
        for (const b of bytes) await new Promise((res) => s.write(Buffer.from([b]), res));
      });
      let text = '';
      s.on('data', (d) => {
        text += d.toString('utf8');
        if (text.endsWith('}')) {
          s.destroy();
          resolve(text);
        }
      });
    });
    expect(bodies(r)).toEqual([{ via: 'fast', body: '"héllo"', auth: 'Basic abc' }]);
  });

  test('an unusual request hands the connection, and every byte after it, to node:http', async () => {
    await start();
    const chunked = 'POST /?command=report HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n';
    const r = await exchange([post('"first"') + chunked + post('"after"')], 3);
    expect(bodies(r.text)).toEqual([
      { via: 'fast', body: '"first"', auth: 'Basic abc' },
      { via: 'node:http', body: 'abc' },
      { via: 'node:http', body: '"after"' },
    ]);
    expect(fallbacks).toEqual(['transfer-encoding']);
    expect(fallbackSaw).toEqual(['POST /?command=report abc', 'POST /?command=allow "after"']);
  });

  test('Connection: close is honoured: the reply says so and the server closes', async () => {
    await start();
    const r = await exchange([post('"x"', 'Connection: close\r\n')], 1, true);
    expect(r.text).toContain('\r\nConnection: close\r\n');
    expect(r.closed).toBe(true);
  });

  test('a request that does not arrive whole in time gets a 408 and the connection closes', async () => {
    await start({ requestTimeoutMs: 100 });
    const r = await exchange(['POST /?command=allow HTTP/1.1\r\nHost: x\r\nContent-Le'], 1, true);
    expect(r.text).toMatch(/^HTTP\/1.1 408 Request Timeout\r\n/);
    expect(bodies(r.text)).toEqual([{ status: 408, reason: 'request not complete within 100 ms' }]);
    expect(r.closed).toBe(true);
    expect(handled).toEqual([]);
  });

  test('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    await start({ keepAliveTimeoutMs: 100 });
    const s = net.connect(port, '127.0.0.1');
    s.write(post('"x"'));
    s.resume();
    await new Promise((r) => s.on('close', r));
    expect(handled).toHaveLength(1);
  });

  test('a head that never ends goes to node:http, which refuses it', async () => {
    await start();
    const r = await exchange(['POST / HTTP/1.1\r\nHost: x\r\n' + 'X-Pad: y\r\n'.repeat(5000)], 1, true);
    expect(fallbacks).toEqual(['head too large']);
    expect(r.text).toMatch(/^HTTP\/1.1 431/);
  });

  test('a client that pipelines without reading is not read from until it takes its answers', async () => {
    await start();
    const N = 40_000;
    const s = net.connect(port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    s.pause();
    s.write(post('1').repeat(N));
    // Wait until the server stops taking requests: its answers fill the socket buffers.
    let last = -1;
    for (let rounds = 0; handled.length !== last && rounds < 50; rounds++) {
      last = handled.length;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(handled.length).toBeGreaterThan(0);
    expect(handled.length).toBeLessThan(N);
    // Reading the answers lets it go on to the end.
    let bytes = 0;
    s.on('data', (d: Buffer) => (bytes += d.length));
    s.resume();
    const deadline = Date.now() + 20_000;
    while (handled.length < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(handled).toHaveLength(N);
    expect(bytes).toBeGreaterThan(0);
    s.destroy();
  }, 30_000);

  test('close(): idle connections close at once, a busy one after its answer, handed-over ones too', async () => {
    await start();
    answerDelay = () => 100;
    const busy = exchange([post('"busy"')], 1);
    const handed = net.connect(port, '127.0.0.1');
    handed.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => handed.once('data', r));
    const handedClosed = new Promise((r) => handed.on('close', r));
    while (handled.length === 0) await new Promise((r) => setImmediate(r));
    const closing = fast.close();
    const r = await busy;
    expect(bodies(r.text)).toEqual([{ via: 'fast', body: '"busy"', auth: 'Basic abc' }]);
    expect(r.text).toContain('Connection: close');
    await handedClosed;
    await closing;
    // close() in afterEach must not fail on an already closed server.
    await start();
  });
});
