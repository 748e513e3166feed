import * as http from 'node:http';
import type { Verdict } from '../../../shared';
import type { App } from '../../app';
import { LoginError } from '../../login';
import type { Gateway } from '../gateway';
import { type ListenAddress, listenOn } from '../listen-address';
import { type ApiHeaderCheck, apiValueMatches, parseApiHeader } from './api-header';
import { CheckPhases } from './check-phase';
import { type FastReply, type FastRequest, FastPathServer } from './fast-path';
import { BadPolicyRequest, parseCommand, parsePolicyBody, type PolicyRequest } from './policy-request';

/** Dovecot's reply: -1 refuses, 0 allows, N > 0 delays the answer N seconds (before auth only). */
export interface PolicyReply {
  readonly status: number;
  readonly msg: string;
}

export function replyFor(v: Verdict, phase: 'before' | 'afterSuccess'): PolicyReply {
  switch (v.action) {
    case 'allow':
      return { status: 0, msg: 'ok' };
    case 'delay':
      // After the password was checked a delay means nothing to Dovecot.
      return { status: phase === 'before' ? Math.max(1, Math.round(v.delaySeconds ?? 1)) : 0, msg: v.reason };
    default:
      return { status: -1, msg: v.reason };
  }
}

/** Dovecot keeps its connections open between logins. */
const KEEP_ALIVE_MS = 65_000;
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Dovecot's auth policy server (auth_policy_server_url): an HTTP/1.1 server
 * with keep-alive. Each request is answered on its own; a bad one gets a 4xx
 * with the reason and changes nothing. Requests of the shape Dovecot sends
 * are read by the fast path; the rest by node:http (fast-path.ts says why).
 */
export class DovecotGateway implements Gateway {
  readonly name = 'dovecot';
  private listener: FastPathServer | undefined;
  private readonly phases = new CheckPhases();
  private readonly apiHeader: ApiHeaderCheck | undefined;
  private readonly maxBody: number;

  constructor(private readonly app: App, private readonly address: ListenAddress) {
    this.apiHeader = parseApiHeader(app.config.dovecot.apiHeader);
    this.maxBody = app.config.dovecot.maxBodyBytes;
  }

  async start(): Promise<ListenAddress> {
    if (!this.apiHeader) this.app.logger.warn({ listener: this.name }, 'dovecot.apiHeader is not set: any local process may call the policy server');
    const fallback = http.createServer({ keepAlive: true }, (req, res) => {
      try {
        this.handle(req, res);
      } catch (e) {
        // A fault of ours must cost one reply, never the listener.
        this.app.logger.error({ err: (e as Error).message }, 'dovecot policy request failed');
        if (!res.headersSent) send(res, 500, JSON.stringify({ status: 0, msg: 'internal error' }), true);
      }
    });
    fallback.keepAliveTimeout = KEEP_ALIVE_MS;
    fallback.headersTimeout = REQUEST_TIMEOUT_MS;
    fallback.requestTimeout = REQUEST_TIMEOUT_MS;
    fallback.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      else socket.destroy();
    });
    this.listener = new FastPathServer({
      captureHeader: this.apiHeader?.name,
      maxBody: this.maxBody,
      keepAliveTimeoutMs: KEEP_ALIVE_MS,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      fallback,
      handle: (r) => this.handleFast(r),
      errorBody: (_status, reason) => JSON.stringify({ status: 0, msg: reason, error: reason }),
      onFallback: (reason) => this.app.metrics.increment('dovecot_http_fallbacks', { reason }),
    });
    return listenOn(this.listener.server, this.address);
  }

  private async handleFast(r: FastRequest): Promise<FastReply> {
    if (this.apiHeader && !apiValueMatches(this.apiHeader, r.captured)) return this.refusal(401, 'missing or wrong API header', r.target);
    let command: PolicyRequest['command'];
    try {
      command = parseCommand(r.target);
    } catch (e) {
      return this.refusal(e instanceof BadPolicyRequest ? e.status : 400, (e as Error).message, r.target);
    }
    return this.respond(command, r.body, r.target);
  }

  /** The path for requests the fast path handed over: node:http with streaming, limits and its own errors. */
  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.apiHeader && !apiValueMatches(this.apiHeader, req.headers[this.apiHeader.name])) return this.refuse(req, res, 401, 'missing or wrong API header');
    if (req.method !== 'POST') return this.refuse(req, res, 405, `method ${req.method} not allowed (POST)`);
    let command: PolicyRequest['command'];
    try {
      command = parseCommand(req.url ?? '/');
    } catch (e) {
      return this.refuse(req, res, e instanceof BadPolicyRequest ? e.status : 400, (e as Error).message);
    }
    const declared = Number(req.headers['content-length']);
    if (declared > this.maxBody) return this.refuse(req, res, 413, `body larger than ${this.maxBody} bytes`);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      if (tooBig) return;
      size += c.length;
      if (size > this.maxBody) {
        tooBig = true;
        this.refuse(req, res, 413, `body larger than ${this.maxBody} bytes`);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (tooBig) return;
      const text = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
      void this.respond(command, text, req.url ?? '').then((r) => send(res, r.status, r.body));
    });
    req.on('error', () => res.destroy());
  }

  /** The reply to a whole request: 200 with the verdict, or the refusal. Never rejects. */
  private async respond(command: PolicyRequest['command'], text: string, target: string): Promise<FastReply> {
    const t0 = performance.now();
    try {
      const body = JSON.stringify(await this.answer(command, text));
      this.app.metrics.observe('gateway_request_duration_seconds', (performance.now() - t0) / 1000, { gateway: 'dovecot' });
      return { status: 200, body };
    } catch (e) {
      if (e instanceof BadPolicyRequest) return this.refusal(e.status, e.message, target);
      if (e instanceof LoginError) return this.refusal(400, `field "login": ${e.message}`, target);
      this.app.logger.error({ err: (e as Error).message }, 'dovecot policy request failed');
      this.app.metrics.increment('dovecot_requests', { command, result: 'error' });
      return { status: 500, body: JSON.stringify({ status: 0, msg: 'internal error' }) };
    }
  }

  /** Runs the pipeline for one request; throws BadPolicyRequest/LoginError for the caller's mistakes. */
  async answer(command: PolicyRequest['command'], text: string): Promise<PolicyReply> {
    const p = parsePolicyBody(command, text);
    const attempt = this.app.pipeline.attempt(p.attempt);
    const key = CheckPhases.key(p.attempt);
    if (p.command === 'report') {
      this.phases.report(key);
      await this.app.pipeline.afterAuth(attempt, p.outcome!);
      this.app.metrics.increment('dovecot_requests', { command, result: p.outcome!.success ? 'success' : 'failure' });
      return { status: 0, msg: 'recorded' };
    }
    const phase = this.phases.allow(key, this.app.clock.now());
    const v = phase === 'before' ? await this.app.pipeline.beforeAuth(attempt) : await this.app.pipeline.afterSuccess(attempt);
    const reply = replyFor(v, phase);
    if (reply.status < 0) this.phases.refused(key);
    this.app.metrics.increment('dovecot_requests', { command, result: reply.status < 0 ? 'reject' : reply.status > 0 ? 'delay' : 'allow' });
    return reply;
  }

  /** Counts and logs a refused request; the reply carries the reason. */
  private refusal(status: number, reason: string, target: string): FastReply {
    this.app.metrics.increment('dovecot_requests', { command: 'invalid', result: String(status) });
    this.app.logger.debug({ status, reason, url: target.slice(0, 100) }, 'dovecot policy request refused');
    return { status, body: JSON.stringify({ status: 0, msg: reason, error: reason }) };
  }

  private refuse(req: http.IncomingMessage, res: http.ServerResponse, status: number, reason: string): void {
    const r = this.refusal(status, reason, req.url ?? '');
    if (res.headersSent) return;
    // An unread or oversized body leaves the connection in an unknown state: close it after the reply.
    send(res, r.status, r.body, status === 413 || !req.complete);
  }

  stop(): Promise<void> {
    return this.listener ? this.listener.close() : Promise.resolve();
  }
}

function send(res: http.ServerResponse, status: number, text: string, close = false): void {
  const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) };
  if (close) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(text);
}
