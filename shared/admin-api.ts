import type { ServiceContext } from './hooks';
import type { Lang } from './password';

/*
 * Admin API routes a plugin contributes. The host mounts them under
 * /api/plugins/<plugin id>/…, checks the admin token / console session and
 * CSRF, validates bodies and query strings against the schemas given here and
 * publishes them in its OpenAPI document. A plugin's handler only does its own
 * work (the same as its CLI command).
 */

export interface AdminRequest<B = any, Q = any> {
  readonly params: Readonly<Record<string, string>>;
  /** Validated against `query` (numbers and booleans coerced). */
  readonly query: Q;
  /** Validated against `body`, defaults filled in. */
  readonly body: B;
  /** For the audit trail: `api:token` or `console:admin`. */
  readonly actor: string;
  /** The caller's language (Accept-Language). */
  readonly lang: Lang;
  /** The plugin's effective config per domain (as ServiceContext.configs). */
  readonly configs: ServiceContext['configs'];
}

export interface AdminRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Below /api/plugins/<plugin id>, e.g. `/entries` or `/entries/{id}` (braces: one path segment). */
  readonly path: string;
  readonly summary: string;
  /** JSON Schema of the query parameters (an object schema's `properties`/`required`). */
  readonly query?: Readonly<Record<string, unknown>>;
  /** JSON Schema of the request body. */
  readonly body?: Readonly<Record<string, unknown>>;
  /** JSON Schema of the answer (documentation only). */
  readonly response?: Readonly<Record<string, unknown>>;
  /** Returns the JSON answer; throw AdminApiError (or UsageError, 400) to refuse. */
  handle(request: AdminRequest): Promise<unknown>;
}

export const AdminRouteContribution = Symbol('mailwarden.AdminRouteContribution');
export interface AdminRouteContribution {
  readonly routes: readonly AdminRoute[];
}

/** A refusal with an HTTP status; `problems` locate bad fields (JSON pointer into the body). */
export class AdminApiError extends Error {
  override readonly name = 'AdminApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly problems: ReadonlyArray<{ readonly path: string; readonly message: string; readonly rule: string }> = [],
  ) {
    super(message);
  }
}
