/** A field-level problem as the API reports it (JSON pointer, message, rule). */
export interface Problem {
  readonly path: string;
  readonly message: string;
  readonly rule: string;
}

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly problems: readonly Problem[] = []) {
    super(message);
  }
}

let csrf = '';

export function setCsrf(token: string): void {
  csrf = token;
}

/**
 * Calls the admin API with the session cookie (sent by the browser) and, on
 * every change, the CSRF token kept in memory only.
 */
export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const type = res.headers.get('content-type') ?? '';
  const data = type.startsWith('application/json') ? await res.json() : await res.text();
  if (!res.ok) {
    if (res.status === 401 && path !== '/api/session') onSignedOut();
    throw new ApiError(res.status, typeof data === 'object' && data && 'error' in data ? String(data.error) : `HTTP ${res.status}`, (data as { problems?: Problem[] }).problems ?? []);
  }
  return data as T;
}

let signedOutHandler: () => void = () => undefined;
export function onSessionLost(fn: () => void): void {
  signedOutHandler = fn;
}
function onSignedOut(): void {
  signedOutHandler();
}

export const enc = encodeURIComponent;
