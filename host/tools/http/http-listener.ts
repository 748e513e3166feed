import http from 'node:http';
import type * as net from 'node:net';
import { ConnectionGuard, type DropReason } from './connection-guard';

/** The limits of one HTTP listener (host config `limits.admin` / `limits.dovecot`). */
export interface HttpLimits {
  readonly maxConnections: number;
  /** The request head must be complete this long after its first byte. */
  readonly headersTimeoutMs: number;
  /** The whole request (head and body) must be in this long after its first byte. */
  readonly requestTimeoutMs: number;
  /** A keep-alive connection with no new request is closed after this long. */
  readonly keepAliveTimeoutMs: number;
  /** A connection on which nothing at all moves is closed after this long, whatever its state. */
  readonly idleTimeoutMs: number;
  readonly maxHeaderBytes: number;
}

export interface GuardedHttpServer {
  readonly server: http.Server;
  readonly guard: ConnectionGuard;
}

/**
 * A node:http server with every limit set. node:http enforces headersTimeout
 * and requestTimeout from a periodic sweep (connectionsCheckingInterval,
 * 30 s by default), so a "10 s" head timeout could take 40 s: the sweep runs
 * here at a quarter of the shortest timeout, at most once a second.
 */
export function createGuardedHttpServer(
  limits: HttpLimits,
  handler: http.RequestListener,
  onDrop: (reason: DropReason) => void = () => undefined,
): GuardedHttpServer {
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  const server = http.createServer(
    {
      keepAlive: true,
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(headersTimeout / 4))),
      requireHostHeader: true,
    },
    handler,
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.timeout = limits.idleTimeoutMs;
  const guard = new ConnectionGuard(limits.maxConnections, onDrop);
  server.on('connection', (socket: net.Socket) => {
    if (!guard.admit(socket)) return;
    // node:http's own inactivity timer (server.timeout) was seen not to fire on a
    // connection that never sent a byte, and headersTimeout starts only with
    // the first byte: this one closes a silent connection whatever its state.
    socket.setTimeout(limits.idleTimeoutMs);
    socket.on('timeout', () => socket.destroy());
  });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    guard.busy(socket);
    res.once('close', () => guard.done(socket));
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) => {
    // node:http's own reply on its errors, always followed by a close: a
    // connection whose framing went wrong cannot be trusted with another request.
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    if (socket.writable && !(socket as net.Socket & { _httpMessage?: unknown })._httpMessage) {
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      socket.once('finish', () => socket.destroy());
      setTimeout(() => socket.destroy(), 1000).unref();
    } else socket.destroy();
  });
  return { server, guard };
}
