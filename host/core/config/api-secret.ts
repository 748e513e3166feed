import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { HostConfig } from './host-config';
import { type ApiHeaderCheck, parseApiHeader } from './api-header';

/** The user name in the Basic credentials; Dovecot sends the line as it is, any name would do. */
const BASIC_USER = 'dovecot';

export interface DovecotSecret {
  /** The exact `auth_policy_server_api_header` value Dovecot must be given. */
  readonly headerLine: string;
  readonly check: ApiHeaderCheck;
  /** Where it came from: the config (`dovecot.apiHeader`) or the generated file. */
  readonly source: 'config' | 'file';
  readonly file?: string;
}

type DovecotConfig = Pick<HostConfig, 'dataDir'> & { dovecot: { apiHeader?: string; secretFile?: string } };

export function dovecotSecretFile(config: DovecotConfig): string {
  return path.resolve(config.dataDir, config.dovecot.secretFile ?? 'dovecot.secret');
}

/** `Authorization: Basic …` for a generated secret. */
export function headerLineFor(secret: string): string {
  return `Authorization: Basic ${Buffer.from(`${BASIC_USER}:${secret}`).toString('base64')}`;
}

/**
 * The header the Dovecot listener requires. There is no way to run it
 * without one: anyone who can reach the port could otherwise report
 * `success=true` for any login and address. Unless `dovecot.apiHeader` names
 * one, a random secret is created (mode 600) in the data directory on first
 * use, as the admin token is; `mailwarden wiring dovecot` prints the line.
 */
export function resolveDovecotSecret(config: DovecotConfig, create = true): DovecotSecret | undefined {
  const configured = parseApiHeader(config.dovecot.apiHeader);
  if (configured) return { headerLine: config.dovecot.apiHeader!.trim(), check: configured, source: 'config' };
  const file = dovecotSecretFile(config);
  if (!fs.existsSync(file)) {
    if (!create) return undefined;
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o750 });
    try {
      fs.writeFileSync(file, randomBytes(24).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
      handToDataDirOwner(file, config.dataDir);
    } catch (e) {
      // Another process (serve and a CLI command at once) wrote it first: use theirs.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const secret = fs.readFileSync(file, 'utf8').trim();
  if (secret.length < 16 || !/^[\x21-\x7e]+$/.test(secret)) throw new Error(`${file}: the Dovecot policy secret must be at least 16 printable characters without spaces`);
  const headerLine = headerLineFor(secret);
  return { headerLine, check: parseApiHeader(headerLine)!, source: 'file', file };
}

/** Run as root (the CLI under sudo), the file must still be readable by the service user that owns the data directory. */
function handToDataDirOwner(file: string, dataDir: string): void {
  if (process.getuid?.() !== 0) return;
  try {
    const st = fs.statSync(dataDir);
    if (st.uid !== 0) fs.chownSync(file, st.uid, st.gid);
  } catch {
    // Best effort: the service reports an unreadable file clearly at start.
  }
}
