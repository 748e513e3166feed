import type * as http from 'node:http';
import * as net from 'node:net';

/*
 * Dovecot's policy client sends one shape of request: POST, HTTP/1.1, a
 * Content-Length, a small JSON body, keep-alive. node:http spends about as
 * much CPU on such a request as the whole policy decision does (its parser,
 * request and response objects and stream machinery: on the bench machine a
 * bare node:http server uses ~31 µs per request, a socket answering the same
 * bytes ~17 µs). So that shape is read and answered here, straight off the
 * socket.
 *
 * Everything else — another method, chunked bodies, Expect, Upgrade, bodies
 * over the limit, a missing Host, duplicated framing headers, anything
 * malformed — is handed, with every byte not yet consumed, to a node:http
 * server that applies its full semantics and the gateway's 4xx replies. A
 * connection handed over stays there. The fast path only takes requests
 * whose framing is unambiguous (exactly one Content-Length, no
 * Transfer-Encoding), so it can never read a request differently from
 * node:http.
 */

export interface FastRequest {
  readonly target: string;
  /** The value of the header named `captureHeader`, when it was sent exactly once. */
  readonly captured: string | undefined;
  readonly body: string;
}

export interface FastReply {
  readonly status: number;
  /** JSON text. */
  readonly body: string;
}

export interface FastPathOptions {
  /** Lower-case name of the one header the handler needs (the API header). */
  readonly captureHeader?: string;
  readonly maxBody: number;
  /** An idle keep-alive connection is closed after this long. */
  readonly keepAliveTimeoutMs: number;
  /** A request must arrive whole this long after its first byte. */
  readonly requestTimeoutMs: number;
  /** Takes over the connections the fast path does not read itself. */
  readonly fallback: http.Server;
  /** Answers one request. Must not reject. */
  handle(req: FastRequest): Promise<FastReply>;
  /** The JSON text of a refusal the fast path makes itself (a request that timed out). */
  errorBody(status: number, reason: string): string;
  /** Told why a connection went to the fallback (for a metric). */
  onFallback?(reason: string): void;
}

/** Larger request heads go to node:http, which applies its own limit (16 KB) and replies 431. */
const MAX_HEAD = 8192;
const END_OF_HEAD = Buffer.from('\r\n\r\n');

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK', 400: 'Bad Request', 401: 'Unauthorized', 405: 'Method Not Allowed', 408: 'Request Timeout', 413: 'Content Too Large', 500: 'Internal Server Error',
};

/** RFC 9110 token characters, for header names. */
const TOKEN = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;

interface Head {
  readonly target: string;
  readonly contentLength: number;
  readonly captured: string | undefined;
  /** The client asked to close after this request (Connection: close, or HTTP/1.0 without keep-alive). */
  readonly close: boolean;
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** Field value without surrounding whitespace, or undefined when it holds control characters. */
function fieldValue(head: string, from: number, to: number): string | undefined {
  while (from < to && isOws(head.charCodeAt(from))) from++;
  while (to > from && isOws(head.charCodeAt(to - 1))) to--;
  for (let i = from; i < to; i++) {
    const c = head.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return undefined;
  }
  return head.slice(from, to);
}

/**
 * Reads a request head (request line and header lines, without the blank
 * line) of the shape the fast path takes; anything else returns the reason
 * it goes to node:http instead. One pass, no regular expressions.
 */
export function parseHead(head: string, captureHeader: string | undefined, maxBody: number): Head | string {
  const eol = head.indexOf('\r\n');
  const lineEnd = eol < 0 ? head.length : eol;
  if (!head.startsWith('POST ')) return 'method';
  const sp = head.indexOf(' ', 5);
  if (sp < 0 || sp >= lineEnd || sp === 5) return 'request line';
  for (let i = 5; i < sp; i++) {
    const c = head.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return 'request target';
  }
  const version = head.slice(sp + 1, lineEnd);
  if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0') return 'http version';
  let contentLength = -1;
  let captured: string | undefined;
  let capturedSeen = false;
  let host = false;
  let wantsClose = false;
  let wantsKeepAlive = false;
  let pos = lineEnd + 2;
  while (pos < head.length) {
    let next = head.indexOf('\r\n', pos);
    if (next < 0) next = head.length;
    const colon = head.indexOf(':', pos);
    if (colon <= pos || colon >= next) return 'header syntax';
    for (let i = pos; i < colon; i++) {
      const c = head.charCodeAt(i);
      if (c > 0x7f || TOKEN[c] === 0) return 'header name';
    }
    const value = fieldValue(head, colon + 1, next);
    if (value === undefined) return 'header value';
    const name = head.slice(pos, colon).toLowerCase();
    switch (name) {
      case 'content-length': {
        if (contentLength >= 0) return 'duplicate content-length';
        if (value.length === 0 || value.length > 9) return 'content-length';
        for (let i = 0; i < value.length; i++) {
          const c = value.charCodeAt(i);
          if (c < 0x30 || c > 0x39) return 'content-length';
        }
        contentLength = Number(value);
        if (contentLength > maxBody) return 'body too large';
        break;
      }
      case 'host':
        if (host) return 'duplicate host';
        host = true;
        break;
      case 'connection':
        for (const token of value.toLowerCase().split(',')) {
          const t = token.trim();
          if (t === 'close') wantsClose = true;
          else if (t === 'keep-alive') wantsKeepAlive = true;
          else if (t === 'upgrade') return 'upgrade';
        }
        break;
      case 'transfer-encoding':
      case 'expect':
      case 'upgrade':
        return name;
      default:
        if (name === captureHeader) {
          if (capturedSeen) return 'duplicate api header';
          capturedSeen = true;
          captured = value;
        }
    }
    pos = next + 2;
  }
  if (contentLength < 0) return 'no content-length';
  if (!host && version === 'HTTP/1.1') return 'no host';
  // HTTP/1.0 closes unless asked not to; 1.1 keeps the connection unless asked to close.
  const close = wantsClose || (version === 'HTTP/1.0' && !wantsKeepAlive);
  return { target: head.slice(5, sp), contentLength, captured, close };
}

let dateText = '';
let dateSecond = -1;
/** The Date header, formatted once a second. */
function httpDate(): string {
  const now = Date.now();
  const s = Math.floor(now / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

function responseText(reply: FastReply, close: boolean, keepAliveSeconds: number): string {
  return `HTTP/1.1 ${reply.status} ${STATUS_TEXT[reply.status] ?? 'Unknown'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(reply.body)}\r\nDate: ${httpDate()}\r\n${
    close ? 'Connection: close\r\n' : `Connection: keep-alive\r\nKeep-Alive: timeout=${keepAliveSeconds}\r\n`
  }\r\n${reply.body}`;
}

/** One client connection while the fast path reads it. Requests on it are answered one at a time, in order. */
class FastConnection {
  private buf: Buffer | undefined;
  /** The head of the request being received, once its blank line arrived. */
  private head: Head | undefined;
  private headEnd = 0;
  /** Where to resume looking for the end of the head in `buf`. */
  private searchFrom = 0;
  private busy = false;
  private closing = false;
  private requestTimer: NodeJS.Timeout | undefined;
  private readonly onData = (d: Buffer): void => this.receive(d);
  private readonly onError = (): void => {
    this.socket.destroy();
  };
  private readonly onTimeout = (): void => {
    // Idle between requests: close. A request in progress has its own timer.
    if (!this.busy && !this.buf) this.socket.destroy();
  };

  constructor(
    readonly socket: net.Socket,
    private readonly o: FastPathOptions,
    private readonly release: (c: FastConnection) => void,
    private readonly handedOver: (s: net.Socket) => void,
  ) {
    socket.setNoDelay(true);
    socket.setTimeout(o.keepAliveTimeoutMs);
    socket.on('timeout', this.onTimeout);
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', () => {
      this.clearRequestTimer();
      this.release(this);
    });
  }

  private receive(d: Buffer): void {
    this.buf = this.buf ? Buffer.concat([this.buf, d]) : d;
    if (this.busy) {
      // A client pipelining faster than we answer waits for us (TCP backpressure).
      if (this.buf.length > MAX_HEAD + this.o.maxBody) this.socket.pause();
      return;
    }
    this.drain();
  }

  /** Takes the complete requests in the buffer, one at a time. */
  private drain(): void {
    while (this.buf && !this.busy && !this.closing) {
      const buf = this.buf;
      if (!this.head) {
        const end = buf.indexOf(END_OF_HEAD, this.searchFrom);
        if (end < 0) {
          if (buf.length > MAX_HEAD) return this.handOff('head too large');
          this.searchFrom = Math.max(0, buf.length - 3);
          return this.armRequestTimer();
        }
        if (end > MAX_HEAD) return this.handOff('head too large');
        const head = parseHead(buf.toString('latin1', 0, end), this.o.captureHeader, this.o.maxBody);
        if (typeof head === 'string') return this.handOff(head);
        this.head = head;
        this.headEnd = end + 4;
      }
      const head = this.head;
      const total = this.headEnd + head.contentLength;
      if (buf.length < total) return this.armRequestTimer();
      const body = buf.toString('utf8', this.headEnd, total);
      this.buf = total === buf.length ? undefined : buf.subarray(total);
      this.head = undefined;
      this.searchFrom = 0;
      this.clearRequestTimer();
      this.busy = true;
      void this.o.handle({ target: head.target, captured: head.captured, body }).then((reply) => this.answered(reply, head.close));
    }
  }

  private answered(reply: FastReply, close: boolean): void {
    this.busy = false;
    if (this.socket.destroyed) return;
    const flushed = this.socket.write(responseText(reply, close || this.closing, Math.round(this.o.keepAliveTimeoutMs / 1000)));
    if (close || this.closing) {
      this.closing = true;
      this.socket.end();
      return;
    }
    if (!flushed) {
      // A client that pipelines without reading the answers: stop reading
      // (and answering) until it has taken what is queued.
      this.socket.pause();
      this.socket.once('drain', () => this.resumeReading());
      return;
    }
    this.resumeReading();
  }

  private resumeReading(): void {
    if (this.socket.destroyed || this.busy) return;
    if (this.socket.isPaused()) this.socket.resume();
    this.drain();
  }

  /** Gives the connection, with the bytes not yet consumed, to node:http. */
  private handOff(reason: string): void {
    this.o.onFallback?.(reason);
    this.clearRequestTimer();
    const { socket } = this;
    socket.off('data', this.onData);
    socket.off('timeout', this.onTimeout);
    socket.off('error', this.onError);
    socket.setTimeout(0);
    socket.pause();
    this.release(this);
    this.handedOver(socket);
    this.o.fallback.emit('connection', socket);
    if (this.buf) socket.unshift(this.buf);
    this.buf = undefined;
    socket.resume();
  }

  private armRequestTimer(): void {
    if (this.requestTimer) return;
    this.requestTimer = setTimeout(() => {
      this.requestTimer = undefined;
      if (this.busy || this.socket.destroyed) return;
      this.closing = true;
      this.socket.end(responseText({ status: 408, body: this.o.errorBody(408, `request not complete within ${this.o.requestTimeoutMs} ms`) }, true, 0));
    }, this.o.requestTimeoutMs);
    this.requestTimer.unref();
  }

  private clearRequestTimer(): void {
    if (!this.requestTimer) return;
    clearTimeout(this.requestTimer);
    this.requestTimer = undefined;
  }

  /** Server shutdown: an idle connection closes now, a busy one right after its answer. */
  shutdown(): void {
    this.closing = true;
    if (!this.busy) this.socket.destroy();
  }
}

/** A listener that answers the fast-path requests itself and gives the rest to `o.fallback`. */
export class FastPathServer {
  readonly server: net.Server;
  private readonly open = new Set<FastConnection>();
  /** node:http tracks connections only for a server that listens itself; the fallback never does. */
  private readonly handed = new Set<net.Socket>();

  constructor(o: FastPathOptions) {
    this.server = net.createServer((socket) => {
      const c = new FastConnection(socket, o, (done) => this.open.delete(done), (s) => {
        this.handed.add(s);
        s.once('close', () => this.handed.delete(s));
      });
      this.open.add(c);
    });
  }

  /** Stops listening and closes every connection, the handed-over ones included. */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of [...this.open]) c.shutdown();
    for (const s of [...this.handed]) s.destroy();
    return closed;
  }
}
