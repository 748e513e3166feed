import { AdminApiError, UsageError } from '../../../shared';
import { LoginError } from '../../../shared/address';
import { type Problem, ValidationError } from '../../core/validation/ajv';

/** An error the API answers with its own status; `problems` locate validation failures by JSON path. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(readonly status: number, message: string, readonly problems?: readonly Problem[], readonly headers: Readonly<Record<string, string>> = {}) {
    super(message);
  }
}

export interface ErrorBody {
  readonly error: string;
  readonly problems?: readonly Problem[];
}

/**
 * Maps what the host services throw to an HTTP answer. Validation and usage
 * errors are the caller's fault (400, with the field path); anything else is
 * ours (500, with no detail: the log has it).
 */
export function toHttpError(e: unknown): HttpError | undefined {
  if (e instanceof HttpError) return e;
  if (e instanceof AdminApiError) return new HttpError(e.status >= 400 && e.status < 600 ? e.status : 500, e.message, e.problems);
  if (e instanceof ValidationError) return new HttpError(400, e.message, e.problems);
  if (e instanceof LoginError) return new HttpError(400, e.message, [{ path: '/login', message: e.message, rule: 'login' }]);
  if (e instanceof UsageError) return new HttpError(400, e.message);
  return undefined;
}

export function errorBody(e: HttpError): ErrorBody {
  return { error: e.message, ...(e.problems?.length ? { problems: e.problems } : {}) };
}
