/*
 * The Postfix SMTPD policy delegation wire format: `name=value` lines, a
 * request ends with an empty line, many requests per connection (pipelined
 * or not). Parsed incrementally in one linear pass over each chunk; the
 * connection is latin1-decoded so that one character is one byte and the
 * size limits are byte limits.
 */

/** Longest attribute line accepted (bytes, without the newline). */
export const MAX_LINE_BYTES = 8192;
/** Most attributes in one request (Postfix sends about 30). */
export const MAX_ATTRIBUTES = 100;

export class PolicyProtocolError extends Error {
  override readonly name = 'PolicyProtocolError';
}

export type PolicyAttributes = Record<string, string>;

/** Why a byte is refused: Postfix sends printable text, never control characters. */
function firstControl(s: string, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 127) return i;
  }
  return -1;
}

/**
 * Feeds chunks, returns complete requests. After a PolicyProtocolError the
 * parser is spent: the caller logs it and closes the connection.
 */
export class PolicyParser {
  private partial = '';
  private attrs: PolicyAttributes = Object.create(null);
  private count = 0;
  private broken = false;

  /** Complete requests found in `chunk` (latin1 text), in order. Throws PolicyProtocolError. */
  feed(chunk: string): PolicyAttributes[] {
    if (this.broken) throw new PolicyProtocolError('connection already failed');
    const out: PolicyAttributes[] = [];
    const carried = this.partial.length;
    let data = carried ? this.partial + chunk : chunk;
    this.partial = '';
    let start = 0;
    for (;;) {
      const nl = data.indexOf('\n', start);
      if (nl < 0) break;
      this.line(data, start, nl, out);
      start = nl + 1;
    }
    if (start < data.length) {
      if (data.length - start > MAX_LINE_BYTES) this.fail(`line longer than ${MAX_LINE_BYTES} bytes`);
      // Only the bytes not seen before: a line trickling in byte by byte stays linear.
      const bad = firstControl(data, Math.max(start, carried), data.length);
      if (bad >= 0) this.fail(`binary data (byte 0x${data.charCodeAt(bad).toString(16).padStart(2, '0')})`);
      data = data.slice(start);
      this.partial = data;
    }
    return out;
  }

  private line(s: string, from: number, to: number, out: PolicyAttributes[]): void {
    if (to - from > MAX_LINE_BYTES) this.fail(`line longer than ${MAX_LINE_BYTES} bytes`);
    if (to === from) {
      if (this.count === 0) this.fail('empty request (a blank line with no attributes)');
      if (this.attrs.request === undefined) this.fail('request without a request= attribute');
      out.push(this.attrs);
      this.attrs = Object.create(null);
      this.count = 0;
      return;
    }
    const bad = firstControl(s, from, to);
    if (bad >= 0) this.fail(`binary data (byte 0x${s.charCodeAt(bad).toString(16).padStart(2, '0')})`);
    const eq = s.indexOf('=', from);
    if (eq < 0 || eq >= to) this.fail(`line without "=": ${JSON.stringify(s.slice(from, Math.min(to, from + 60)))}`);
    if (eq === from) this.fail('attribute with an empty name');
    if (++this.count > MAX_ATTRIBUTES) this.fail(`request with more than ${MAX_ATTRIBUTES} attributes`);
    // A repeated name keeps its last value, as Postfix's own attr reader does.
    this.attrs[s.slice(from, eq)] = s.slice(eq + 1, to);
  }

  private fail(reason: string): never {
    this.broken = true;
    throw new PolicyProtocolError(reason);
  }
}
