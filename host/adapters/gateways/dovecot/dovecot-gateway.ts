import type * as http from 'node:http';
import type { Verdict } from '../../../../shared';
import type { PolicyPort } from '../../../core/ports';
import { listenerLimits } from '../../../core/config/listener-limits';
import { LoginError } from '../../../../shared/address';
import type { Gateway } from '../../../core/gateway';
import { createGuardedHttpServer } from '../../../tools/http/http-listener';
import { type ListenAddress, listenOn } from '../../../tools/listen-address';
import { closeServer } from '../../../tools/http/close-server';
import { type ApiHeaderCheck, apiValueMatches } from '../../../core/config/api-header';
import { resolveDovecotSecret } from '../../../core/config/api-secret';
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
 * The one media type accepted. Dovecot's auth process always sends
 * `Content-Type: application/json`; a browser can POST `text/plain`, the form
 * encodings or nothing at all to any port without a CORS preflight, so those
 * are refused before anything is read.
 */
export function isJsonType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const semi = value.indexOf(';');
  return (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase() === 'application/json';
}

/**
 * Dovecot's auth policy server (auth_policy_server_url): an HTTP/1.1 server
 * with keep-alive on node:http, with the listener limits of the host config
 * (connection cap, head/request/keep-alive/idle timeouts, head and body
 * sizes). Every request must carry the API header; each is answered on its
 * own, and a bad one gets a 4xx with the reason and changes nothing.
 */
export class DovecotGateway implements Gateway {
  readonly name = 'dovecot';
  private server: http.Server | undefined;
  private readonly phases = new CheckPhases();
  private readonly apiHeader: ApiHeaderCheck;
  private readonly secretFile: string | undefined;
  private readonly maxBody: number;

  constructor(private readonly app: PolicyPort, private readonly address: ListenAddress) {
    const secret = resolveDovecotSecret(app.config)!;
    this.apiHeader = secret.check;
    this.secretFile = secret.file;
    this.maxBody = app.config.dovecot.maxBodyBytes;
  }

  async start(): Promise<ListenAddress> {
    const limits = listenerLimits(this.app.config).dovecot;
    // Where the secret is, never the secret itself.
    this.app.logger.info({ listener: this.name, apiHeader: this.secretFile ?? 'dovecot.apiHeader' }, 'dovecot policy requests must carry the API header; `mailwarden wiring dovecot` prints the dovecot.conf lines');
    const { server } = createGuardedHttpServer(
      limits,
      (req, res) => {
        try {
          this.handle(req, res);
        } catch (e) {
          // A fault of ours must cost one reply, never the listener.
          this.app.logger.error({ err: (e as Error).message }, 'dovecot policy request failed');
          if (!res.headersSent) send(res, 500, JSON.stringify({ status: 0, msg: 'internal error' }), true);
        }
      },
      (reason) => this.app.metrics.increment('listener_connections_dropped', { listener: this.name, reason }),
    );
    this.server = server;
    return listenOn(server, this.address);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!apiValueMatches(this.apiHeader, req.headers[this.apiHeader.name])) return this.refuse(req, res, 401, 'missing or wrong API header (auth_policy_server_api_header; see `mailwarden wiring dovecot`)');
    if (req.method !== 'POST') return this.refuse(req, res, 405, `method ${req.method} not allowed (POST)`);
    if (!isJsonType(req.headers['content-type'])) return this.refuse(req, res, 415, 'content-type must be application/json');
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
        chunks.length = 0;
        this.refuse(req, res, 413, `body larger than ${this.maxBody} bytes`);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (tooBig) return;
      const text = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
      void this.respond(command, text, req.url ?? '').then((r) => {
        if (!res.destroyed) send(res, r.status, r.body);
      });
    });
    req.on('error', () => res.destroy());
  }

  /** The reply to a whole request: 200 with the verdict, or the refusal. Never rejects. */
  private async respond(command: PolicyRequest['command'], text: string, target: string): Promise<{ status: number; body: string }> {
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
  private refusal(status: number, reason: string, target: string): { status: number; body: string } {
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
    return closeServer(this.server);
  }
}

function send(res: http.ServerResponse, status: number, text: string, close = false): void {
  const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) };
  if (close) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(text);
}
