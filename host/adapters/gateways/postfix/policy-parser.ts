/*
 * The Postfix SMTPD policy delegation wire format: `name=value` lines, a
 * request ends with an empty line, many requests per connection (pipelined
 * or not). Parsed incrementally in one linear pass over each chunk; the
 * connection is latin1-decoded so that one character is one byte and the
 * size limits are byte limits.
 *
 * Postfix sends about 30 attributes and the gateway reads 15 of them: those
 * are picked out during the pass, and the whole name → value map is built
 * only if someone asks for it (a plugin reading `attributes`). Building that
 * map for every request was most of the parser's cost.
 */

/** Longest attribute line accepted (bytes, without the newline). */
export const MAX_LINE_BYTES = 8192;
/** Most attributes in one request (Postfix sends about 30). */
export const MAX_ATTRIBUTES = 100;
/** Longest request by default (bytes, all lines); Postfix's requests are about 1 KB. */
export const MAX_REQUEST_BYTES = 32_768;
/**
 * A line trickled in many small chunks is a chain of string pieces that costs
 * far more memory than its bytes; it is copied into one flat string after this many pieces.
 */
const FLATTEN_AFTER = 32;

export class PolicyProtocolError extends Error {
  override readonly name = 'PolicyProtocolError';
}

export type PolicyAttributes = Record<string, string>;

/** The attributes the gateway itself reads (relay-request.ts), under Postfix's names. */
export const READ_FIELDS = [
  'request', 'protocol_state', 'protocol_name', 'client_address', 'client_name', 'helo_name', 'sender', 'recipient',
  'recipient_count', 'size', 'instance', 'sasl_username', 'sasl_method', 'queue_id', 'policy_context',
] as const;
export type ReadField = (typeof READ_FIELDS)[number];
export type ReadFields = { [K in ReadField]: string | undefined };

/** The read fields by name length: a line's name is compared only with those of its length. */
const BY_LENGTH: ReadField[][] = [];
for (const f of READ_FIELDS) (BY_LENGTH[f.length] ??= []).push(f);

/** Every field present and undefined, so that all requests share one object shape. */
function noFields(): ReadFields {
  return {
    request: undefined, protocol_state: undefined, protocol_name: undefined, client_address: undefined, client_name: undefined,
    helo_name: undefined, sender: undefined, recipient: undefined, recipient_count: undefined, size: undefined,
    instance: undefined, sasl_username: undefined, sasl_method: undefined, queue_id: undefined, policy_context: undefined,
  };
}

/** One request as it came: the fields the gateway reads, and every attribute on demand. */
export class PolicyRequest {
  private all: PolicyAttributes | undefined;

  /** `text`: the request's lines, each ending with a newline, already checked by the parser. */
  constructor(readonly text: string, readonly fields: ReadFields) {}

  /** Every attribute; a repeated name keeps its last value, as Postfix's own attr reader does. */
  get attributes(): PolicyAttributes {
    if (this.all) return this.all;
    const all: PolicyAttributes = Object.create(null);
    let start = 0;
    for (;;) {
      const nl = this.text.indexOf('\n', start);
      if (nl < 0) break;
      const eq = this.text.indexOf('=', start);
      all[this.text.slice(start, eq)] = this.text.slice(eq + 1, nl);
      start = nl + 1;
    }
    this.all = all;
    return all;
  }
}

/**
 * Postfix sends printable text, never control characters: any but the
 * newline is binary junk. One character class, so the search is linear; it
 * runs once over each chunk.
 */
// Written as "not printable" rather than "control": same set on latin1 text,
// and V8 runs this form about twice as fast.
const CONTROL = /[^\n\x20-\x7e\x80-\xff]/;

/**
 * Feeds chunks, returns complete requests. After a PolicyProtocolError the
 * parser is spent: the caller logs it and closes the connection.
 */
export class PolicyParser {
  /** Complete lines of the request in progress that came in earlier chunks. */
  private head = '';
  /** The incomplete last line (at most MAX_LINE_BYTES). */
  private partial = '';
  private fields = noFields();
  private count = 0;
  private broken = false;
  private pieces = 0;

  /** `maxRequestBytes`: a longer request is a protocol error (the buffered bytes of one connection stay below it). */
  constructor(private readonly maxRequestBytes = MAX_REQUEST_BYTES) {}

  /** Bytes of a request that has begun and is not complete yet (0 between requests). */
  get buffered(): number {
    return this.head.length + this.partial.length;
  }

  /** Complete requests found in `chunk` (latin1 text), in order. Throws PolicyProtocolError. */
  feed(chunk: string): PolicyRequest[] {
    if (this.broken) throw new PolicyProtocolError('connection already failed');
    const bad = CONTROL.exec(chunk);
    if (bad) this.fail(`binary data (byte 0x${bad[0].charCodeAt(0).toString(16).padStart(2, '0')})`);
    if (this.partial.length && chunk.indexOf('\n') < 0) {
      // A line still arriving: append without rescanning what came before (a byte-by-byte trickle stays linear).
      if (this.partial.length + chunk.length > MAX_LINE_BYTES) this.fail(`line longer than ${MAX_LINE_BYTES} bytes`);
      if (this.head.length + this.partial.length + chunk.length > this.maxRequestBytes) this.fail(`request longer than ${this.maxRequestBytes} bytes`);
      this.partial += chunk;
      if (++this.pieces >= FLATTEN_AFTER) {
        this.partial = Buffer.from(this.partial, 'latin1').toString('latin1');
        this.pieces = 0;
      }
      return [];
    }
    const out: PolicyRequest[] = [];
    const data = this.partial.length ? this.partial + chunk : chunk;
    this.partial = '';
    this.pieces = 0;
    let requestStart = 0;
    let start = 0;
    for (;;) {
      const nl = data.indexOf('\n', start);
      if (nl < 0) break;
      if (nl === start) {
        if (this.count === 0) this.fail('empty request (a blank line with no attributes)');
        if (this.fields.request === undefined) this.fail('request without a request= attribute');
        if (this.head.length + start - requestStart > this.maxRequestBytes) this.fail(`request longer than ${this.maxRequestBytes} bytes`);
        out.push(new PolicyRequest(this.head + data.slice(requestStart, start), this.fields));
        this.head = '';
        this.fields = noFields();
        this.count = 0;
        requestStart = nl + 1;
      } else this.line(data, start, nl);
      start = nl + 1;
    }
    if (data.length - start > MAX_LINE_BYTES) this.fail(`line longer than ${MAX_LINE_BYTES} bytes`);
    if (this.head.length + data.length - requestStart > this.maxRequestBytes) this.fail(`request longer than ${this.maxRequestBytes} bytes`);
    if (start > requestStart) this.head += data.slice(requestStart, start);
    if (start < data.length) this.partial = data.slice(start);
    return out;
  }

  private line(s: string, from: number, to: number): void {
    if (to - from > MAX_LINE_BYTES) this.fail(`line longer than ${MAX_LINE_BYTES} bytes`);
    const eq = s.indexOf('=', from);
    if (eq < 0 || eq >= to) this.fail(`line without "=": ${JSON.stringify(s.slice(from, Math.min(to, from + 60)))}`);
    if (eq === from) this.fail('attribute with an empty name');
    if (++this.count > MAX_ATTRIBUTES) this.fail(`request with more than ${MAX_ATTRIBUTES} attributes`);
    const names = BY_LENGTH[eq - from];
    if (names === undefined) return;
    for (const n of names) {
      if (s.startsWith(n, from)) {
        // A repeated name keeps its last value, as in `attributes`.
        this.fields[n] = s.slice(eq + 1, to);
        return;
      }
    }
  }

  private fail(reason: string): never {
    this.broken = true;
    throw new PolicyProtocolError(reason);
  }
}
