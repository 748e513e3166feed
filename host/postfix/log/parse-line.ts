/*
 * One Postfix log line → its prefix (host/logs/line-prefix.ts: BSD syslog,
 * maillog_file, RFC 3339, journald short-iso) plus the queue id the message
 * starts with. Linear: hand-written scanners, no backtracking regex.
 */
import { type LinePrefix, parseLinePrefix } from '../../logs/line-prefix';
import { isQueueId } from './log-line';

export interface LogLine extends LinePrefix {
  /** The Postfix queue id the message starts with (`NOQUEUE` included), when it does. */
  readonly queueId?: string;
}

/** Longest line looked at; the rest of a longer line is ignored (fail2ban's CPU-hours lesson). */
export const MAX_LOG_LINE = 16_384;

/** Short ids are upper-case hex; long ids are a base-52 time, a `z` and a base-51 inode (log-line.ts). */
export { isQueueId };

/** Parses one line, or returns undefined when its prefix is none of the known forms. */
export function parseLine(raw: string, now = Date.now()): LogLine | undefined {
  const p = parseLinePrefix(raw.length > MAX_LOG_LINE ? raw.slice(0, MAX_LOG_LINE) : raw, now);
  if (!p) return undefined;
  const qc = p.message.indexOf(': ');
  if (qc > 0 && qc <= 32 && isQueueId(p.message.slice(0, qc))) return { ...p, queueId: p.message.slice(0, qc), message: p.message.slice(qc + 2) };
  return p;
}
