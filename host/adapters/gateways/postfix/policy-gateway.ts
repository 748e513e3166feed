import net from 'node:net';
import type { Clock, Logger, MailEvent, Metrics, RelayRequest, Verdict } from '../../../../shared';
import { DEFAULT_LIMITS, type PostfixLimits } from '../../../core/config/listener-limits';
import { ConnectionGuard } from '../../../tools/http/connection-guard';
import type { Gateway } from '../../../core/gateway';
import { type ListenAddress, listenOn } from '../../../tools/listen-address';
import { policyAction } from './policy-action';
import { PolicyParser, type PolicyRequest } from './policy-parser';
import { toRelayRequest } from './relay-request';

/** What the gateway needs of the App (the App itself fits). */
export interface PolicyGatewayHost {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly pipeline: {
    readonly defaultDomain: string;
    /** Synchronous when it can be (the contract's HOOKS: checkRelay answers without a promise when every hook does). */
    checkRelay(request: RelayRequest): Verdict | undefined | Promise<Verdict | undefined>;
    onMail(event: MailEvent): Promise<void>;
  };
}

/** The listener limits (host config `limits.postfix`); missing ones take the defaults. */
export type PolicyGatewayOptions = Partial<PostfixLimits>;

const DONE: Promise<void> = Promise.resolve();

/** Recipients remembered per message (RCPT requests) to report them at END-OF-MESSAGE. */
const MAX_RECIPIENTS = 1000;
/** Requests queued on one connection before it is dropped (Postfix sends one at a time). */
const MAX_PENDING = 1000;
/** Messages in progress remembered at once; the oldest is forgotten first. */
const MAX_MESSAGES = 10_000;

/** One policy client connection (Postfix opens one per smtpd process and per check_policy_service definition). */
interface Connection {
  readonly socket: net.Socket;
  readonly parser: PolicyParser;
  readonly remote: string;
  /** Answers go out in request order: each request waits for the one before. */
  tail: Promise<void>;
  /** Requests received and not yet answered. */
  pending: number;
  /** Answers not yet written. */
  out: string;
  /** In the gateway's list of connections to write at the end of this event-loop turn. */
  queued: boolean;
  /** When the request being received began (ms, monotonic), or 0 between requests. */
  requestStarted: number;
}

interface MessageInProgress {
  recipients: Set<string>;
  reported: boolean;
}

/**
 * Postfix SMTPD policy delegation over TCP (check_policy_service inet:…).
 * Each request goes to the plugins' checkRelay; at END-OF-MESSAGE the
 * message is reported to their onMail as `accepted`, unless we refused it.
 * A protocol error is logged and the connection closed without an answer:
 * Postfix then answers its client with a temporary error, never a permit.
 */
export class PostfixPolicyGateway implements Gateway {
  readonly name = 'postfix';
  private server: net.Server | undefined;
  private readonly limits: PostfixLimits;
  private readonly guard: ConnectionGuard;
  private readonly connections = new Set<Connection>();
  private sweep: NodeJS.Timeout | undefined;
  /**
   * By Postfix's `instance` attribute (unique per message). Not per
   * connection: each policy_context is a separate check_policy_service, so the
   * RCPT and END-OF-MESSAGE requests of one message may come on different connections.
   */
  private readonly messages = new Map<string, MessageInProgress>();
  /** Connections with answers to write; see `send`. */
  private writeList: Connection[] = [];
  private writeScheduled = false;
  private readonly flush = (): void => {
    const list = this.writeList;
    this.writeList = [];
    this.writeScheduled = false;
    for (const conn of list) {
      conn.queued = false;
      if (conn.socket.destroyed || !conn.out) continue;
      conn.socket.write(conn.out, 'latin1');
      conn.out = '';
    }
  };

  constructor(private readonly host: PolicyGatewayHost, private readonly address: ListenAddress, options: PolicyGatewayOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS.postfix, ...options };
    this.guard = new ConnectionGuard(this.limits.maxConnections, (reason) => this.host.metrics.increment('listener_connections_dropped', { listener: this.name, reason }));
  }

  async start(): Promise<ListenAddress> {
    const server = net.createServer((s) => this.accept(s));
    this.server = server;
    const bound = await listenOn(server, this.address);
    server.on('error', (e) => this.host.logger.error({ err: e.message }, 'postfix policy listener error'));
    // One sweep for the unfinished-request timeout rather than a timer per request (the hot path).
    const every = Math.max(10, Math.min(1000, Math.floor(this.limits.requestTimeoutMs / 4)));
    this.sweep = setInterval(() => this.expireRequests(), every);
    this.sweep.unref();
    return bound;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    clearInterval(this.sweep);
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const sock of this.guard.sockets()) sock.destroy();
    await closed;
  }

  /** A request begun and not finished within requestTimeoutMs: a protocol error (log, no answer, close). */
  private expireRequests(): void {
    const before = performance.now() - this.limits.requestTimeoutMs;
    for (const conn of this.connections) {
      if (conn.requestStarted !== 0 && conn.requestStarted < before) this.protocolError(conn, `request not complete within ${this.limits.requestTimeoutMs} ms`);
    }
  }

  private accept(socket: net.Socket): void {
    if (!this.guard.admit(socket)) return;
    const conn: Connection = {
      socket,
      parser: new PolicyParser(this.limits.maxRequestBytes),
      remote: `${socket.remoteAddress}:${socket.remotePort}`,
      tail: Promise.resolve(),
      pending: 0,
      out: '',
      queued: false,
      requestStarted: 0,
    };
    this.connections.add(conn);
    socket.setEncoding('latin1');
    socket.setNoDelay(true);
    // Between requests: Postfix closes its own idle connections after smtpd_policy_service_max_idle (300 s).
    socket.setTimeout(this.limits.idleTimeoutMs, () => socket.destroy());
    socket.on('close', () => this.connections.delete(conn));
    socket.on('error', (e) => this.host.logger.debug({ remote: conn.remote, err: e.message }, 'postfix policy connection error'));
    socket.on('data', (chunk: string) => this.onData(conn, chunk));
  }

  private onData(conn: Connection, chunk: string): void {
    let requests: PolicyRequest[];
    try {
      requests = conn.parser.feed(chunk);
    } catch (e) {
      this.protocolError(conn, (e as Error).message);
      return;
    }
    if (conn.parser.buffered === 0) conn.requestStarted = 0;
    else if (conn.requestStarted === 0 || requests.length > 0) conn.requestStarted = performance.now();
    if (requests.length > 0) this.guard.busy(conn.socket);
    for (const req of requests) {
      const type = req.fields.request!;
      if (type !== 'smtpd_access_policy') {
        this.protocolError(conn, `unknown request type "${type.slice(0, 40)}"`);
        return;
      }
      if (conn.pending >= MAX_PENDING) {
        this.protocolError(conn, `more than ${MAX_PENDING} requests pipelined without reading the answers`);
        return;
      }
      // Idle connection (Postfix's usual case): answer now; else after the ones before it.
      if (conn.pending++ > 0) {
        conn.tail = conn.tail.then(() => this.answer(conn, req));
        continue;
      }
      try {
        conn.tail = this.answer(conn, req) ?? DONE;
      } catch (e) {
        // A fault of ours costs this connection (Postfix answers its client with a temporary error), never the listener.
        this.host.logger.error({ remote: conn.remote, err: (e as Error).message }, 'postfix policy request failed');
        conn.socket.destroy();
        return;
      }
    }
  }

  private protocolError(conn: Connection, reason: string): void {
    this.host.metrics.increment('policy_protocol_errors');
    this.host.logger.warn({ remote: conn.remote, reason }, 'postfix policy protocol error; closing the connection without an answer');
    conn.socket.destroy();
  }

  /** Decides one request; a promise only when a hook needed one. Never rejects. */
  private answer(conn: Connection, req: PolicyRequest): Promise<void> | undefined {
    if (conn.socket.destroyed) return undefined;
    const t0 = performance.now();
    let request: RelayRequest | undefined;
    let v: Verdict | undefined | Promise<Verdict | undefined>;
    try {
      request = toRelayRequest(req, this.host.pipeline.defaultDomain, this.host.clock.now());
      this.track(request);
      v = this.host.pipeline.checkRelay(request);
    } catch (e) {
      this.notEvaluated(conn, req, e);
      v = undefined;
    }
    if (!(v instanceof Promise)) return this.reply(conn, request, v, t0);
    const r = request;
    return v.then(
      (verdict) => this.reply(conn, r, verdict, t0),
      (e: unknown) => {
        this.notEvaluated(conn, req, e);
        this.reply(conn, r, undefined, t0);
      },
    );
  }

  /** No opinion rather than an accidental permit: Postfix's own rules decide. */
  private notEvaluated(conn: Connection, req: PolicyRequest, e: unknown): void {
    this.host.logger.warn({ remote: conn.remote, state: req.fields.protocol_state, err: (e as Error).message }, 'postfix policy request not evaluated; answering DUNNO');
  }

  private reply(conn: Connection, request: RelayRequest | undefined, verdict: Verdict | undefined, t0: number): undefined {
    const action = policyAction(verdict);
    this.send(conn, `action=${action}\n\n`);
    this.host.metrics.increment('policy_replies', { action: verdict ? verdict.action : 'none' });
    this.host.metrics.observe?.('gateway_request_duration_seconds', (performance.now() - t0) / 1000, { gateway: 'postfix' });
    if (verdict && verdict.action !== 'allow') {
      this.host.logger.info({ client: request?.clientAddress, sasl: request?.saslUsername, state: request?.protocolState, context: request?.policyContext, action, plugin: verdict.plugin }, 'postfix policy verdict');
    }
    if (request && request.protocolState === 'END-OF-MESSAGE' && (!verdict || verdict.action === 'allow' || verdict.action === 'hold' || verdict.action === 'delay')) {
      this.emitAccepted(request);
    }
    return undefined;
  }

  private message(instance: string): MessageInProgress {
    let m = this.messages.get(instance);
    if (!m) {
      if (this.messages.size >= MAX_MESSAGES) this.messages.delete(this.messages.keys().next().value as string);
      m = { recipients: new Set(), reported: false };
      this.messages.set(instance, m);
    }
    return m;
  }

  /**
   * Answers are written at the end of the event-loop turn (setImmediate runs
   * right after the poll phase), all connections' at once, as Redis writes
   * its replies before going back to epoll. Every request that arrived in one
   * turn is decided before the first write; a pipelined batch goes out in one
   * write; and a policy client that is one process serving many connections
   * (a load generator, a proxy) is woken once per batch rather than once per
   * answer, which on a VM costs as much as deciding the request.
   */
  private send(conn: Connection, reply: string): void {
    if (--conn.pending === 0) this.guard.done(conn.socket);
    if (conn.socket.destroyed) return;
    conn.out += reply;
    if (conn.queued) return;
    conn.queued = true;
    this.writeList.push(conn);
    if (!this.writeScheduled) {
      this.writeScheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Remembers the recipients of a message seen at RCPT, to report them with it. */
  private track(r: RelayRequest): void {
    if (r.protocolState !== 'RCPT' || !r.instance || !r.recipient) return;
    const m = this.message(r.instance);
    if (m.recipients.size < MAX_RECIPIENTS) m.recipients.add(r.recipient);
  }

  private emitAccepted(r: RelayRequest): void {
    const m = r.instance ? this.message(r.instance) : { recipients: new Set<string>(), reported: false };
    // The same message may be checked from several restriction lists (policy_context): report it once.
    if (m.reported) return;
    m.reported = true;
    const event: MailEvent = {
      kind: 'accepted',
      queueId: r.queueId ?? '',
      sender: r.sender,
      recipients: [...m.recipients],
      domain: r.domain,
      at: r.at,
      ...(r.saslUsername ? { saslUsername: r.saslUsername } : {}),
      ...(r.clientAddress ? { clientAddress: r.clientAddress } : {}),
    };
    m.recipients = new Set();
    this.host.pipeline.onMail(event).catch((e) => this.host.logger.error({ err: (e as Error).message }, 'onMail failed'));
  }
}
