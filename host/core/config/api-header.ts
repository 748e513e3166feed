import { createHash, timingSafeEqual } from 'node:crypto';

export interface ApiHeaderCheck {
  /** Lower-case header name Dovecot sends the value in. */
  readonly name: string;
  /** SHA-256 of the expected value: comparing digests hides the length as well as the content. */
  readonly digest: Buffer;
}

const sha256 = (b: string) => createHash('sha256').update(b).digest();

/**
 * What `auth_policy_server_api_header` makes Dovecot send: `Name: value`
 * as a header of that name, a bare value as `X-API-Key: value`.
 */
export function parseApiHeader(setting: string | undefined): ApiHeaderCheck | undefined {
  if (setting === undefined || setting.trim() === '') return undefined;
  const colon = setting.indexOf(':');
  if (colon < 0) return { name: 'x-api-key', digest: sha256(setting.trim()) };
  const name = setting.slice(0, colon).trim().toLowerCase();
  if (name === '') throw new Error('dovecot.apiHeader: header name before ":" is empty');
  const value = setting.slice(colon + 1).trim();
  if (value === '') throw new Error('dovecot.apiHeader: no value after ":"');
  return { name, digest: sha256(value) };
}

/** Compares in constant time; a missing or repeated header (node:http gives an array) never matches. */
export function apiValueMatches(check: ApiHeaderCheck, got: string | string[] | undefined): boolean {
  if (typeof got !== 'string') return false;
  return timingSafeEqual(sha256(got.trim()), check.digest);
}
