export type Protocol = 'imap' | 'pop3' | 'smtp' | 'submission' | 'webmail' | 'eas' | 'other';

export const PROTOCOLS: readonly Protocol[] = ['imap', 'pop3', 'smtp', 'submission', 'webmail', 'eas', 'other'];

/** One authentication attempt, as the host hands it to plugins. */
export interface AuthAttempt {
  /** ASCII domain the login belongs to (the default domain for a bare login). */
  readonly domain: string;
  /** Normalised login: trimmed, lower-cased, IDN domain in ASCII, always `local@domain`. */
  readonly login: string;
  /** Client address as the mail server saw it (IPv4 dotted or IPv6 compressed). */
  readonly remoteIp: string;
  readonly protocol: Protocol;
  /**
   * Dovecot's truncated hash of the password (hex). Never the password: good for
   * counting distinct wrong passwords, useless to recover one.
   */
  readonly pwhash?: string;
  readonly deviceId?: string;
  readonly sessionId?: string;
  readonly tls?: boolean;
  /** Epoch milliseconds, from the host clock. */
  readonly at: number;
}

export type FailType = 'credentials' | 'account' | 'expired' | 'disabled' | 'policy' | 'internal' | 'other';

export interface AuthOutcome {
  readonly success: boolean;
  /** True when the failure was a policy refusal (ours), not a wrong password. */
  readonly policyReject: boolean;
  readonly failType?: FailType;
}
