import type * as net from 'node:net';

export type DropReason = 'evicted' | 'refused';

/**
 * A per-listener connection cap. Each listener gets its own cap, and together
 * they stay well under the process's open-file limit, so a flood on one
 * listener can neither take file descriptors from the others nor from the
 * store and the logs.
 *
 * When the listener is full, a new connection evicts the connection that
 * has been idle longest (no request being answered on it); only when every
 * connection is waiting for an answer is the newcomer refused. Holding
 * connections open therefore cannot lock the real clients out: Postfix and
 * Dovecot reconnect, and their new connections push the squatters out.
 *
 * "Idle since" moves only when a request is answered, never on incoming
 * bytes, so a client trickling a request one byte at a time keeps the place
 * it took when it connected or was last answered.
 */
export class ConnectionGuard {
  /** Connections with no request in flight, the longest idle first (Map keeps insertion order). */
  private readonly idle = new Map<net.Socket, true>();
  private readonly all = new Set<net.Socket>();

  constructor(readonly max: number, private readonly onDrop: (reason: DropReason) => void = () => undefined) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`connection cap must be a positive integer, not ${max}`);
  }

  get size(): number {
    return this.all.size;
  }

  /** A connection arrived. False when it was refused (already destroyed). */
  admit(socket: net.Socket): boolean {
    if (this.all.size >= this.max) {
      const oldest = this.idle.keys().next();
      if (oldest.done) {
        this.onDrop('refused');
        socket.destroy();
        return false;
      }
      this.forget(oldest.value);
      this.onDrop('evicted');
      oldest.value.destroy();
    }
    this.all.add(socket);
    this.idle.set(socket, true);
    socket.once('close', () => this.forget(socket));
    return true;
  }

  /** A request on this connection is being answered: it may not be evicted. */
  busy(socket: net.Socket): void {
    this.idle.delete(socket);
  }

  /** Its answer went out: idle from now, the youngest idle connection. */
  done(socket: net.Socket): void {
    if (!this.all.has(socket) || socket.destroyed) return;
    this.idle.delete(socket);
    this.idle.set(socket, true);
  }

  /** Every connection, for a listener that stops. */
  sockets(): IterableIterator<net.Socket> {
    return this.all.values();
  }

  private forget(socket: net.Socket): void {
    this.all.delete(socket);
    this.idle.delete(socket);
  }
}
