import * as http from 'node:http';
import type { Verdict } from '../../../shared';
import type { App } from '../../app';
import { closeServer } from '../../http/close-server';
import { LoginError } from '../../login';
import type { Gateway } from '../gateway';
import { type ListenAddress, listenOn } from '../listen-address';
import { apiHeaderMatches, type ApiHeaderCheck, parseApiHeader } from './api-header';
import { CheckPhases } from './check-phase';
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

/**
 * Dovecot's auth policy server (auth_policy_server_url): an HTTP/1.1 server
 * with keep-alive. Each request is answered on its own; a bad one gets a 4xx
 * with the reason and changes nothing.
 */
export class DovecotGateway implements Gateway {
  readonly name = 'dovecot';
  private server: http.Server | undefined;
  private readonly phases = new CheckPhases();
  private readonly apiHeader: ApiHeaderCheck | undefined;
  private readonly maxBody: number;

  constructor(private readonly app: App, private readonly address: ListenAddress) {
    this.apiHeader = parseApiHeader(app.config.dovecot.apiHeader);
    this.maxBody = app.config.dovecot.maxBodyBytes;
  }

  async start(): Promise<ListenAddress> {
    if (!this.apiHeader) this.app.logger.warn({ listener: this.name }, 'dovecot.apiHeader is not set: any local process may call the policy server');
    const server = http.createServer({ keepAlive: true }, (req, res) => {
      try {
        this.handle(req, res);
      } catch (e) {
        // A fault of ours must cost one reply, never the listener.
        this.app.logger.error({ err: (e as Error).message }, 'dovecot policy request failed');
        if (!res.headersSent) send(res, 500, { status: 0, msg: 'internal error' }, true);
      }
    });
    // Dovecot keeps its connections open between logins.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 10_000;
    server.requestTimeout = 10_000;
    this.server = server;
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      else socket.destroy();
    });
    return listenOn(server, this.address);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.apiHeader && !apiHeaderMatches(this.apiHeader, req.headers)) return this.refuse(req, res, 401, 'missing or wrong API header');
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
      const t0 = process.hrtime.bigint();
      this.answer(command, text).then(
        (r) => {
          send(res, 200, r);
          this.app.metrics.observe('gateway_request_duration_seconds', Number(process.hrtime.bigint() - t0) / 1e9, { gateway: 'dovecot' });
        },
        (e: unknown) => {
          if (e instanceof BadPolicyRequest) return this.refuse(req, res, e.status, e.message);
          if (e instanceof LoginError) return this.refuse(req, res, 400, `field "login": ${e.message}`);
          this.app.logger.error({ err: (e as Error).message }, 'dovecot policy request failed');
          this.app.metrics.increment('dovecot_requests', { command, result: 'error' });
          if (!res.headersSent) send(res, 500, { status: 0, msg: 'internal error' });
        },
      );
    });
    req.on('error', () => res.destroy());
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

  private refuse(req: http.IncomingMessage, res: http.ServerResponse, status: number, reason: string): void {
    this.app.metrics.increment('dovecot_requests', { command: 'invalid', result: String(status) });
    this.app.logger.debug({ status, reason, url: (req.url ?? '').slice(0, 100) }, 'dovecot policy request refused');
    if (res.headersSent) return;
    // An unread or oversized body leaves the connection in an unknown state: close it after the reply.
    const close = status === 413 || !req.complete;
    send(res, status, { status: 0, msg: reason, error: reason }, close);
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }
}

function send(res: http.ServerResponse, status: number, body: unknown, close = false): void {
  const text = JSON.stringify(body);
  const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) };
  if (close) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(text);
}
