import { timingSafeEqual } from 'node:crypto';

export interface ApiHeaderCheck {
  /** Lower-case header name Dovecot sends the value in. */
  readonly name: string;
  readonly value: Buffer;
}

/**
 * What `auth_policy_server_api_header` makes Dovecot send: `Name: value`
 * as a header of that name, a bare value as `X-API-Key: value`.
 */
export function parseApiHeader(setting: string | undefined): ApiHeaderCheck | undefined {
  if (setting === undefined || setting.trim() === '') return undefined;
  const colon = setting.indexOf(':');
  if (colon < 0) return { name: 'x-api-key', value: Buffer.from(setting.trim()) };
  const name = setting.slice(0, colon).trim().toLowerCase();
  if (name === '') throw new Error('dovecot.apiHeader: header name before ":" is empty');
  return { name, value: Buffer.from(setting.slice(colon + 1).trim()) };
}

/** Compares in constant time; a missing or repeated header (node:http gives an array) never matches. */
export function apiValueMatches(check: ApiHeaderCheck, got: string | string[] | undefined): boolean {
  if (typeof got !== 'string') return false;
  const given = Buffer.from(got.trim());
  return given.length === check.value.length && timingSafeEqual(given, check.value);
}
