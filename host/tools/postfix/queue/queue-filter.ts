import { normalizeAddress, normalizeDomain, parseDuration, QUEUE_NAMES, type QueueName, type QueuedMessage } from '../../../../shared';

export { normalizeAddress };

export interface QueueFilter {
  /** Exact envelope sender (already normalised with normalizeAddress); '' is the null sender. */
  readonly sender?: string;
  /** Exact recipient domain (ASCII, lower-case): at least one recipient must be in it. */
  readonly recipientDomain?: string;
  /** Only messages that arrived at least this long ago. */
  readonly olderThanMs?: number;
  readonly queue?: QueueName;
  /** Exact SASL login that submitted the message (lower-case), read from the queue file. */
  readonly saslUsername?: string;
}

export class FilterError extends Error {
  override readonly name = 'FilterError';
}

/** The sender an admin typed, checked: one address, no spaces or control characters. */
export function senderArg(raw: string): string {
  const s = normalizeAddress(raw);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 127) throw new FilterError(`--sender "${raw}" contains a space or a control character; give one address`);
  }
  if (s.length > 320) throw new FilterError('--sender is longer than 320 characters');
  return s;
}

export function domainArg(raw: string): string {
  const d = raw.trim().replace(/^@/, '');
  let ascii = '';
  try {
    if (d && !d.includes('@')) ascii = normalizeDomain(d);
  } catch {
    // Refused below with the option's name.
  }
  if (!ascii) throw new FilterError(`--recipient-domain "${raw}" is not a domain name`);
  return ascii;
}

/** `90s`, `30m`, `2h`, `1d`, `1h30m`: a duration in milliseconds (shared/duration.ts, the one grammar). */
export function durationArg(raw: string, what = '--older-than'): number {
  try {
    return parseDuration(raw.trim(), what);
  } catch (e) {
    throw new FilterError((e as Error).message);
  }
}

export function queueArg(raw: string): QueueName {
  if ((QUEUE_NAMES as readonly string[]).includes(raw)) return raw as QueueName;
  throw new FilterError(`--queue "${raw}" is not a queue (${QUEUE_NAMES.join(', ')})`);
}

function domainOf(address: string): string {
  const n = normalizeAddress(address);
  const at = n.lastIndexOf('@');
  return at < 0 ? '' : n.slice(at + 1);
}

/** Whether a queued message passes every filter given. */
export function matches(m: QueuedMessage, f: QueueFilter, now: number): boolean {
  if (f.queue !== undefined && m.queueName !== f.queue) return false;
  if (f.sender !== undefined && normalizeAddress(m.sender) !== f.sender) return false;
  if (f.olderThanMs !== undefined && now - m.arrivalTime * 1000 < f.olderThanMs) return false;
  if (f.saslUsername !== undefined && (m.saslUsername ?? '').toLowerCase() !== f.saslUsername) return false;
  if (f.recipientDomain !== undefined && !m.recipients.some((r) => domainOf(r.address) === f.recipientDomain)) return false;
  return true;
}
