import { normalizeIp } from '../../../shared/net';
import { ByteKeys, fnv } from './byte-keys';
import { byteIn, bytesOf, latin1 } from './bytes';
import { STATUS_DEFERRED, STATUS_SENT } from './recognise';

/**
 * An unauthenticated client. Relayed recipients are those handed to the smtp
 * delivery agent (another server), each counted once per message by its
 * latest status: a relay already on blocklists leaves its spam deferred or
 * bounced, and those are relay attempts all the same.
 */
export interface ClientStats {
  messages: number;
  sent: number;
  deferred: number;
  bounced: number;
  /** Messages with at least one relayed recipient. */
  relayedMessages: number;
  /** Host names Postfix printed for it. */
  names: string[];
}

/** A row's columns. */
const MESSAGES = 0;
const SENT = 1;
const DEFERRED = 2;
const BOUNCED = 3;
const RELAYED_MESSAGES = 4;
const ROW = 5;

/** Host names kept per client. */
export const MAX_NAMES = 5;

/**
 * The unauthenticated clients of a scan, by address. A log under a spam
 * flood has a client= line from a new address on most messages. A Map of
 * ClientStats made a string, an object and a list for each, and kept
 * 50,000 of them alive: every young-generation collection copied them, and
 * that was a fifth of the whole scan. Here a client is an id, and nothing
 * of it is a JavaScript object: its address and host names are bytes in one
 * arena (the address found by hash where it lies in the line), its counts a
 * row of a typed array. Reads by address (`get`, iteration) make
 * ClientStats on demand: reports and merges are few. Addresses are keyed as
 * the scan counts them everywhere: IPv6 in its canonical form (keys.ts ipAt).
 */
export class ClientTable {
  /** Addresses (ids) and, in the same arena, host names. */
  private readonly addresses: ByteKeys;
  /** Per id: MAX_NAMES host names, offset and length + 1 (0: none) each. */
  private nameSpans = new Int32Array(1024 * MAX_NAMES * 2);
  private rows = new Float64Array(1024 * ROW);
  /** Addresses decoded (for owners of open messages, reports). */
  private readonly texts: Array<string | undefined> = [];

  constructor(max: number) {
    this.addresses = new ByteKeys(max);
  }

  get size(): number {
    return this.addresses.size;
  }

  /** The id of the address b[start, end), added when new; -1 when the table is full. */
  idAt(b: Uint8Array, start: number, end: number): number {
    // IPv6 has spellings (`::ffff:192.0.2.1`, upper case) of one address: keyed by its canonical text.
    if (byteIn(b, 58, start, end) >= 0) return this.id(canonical(latin1(b as Buffer, start, end)));
    return this.find(b, start, end, true);
  }

  /** The id of an address (as ipAt gives it), added when new; -1 when the table is full. */
  id(ip: string): number {
    const b = bytesOf(ip);
    return this.find(b, 0, b.length, true);
  }

  /** The id of an address, or -1 when it is not here. */
  has(ip: string): number {
    const b = bytesOf(ip);
    return this.find(b, 0, b.length, false);
  }

  private find(b: Uint8Array, start: number, end: number, add: boolean): number {
    const id = this.addresses.find(b, start, end, fnv(b, start, end), add);
    if (id >= 0 && id === this.texts.length) this.added(id);
    return id;
  }

  /** A new id: room for its row and names. */
  private added(id: number): void {
    this.texts.push(undefined);
    if ((id + 1) * ROW > this.rows.length) {
      this.rows = grown(this.rows, (id + 1) * ROW);
      this.nameSpans = grown(this.nameSpans, (id + 1) * MAX_NAMES * 2);
    }
  }

  /** The address of an id. */
  keyOf(id: number): string {
    return (this.texts[id] ??= this.addresses.keyOf(id));
  }

  /** The host names of an id, made now. */
  namesOf(id: number): string[] {
    const out: string[] = [];
    for (let k = 0; k < MAX_NAMES; k++) {
      const at = (id * MAX_NAMES + k) * 2;
      if (this.nameSpans[at + 1] === 0) break;
      out.push(this.addresses.decode(this.nameSpans[at], this.nameSpans[at + 1] - 1));
    }
    return out;
  }

  /**
   * Adds the host name b[start, end) to id's names (latin1 bytes, as the
   * line holds it), unless it has it or has MAX_NAMES already. This runs
   * for every unauthenticated message: the name is compared where it lies.
   */
  addNameAt(id: number, b: Uint8Array, start: number, end: number): void {
    const n = end - start;
    for (let k = 0; k < MAX_NAMES; k++) {
      const at = (id * MAX_NAMES + k) * 2;
      const len = this.nameSpans[at + 1];
      if (len === 0) {
        // Most clients share a name (`unknown`): the previous client's copy of it serves.
        const prev = k === 0 && id > 0 ? ((id - 1) * MAX_NAMES) * 2 : -1;
        const shared = prev >= 0 && this.nameSpans[prev + 1] === n + 1 && this.addresses.same(this.nameSpans[prev], b, start, end);
        this.nameSpans[at] = shared ? this.nameSpans[prev] : this.addresses.store(b, start, end);
        this.nameSpans[at + 1] = n + 1;
        return;
      }
      if (len === n + 1 && this.addresses.same(this.nameSpans[at], b, start, end)) return;
    }
  }

  /** Adds a host name given as text (a merge). */
  addName(id: number, name: string): void {
    const b = bytesOf(name);
    this.addNameAt(id, b, 0, b.length);
  }

  message(id: number): void {
    this.rows[id * ROW + MESSAGES]++;
  }

  relayedMessage(id: number): void {
    this.rows[id * ROW + RELAYED_MESSAGES]++;
  }

  /** Adds `by` to the recipients relayed with `status` (sent, deferred, else bounced). */
  tally(id: number, status: number, by: number): void {
    this.rows[id * ROW + (status === STATUS_SENT ? SENT : status === STATUS_DEFERRED ? DEFERRED : BOUNCED)] += by;
  }

  /** Recipients an id had relayed: sent, deferred or bounced (a blocklisted relay's spam ends deferred or bounced). */
  relayed(id: number): number {
    const at = id * ROW;
    return this.rows[at + SENT] + this.rows[at + DEFERRED] + this.rows[at + BOUNCED];
  }

  messages(id: number): number {
    return this.rows[id * ROW + MESSAGES];
  }

  /** Ids, in the order first seen. */
  *ids(): IterableIterator<number> {
    for (let id = 0; id < this.size; id++) yield id;
  }

  /**
   * The table as typed arrays, for the trip from a worker thread:
   * structured clone copies them in one go, and the receiver adds them
   * from the bytes, without a string per client.
   */
  pack(): PackedClients {
    const n = this.size;
    return { count: n, ...this.addresses.pack(), names: this.nameSpans.slice(0, n * MAX_NAMES * 2), rows: this.rows.slice(0, n * ROW) };
  }

  /** Adds another table's clients (a merge); returns how many did not fit. */
  absorb(t: PackedClients): number {
    let dropped = 0;
    for (let k = 0; k < t.count; k++) {
      const off = t.spans[k * 2];
      const end = off + t.spans[k * 2 + 1];
      const id = this.find(t.bytes, off, end, true);
      if (id < 0) {
        dropped++;
        continue;
      }
      for (let c = 0; c < ROW; c++) this.rows[id * ROW + c] += t.rows[k * ROW + c];
      for (let m = 0; m < MAX_NAMES; m++) {
        const at = (k * MAX_NAMES + m) * 2;
        if (t.names[at + 1] === 0) break;
        this.addNameAt(id, t.bytes, t.names[at], t.names[at] + t.names[at + 1] - 1);
      }
    }
    return dropped;
  }

  stats(id: number): ClientStats {
    const r = this.rows;
    const at = id * ROW;
    return { messages: r[at + MESSAGES], sent: r[at + SENT], deferred: r[at + DEFERRED], bounced: r[at + BOUNCED], relayedMessages: r[at + RELAYED_MESSAGES], names: this.namesOf(id) };
  }

  /** A client's counts, made now (a later change is not seen in it). */
  get(ip: string): ClientStats | undefined {
    const id = this.has(ip);
    return id < 0 ? undefined : this.stats(id);
  }

  /** Addresses, in the order first seen. */
  *keys(): IterableIterator<string> {
    for (let id = 0; id < this.size; id++) yield this.keyOf(id);
  }

  *[Symbol.iterator](): IterableIterator<[string, ClientStats]> {
    for (let id = 0; id < this.size; id++) yield [this.keyOf(id), this.stats(id)];
  }
}

/** A ClientTable as plain data (structured-clone safe). */
export interface PackedClients {
  readonly count: number;
  /** Addresses and names. */
  readonly bytes: Uint8Array;
  /** Offset and length of each client's address in bytes. */
  readonly spans: Int32Array;
  /** MAX_NAMES (offset, length + 1) per client. */
  readonly names: Int32Array;
  /** The counts, ROW per client. */
  readonly rows: Float64Array;
}

function canonical(raw: string): string {
  return normalizeIp(raw) ?? raw;
}

function grown<T extends Int32Array | Float64Array>(a: T, atLeast: number): T {
  const bigger = new (a.constructor as new (n: number) => T)(Math.max(a.length * 2, atLeast));
  bigger.set(a);
  return bigger;
}
