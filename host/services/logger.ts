import pino from 'pino';

/**
 * Paths never written to a log whatever a caller passes: the log is read by
 * people and shipped to other machines.
 */
export const REDACT_PATHS = [
  'password', 'newPassword', 'pwhash', 'token', 'authorization', 'apiHeader',
  '*.password', '*.newPassword', '*.pwhash', '*.token', '*.authorization', '*.apiHeader',
  'req.headers.authorization', 'req.headers.cookie',
];

export type HostLogger = pino.Logger;

/** JSON lines on stdout: journald stores them as they are, and logrotate has nothing to do. */
export function createLogger(level: string, destination?: pino.DestinationStream): HostLogger {
  return pino(
    { level, base: { name: 'mailwarden' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, timestamp: pino.stdTimeFunctions.isoTime },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
