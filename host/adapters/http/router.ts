import type * as http from 'node:http';
import type { ValidateFunction } from 'ajv';
import type { Lang } from '../../../shared';
import type { AdminPort } from '../../core/ports';
import type { AdminAuth } from './admin-auth';
import { newAjv, toProblems } from '../../core/validation/ajv';
import { HttpError } from './http-error';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type JsonSchema = Record<string, unknown>;

/** What a handler gets: the request already authenticated, its body and query validated. */
export interface RequestContext<B = any, Q = any> {
  readonly app: AdminPort;
  readonly req: http.IncomingMessage;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Q;
  readonly body: B;
  /** Who acts, for the audit trail: `api:token` or `console:<session>`. */
  readonly actor: string;
  /** Preferred language of the caller (Accept-Language, else English), for messages meant for people. */
  readonly lang: Lang;
  /** The language Accept-Language asked for, when it names one we speak. */
  readonly acceptLang?: Lang;
}

/** A non-200 answer, or one that sets headers. */
export class Reply {
  constructor(readonly status: number, readonly body: unknown, readonly headers: Readonly<Record<string, string>> = {}) {}
}

export interface RouteSpec<B = any, Q = any> {
  readonly method: Method;
  /** `/api/domains/{domain}/plugins/{id}`: braces mark path parameters (one segment each). */
  readonly path: string;
  readonly summary: string;
  /** OpenAPI tag: the console screen/area it belongs to. */
  readonly tag: string;
  readonly description?: string;
  readonly params?: Readonly<Record<string, string>>;
  /** JSON Schema of the query parameters (an object of scalar properties); values are coerced. */
  readonly query?: JsonSchema;
  /** JSON Schema of the request body, enforced here and published in the OpenAPI document. */
  readonly body?: JsonSchema;
  /** JSON Schema of the 200 answer, for the OpenAPI document only. */
  readonly response?: JsonSchema;
  /** Reachable without a credential (only sign-in, which checks the token itself). */
  readonly public?: boolean;
  handle(ctx: RequestContext<B, Q>): Promise<unknown>;
}

/** What a route module may use besides the request context. */
export interface RouteEnv {
  readonly app: AdminPort;
  readonly auth: AdminAuth;
  /** Runs when the listener stops (timers a module started). */
  onStop(fn: () => void): void;
}

/** A function that adds one area's routes; every area of the API is one module. */
export type RouteModule = (router: Router, env: RouteEnv) => void;

interface CompiledRoute {
  readonly spec: RouteSpec;
  readonly segments: readonly string[];
  readonly validateBody?: ValidateFunction;
  readonly validateQuery?: ValidateFunction;
}

export interface Match {
  readonly route: RouteSpec;
  readonly params: Record<string, string>;
  readonly validateBody?: ValidateFunction;
  readonly validateQuery?: ValidateFunction;
}

const bodyAjv = newAjv({ useDefaults: true, coerceTypes: false });
// Query strings carry text only: numbers and booleans are coerced, nothing else.
const queryAjv = newAjv({ useDefaults: true, coerceTypes: true });

/**
 * A small method+path router. Path segments are matched literally or bind a
 * parameter; the segment count must match, so there is no backtracking.
 */
export class Router {
  /** Named groups of routes; '' holds the host's own, others are replaced whole (plugin routes on reload). */
  private readonly groups = new Map<string, CompiledRoute[]>([['', []]]);

  private get routes(): CompiledRoute[] {
    return [...this.groups.values()].flat();
  }

  add<B = any, Q = any>(spec: RouteSpec<B, Q>): void {
    this.groups.get('')!.push(this.compile(spec as RouteSpec, this.routes));
  }

  /** Replaces a group; a route whose schema does not compile or whose path is taken is reported and left out. */
  replaceGroup(name: string, specs: readonly RouteSpec[]): Array<{ route: string; reason: string }> {
    this.groups.set(name, []);
    const rejected: Array<{ route: string; reason: string }> = [];
    const group: CompiledRoute[] = [];
    for (const spec of specs) {
      try {
        group.push(this.compile(spec, [...this.routes, ...group]));
      } catch (e) {
        rejected.push({ route: `${spec.method} ${spec.path}`, reason: (e as Error).message });
      }
    }
    this.groups.set(name, group);
    return rejected;
  }

  private compile(spec: RouteSpec, existing: readonly CompiledRoute[]): CompiledRoute {
    if (existing.some((r) => r.spec.method === spec.method && r.spec.path === spec.path)) throw new Error(`route ${spec.method} ${spec.path} added twice`);
    return {
      spec,
      segments: spec.path.split('/').slice(1),
      ...(spec.body ? { validateBody: bodyAjv.compile(spec.body) } : {}),
      ...(spec.query ? { validateQuery: queryAjv.compile({ type: 'object', additionalProperties: false, ...spec.query }) } : {}),
    };
  }

  get specs(): readonly RouteSpec[] {
    return this.routes.map((r) => r.spec);
  }

  /** The route for a request, or an HttpError: 404 for an unknown path, 405 for a known path with another method. */
  match(method: string, pathname: string): Match {
    const parts = pathname.split('/').slice(1);
    let pathKnown = false;
    for (const r of this.routes) {
      const params = matchSegments(r.segments, parts);
      if (!params) continue;
      if (r.spec.method !== method) {
        pathKnown = true;
        continue;
      }
      return { route: r.spec, params, validateBody: r.validateBody, validateQuery: r.validateQuery };
    }
    if (pathKnown) throw new HttpError(405, `${method} is not allowed on ${pathname}`);
    throw new HttpError(404, `no route ${method} ${pathname}`);
  }
}

function matchSegments(pattern: readonly string[], parts: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p.startsWith('{') && p.endsWith('}')) {
      if (parts[i] === '') return undefined;
      let value: string;
      try {
        value = decodeURIComponent(parts[i]);
      } catch {
        throw new HttpError(400, `path segment "${parts[i].slice(0, 60)}" is not valid percent-encoding`);
      }
      params[p.slice(1, -1)] = value;
    } else if (p !== parts[i]) return undefined;
  }
  return params;
}

/** Validates a body against its route schema; on failure a 400 whose problems name each field. */
export function checkBody(m: Match, body: unknown): unknown {
  if (!m.validateBody) {
    if (body !== undefined) throw new HttpError(400, `${m.route.method} ${m.route.path} takes no request body`);
    return undefined;
  }
  const doc = body === undefined ? {} : body;
  if (!m.validateBody(doc)) {
    const problems = toProblems(m.validateBody.errors);
    throw new HttpError(400, `request body: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, problems);
  }
  return doc;
}

/** Validates query parameters (first value of each name). */
export function checkQuery(m: Match, search: URLSearchParams): Record<string, unknown> {
  const q: Record<string, unknown> = {};
  for (const [k, v] of search) if (!(k in q)) q[k] = v;
  if (!m.validateQuery) {
    const extra = Object.keys(q)[0];
    if (extra !== undefined) throw new HttpError(400, `query parameter "${extra}" is not known here`, [{ path: `?${extra}`, message: 'is not a known query parameter', rule: 'additionalProperties' }]);
    return q;
  }
  if (!m.validateQuery(q)) {
    const problems = toProblems(m.validateQuery.errors).map((p) => ({ ...p, path: `?${p.path.slice(1)}` }));
    throw new HttpError(400, `query: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, problems);
  }
  return q;
}
