import { normalizeIp } from '../../../shared/net';
import { byteIn, latin1, textAt } from './bytes';
import { type PackedTable, TablePacker, unpackTable } from './packed-table';

/*
 * Keys a scan keeps from its lines, and the capped count tables they go in.
 * Text kept for people is decoded as UTF-8 when it has bytes above ASCII.
 */

/**
 * A copy of a slice of the chunk being scanned. V8 keeps a slice as a view on
 * its parent string, so a key kept in a table would otherwise pin the whole
 * chunk it came from.
 */
export function own(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/** Lower case without allocating when the text already is (logins and addresses usually are). */
export function lower(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c > 127) return s.toLowerCase();
  }
  return s;
}

/** A login as counted everywhere: Dovecot logins are case-insensitive (Admin and admin are one account). */
export function loginAt(b: Buffer, start: number, end: number): string {
  return lower(textAt(b, start, end).trim());
}

/**
 * A client address as counted everywhere: IPv6 in its canonical form, so
 * `[::ffff:192.0.2.1]` is 192.0.2.1 and `2001:DB8::1` is 2001:db8::1.
 */
export function ipAt(b: Buffer, start: number, end: number): string {
  const raw = latin1(b, start, end);
  return byteIn(b, 58, start, end) < 0 ? raw : normalizeIp(raw) ?? raw;
}

/** Adds `by` to key `k`; false when the table is full and `k` is new. */
export function bump(m: Map<string, number>, k: string, by: number, max: number): boolean {
  const v = m.get(k);
  if (v !== undefined) m.set(k, v + by);
  else if (m.size < max) m.set(own(k), by);
  else return false;
  return true;
}

export function packCounts(m: Map<string, number>): PackedTable {
  const p = new TablePacker(1, 1, m.size);
  for (const [k, v] of m) p.add([k], [v]);
  return p.done();
}

/** Adds a packed count table into `m`; returns how many keys did not fit. */
export function absorbCounts(m: Map<string, number>, t: PackedTable, max: number): number {
  let dropped = 0;
  unpackTable(t, ([k], v, at) => {
    if (!bump(m, k, v[at], max)) dropped++;
  });
  return dropped;
}
