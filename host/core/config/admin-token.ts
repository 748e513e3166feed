import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { HostConfig } from './host-config';

/**
 * The admin token: from the config, else from the token file, which is
 * created (mode 600) with a random token on first start.
 */
export function resolveAdminToken(config: HostConfig): { token: string; file?: string } {
  if (config.admin.token) return { token: config.admin.token };
  const file = config.admin.tokenFile ? path.resolve(config.dataDir, config.admin.tokenFile) : path.join(config.dataDir, 'admin.token');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o750 });
    fs.writeFileSync(file, randomBytes(24).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  }
  const token = fs.readFileSync(file, 'utf8').trim();
  if (token.length < 16) throw new Error(`${file}: admin token must be at least 16 characters`);
  return { token, file };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison: hashing first hides the length as well as the content. */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(digest(given), digest(expected));
}
