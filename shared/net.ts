/*
 * IP addresses and networks, parsed by hand in linear time (no backtracking
 * regex: addresses come from clients and logs). Shared by the host and plugins
 * so that "the network of 2001:db8::1 at /64" means the same thing everywhere.
 */

export interface ParsedIp {
  readonly version: 4 | 6;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
}

export interface Cidr {
  readonly version: 4 | 6;
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

function parseIpv4Bytes(s: string, out: Uint8Array, offset: number): boolean {
  let part = 0;
  let digits = 0;
  let parts = 0;
  let first = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46; /* '.' ends the last part */
    if (c === 46) {
      // Leading zeros are refused: "010" is octal to some parsers and decimal to others.
      if (digits === 0 || (digits > 1 && first === 0) || part > 255 || parts === 4) return false;
      out[offset + parts++] = part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 0) first = c - 48;
      if (++digits > 3) return false;
      part = part * 10 + (c - 48);
    } else return false;
  }
  return parts === 4;
}

function parseIpv6(s: string): Uint8Array | undefined {
  if (s.length < 2 || s.length > 45) return undefined;
  const words: number[] = [];
  let gap = -1;
  let i = 0;
  if (s.startsWith('::')) {
    gap = 0;
    i = 2;
    if (s.length === 2) return new Uint8Array(16);
  } else if (s.charCodeAt(0) === 58) return undefined;
  let tail4: Uint8Array | undefined;
  while (i < s.length) {
    let j = i;
    let value = 0;
    while (j < s.length && j - i < 5) {
      const c = s.charCodeAt(j);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else break;
      value = value * 16 + d;
      j++;
    }
    const len = j - i;
    if (j < s.length && s.charCodeAt(j) === 46) {
      // Embedded IPv4 in the last 32 bits (::ffff:192.0.2.1).
      tail4 = new Uint8Array(4);
      if (!parseIpv4Bytes(s.slice(i), tail4, 0)) return undefined;
      i = s.length;
      break;
    }
    if (len === 0 || len > 4) return undefined;
    words.push(value);
    i = j;
    if (i === s.length) break;
    if (s.charCodeAt(i) !== 58) return undefined;
    i++;
    if (i < s.length && s.charCodeAt(i) === 58) {
      if (gap >= 0) return undefined;
      gap = words.length;
      i++;
      if (i === s.length) break;
    } else if (i === s.length) return undefined;
  }
  const total = words.length + (tail4 ? 2 : 0);
  if (gap < 0 ? total !== 8 : total > 7) return undefined;
  const bytes = new Uint8Array(16);
  const fill = (w: number, at: number) => {
    bytes[at * 2] = w >> 8;
    bytes[at * 2 + 1] = w & 255;
  };
  const head = gap < 0 ? words.length : gap;
  for (let k = 0; k < head; k++) fill(words[k], k);
  const after = words.length - head;
  const tailStart = 8 - (tail4 ? 2 : 0) - after;
  for (let k = 0; k < after; k++) fill(words[head + k], tailStart + k);
  if (tail4) bytes.set(tail4, 12);
  return bytes;
}

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255];

/**
 * Parses an IPv4 or IPv6 address. IPv4-mapped IPv6 (`::ffff:192.0.2.1`) comes
 * back as IPv4, so one client is one key whichever way the server printed it.
 * Brackets (`[::1]`) are accepted; zone ids are not.
 */
export function parseIp(input: string): ParsedIp | undefined {
  let s = input.trim();
  if (s.length > 2 && s.charCodeAt(0) === 91 && s.charCodeAt(s.length - 1) === 93) s = s.slice(1, -1);
  if (s.length === 0 || s.length > 45) return undefined;
  if (s.indexOf(':') < 0) {
    const b = new Uint8Array(4);
    return parseIpv4Bytes(s, b, 0) ? { version: 4, bytes: b } : undefined;
  }
  const b6 = parseIpv6(s);
  if (!b6) return undefined;
  if (MAPPED_PREFIX.every((v, k) => b6[k] === v)) return { version: 4, bytes: b6.slice(12) };
  return { version: 6, bytes: b6 };
}

export function formatIp(ip: { version: 4 | 6; bytes: Uint8Array }): string {
  const b = ip.bytes;
  if (ip.version === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const w: number[] = [];
  for (let k = 0; k < 8; k++) w.push((b[k * 2] << 8) | b[k * 2 + 1]);
  // RFC 5952: compress the longest run (length >= 2) of zero words, leftmost on a tie.
  let bestAt = -1;
  let bestLen = 1;
  for (let k = 0; k < 8; ) {
    if (w[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && w[e] === 0) e++;
    if (e - k > bestLen) {
      bestAt = k;
      bestLen = e - k;
    }
    k = e;
  }
  const hex = (arr: number[]) => arr.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(w);
  return `${hex(w.slice(0, bestAt))}::${hex(w.slice(bestAt + bestLen))}`;
}

/** Canonical text of an address, or undefined when it is not one. */
export function normalizeIp(input: string): string | undefined {
  const p = parseIp(input);
  return p && formatIp(p);
}

function maskBytes(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let k = 0; k < bytes.length; k++) {
    const bits = Math.max(0, Math.min(8, prefix - k * 8));
    out[k] = bits === 0 ? 0 : bytes[k] & (0xff << (8 - bits));
  }
  return out;
}

export type CidrParse = { ok: true; cidr: Cidr } | { ok: false; error: string; suggestion?: string };

/**
 * Parses `addr` or `addr/prefix`. Host bits set is an error whose message
 * names the network the admin probably meant, rather than a silent fix.
 */
export function parseCidr(input: string): CidrParse {
  const s = input.trim();
  const slash = s.indexOf('/');
  const addrText = slash < 0 ? s : s.slice(0, slash);
  const ip = parseIp(addrText);
  if (!ip) return { ok: false, error: `"${addrText}" is not an IPv4 or IPv6 address` };
  const max = ip.version === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const pt = s.slice(slash + 1);
    if (pt.length === 0 || pt.length > 3 || !/^[0-9]+$/.test(pt) || (pt.length > 1 && pt[0] === '0')) {
      return { ok: false, error: `"${pt}" is not a prefix length (0-${max})` };
    }
    prefix = Number(pt);
    if (prefix > max) return { ok: false, error: `prefix /${prefix} is out of range for IPv${ip.version} (0-${max})` };
  }
  const masked = maskBytes(ip.bytes, prefix);
  if (masked.some((v, k) => v !== ip.bytes[k])) {
    const net = `${formatIp({ version: ip.version, bytes: masked })}/${prefix}`;
    return { ok: false, error: `${s} has host bits set; the network is ${net}`, suggestion: net };
  }
  return { ok: true, cidr: { version: ip.version, bytes: masked, prefix } };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c)}/${c.prefix}`;
}

export function cidrContains(c: Cidr, ip: ParsedIp): boolean {
  if (c.version !== ip.version) return false;
  const full = c.prefix >> 3;
  for (let k = 0; k < full; k++) if (c.bytes[k] !== ip.bytes[k]) return false;
  const rest = c.prefix & 7;
  if (rest === 0) return true;
  const mask = 0xff << (8 - rest);
  return (c.bytes[full] & mask) === (ip.bytes[full] & mask);
}

/**
 * The network an address belongs to for counting, e.g. /32 for IPv4 and /64
 * for IPv6 (one IPv6 subscriber usually holds a whole /64). Returns the CIDR
 * text, or undefined for something that is not an address.
 */
export function networkOf(address: string, v4Prefix = 32, v6Prefix = 64): string | undefined {
  const ip = parseIp(address);
  if (!ip) return undefined;
  const prefix = ip.version === 4 ? v4Prefix : v6Prefix;
  return `${formatIp({ version: ip.version, bytes: maskBytes(ip.bytes, prefix) })}/${prefix}`;
}

/** True when `inner` lies entirely within `outer` (same family, at least as long a prefix). */
export function cidrCovers(outer: Cidr, inner: Cidr): boolean {
  return outer.version === inner.version && outer.prefix <= inner.prefix && cidrContains(outer, inner);
}

/**
 * `a` without `b`, as the fewest CIDRs (at most one per prefix bit between
 * them), sorted by address. For tables that cannot express exclusions
 * (Postfix ignores the result value of a mynetworks lookup).
 */
export function cidrSubtract(a: Cidr, b: Cidr): Cidr[] {
  if (cidrCovers(b, a)) return [];
  if (!cidrCovers(a, b)) return [a];
  const out: Cidr[] = [];
  for (let p = a.prefix + 1; p <= b.prefix; p++) {
    const bytes = maskBytes(b.bytes, p);
    const bit = p - 1;
    bytes[bit >> 3] ^= 0x80 >> (bit & 7);
    out.push({ version: a.version, bytes, prefix: p });
  }
  return out.sort(compareCidr);
}

/** Orders networks by family, then address, then prefix (wider first). */
export function compareCidr(x: Cidr, y: Cidr): number {
  if (x.version !== y.version) return x.version - y.version;
  for (let k = 0; k < x.bytes.length; k++) if (x.bytes[k] !== y.bytes[k]) return x.bytes[k] - y.bytes[k];
  return x.prefix - y.prefix;
}

/**
 * The server's own loopback addresses, always trusted to relay. Only
 * 127.0.0.1, not all of 127/8: local software connects from 127.0.0.1, and
 * the rest of 127/8 stands in for other clients in tests.
 */
export const LOOPBACK_NETWORKS: readonly string[] = ['127.0.0.1/32', '::1/128'];

/**
 * The networks of a Postfix `cidr:` table's lines, in order: the first field
 * of each line that parses as a network (comments, `!` negations and
 * if/endif blocks skipped; the lookup result is not read, since Postfix
 * ignores it for mynetworks).
 */
export function parseCidrTable(text: string): Cidr[] {
  const out: Cidr[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#') || t.startsWith('!') || t.startsWith('if') || t.startsWith('endif')) continue;
    const r = parseCidr(t.split(/\s+/)[0]);
    if (r.ok) out.push(r.cidr);
  }
  return out;
}
