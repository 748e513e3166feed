/*
 * Services the host lends to plugins. Each is a Symbol plus an interface of the
 * same name (Eclipse Theia's convention): inject with `@inject(Clock) clock: Clock`.
 * Plain `Symbol()` on purpose: a plugin must share the host's one contract
 * instance, and a duplicated contract shows up at once as an unbound service.
 */

export const Clock = Symbol('mailwarden.Clock');
/** Time as the host sees it. Tests inject a manual clock and move it. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const Logger = Symbol('mailwarden.Logger');
/** Structured logger (pino-shaped). Never pass passwords or pwhash values. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const Metrics = Symbol('mailwarden.Metrics');
/** Prometheus-style counters and gauges; names are prefixed `mailwarden_` by the host. */
export interface Metrics {
  increment(name: string, labels?: Readonly<Record<string, string>>, by?: number): void;
  setGauge(name: string, value: number, labels?: Readonly<Record<string, string>>): void;
  /**
   * Records one observation (seconds) in a histogram, e.g. a request duration.
   * Optional so that existing implementations stay valid: call `metrics.observe?.(…)`.
   */
  observe?(name: string, seconds: number, labels?: Readonly<Record<string, string>>): void;
}

export interface Notification {
  /** Short subject line. */
  readonly subject: string;
  /** Plain-text body for people. */
  readonly text: string;
  /** `info` | `warning` | `critical`; decides the webhook/mail routing. */
  readonly severity: 'info' | 'warning' | 'critical';
  /** Domain concerned, when there is one (its admins are told too). */
  readonly domain?: string;
  /**
   * What kind of notice it is: one of the manifest's `contributes.notificationKinds`
   * ids for a plugin (the console filters its alert feed by kind).
   */
  readonly kind?: string;
  /** Who raised it. Filled in by the host for plugins. */
  readonly source?: string;
  /** Machine-readable evidence, for webhooks and the console's alert feed. */
  readonly data?: Readonly<Record<string, unknown>>;
  /**
   * Rate-limit key: notifications with the same key within the host's
   * notify window are counted, not sent again.
   */
  readonly dedupeKey?: string;
  /**
   * Mail recipients chosen by the sender (e.g. from a plugin's per-domain
   * config). Absent or empty: the host's admin address.
   */
  readonly recipients?: readonly string[];
  /** With `recipients`: send a copy to the host's admin address as well. */
  readonly copyAdmin?: boolean;
}

export const Notifier = Symbol('mailwarden.Notifier');
export interface Notifier {
  notify(notification: Notification): Promise<void>;
}

export interface AccountLock {
  readonly login: string;
  readonly reason: string;
  readonly by: string;
  readonly at: number;
  /** Epoch ms, or undefined for a lock that stays until an admin lifts it. */
  readonly until?: number;
}

export const AccountActions = Symbol('mailwarden.AccountActions');
/** Remediation on an account: the auth pipeline refuses a locked account before any plugin runs. */
export interface AccountActions {
  lock(login: string, options: { reason: string; by: string; minutes?: number }): Promise<AccountLock>;
  unlock(login: string, by: string): Promise<boolean>;
  isLocked(login: string): Promise<AccountLock | undefined>;
  listLocks(): Promise<AccountLock[]>;
  /**
   * Closes the account's open sessions (IMAP/POP3 via the configured command,
   * webmail via the event). Having none is not a failure: an attacker who only
   * used SMTP AUTH has none.
   */
  closeSessions(login: string, by: string): Promise<SessionsClosed>;
}

/** What closing an account's sessions found: `none` when the kick command said nobody was logged in. */
export interface SessionsClosed {
  readonly sessions: 'closed' | 'none';
}
