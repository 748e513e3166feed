import { isIP } from 'node:net';

/*
 * Bounded, left-to-right scans over remote servers' reply texts. Whoever runs
 * the remote server writes these texts, so nothing here backtracks: each helper
 * costs the length of what it reads, and callers cut the text to MAX_TEXT first.
 */

/** Reply texts are cut to this before any scan (the useful part is always near the start). */
export const MAX_TEXT = 2000;

const isHostChar = (c: number) => (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 95;
const isLetter = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);

/**
 * A DNS name at `i` of the lower-cased text (after an optional `http(s)://`),
 * or undefined when what is there is not one: at least two labels, at most 253 characters.
 */
export function hostnameAt(s: string, i: number): string | undefined {
  while (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 34 || s.charCodeAt(i) === 39) i++;
  if (s.startsWith('the ', i)) i += 4;
  if (s.startsWith('https://', i)) i += 8;
  else if (s.startsWith('http://', i)) i += 7;
  if (s.startsWith('www.', i)) i += 4;
  const start = i;
  while (i < s.length && i - start <= 253 && isHostChar(s.charCodeAt(i))) i++;
  let name = s.slice(start, i);
  while (name.endsWith('.')) name = name.slice(0, -1);
  if (name.length < 4 || name.length > 253 || !name.includes('.') || name.startsWith('.') || name.includes('..')) return undefined;
  // A dotted quad is an address, not a list.
  if (isIP(name)) return undefined;
  const tld = name.slice(name.lastIndexOf('.') + 1);
  if (!/^[a-z]{2,24}$/.test(tld)) return undefined;
  return name;
}

/** Whether `word` occurs in s as a word of its own (no letter on either side). */
export function hasWord(s: string, word: string): boolean {
  for (let i = s.indexOf(word); i >= 0; i = s.indexOf(word, i + 1)) {
    const before = i === 0 ? 32 : s.charCodeAt(i - 1);
    const after = i + word.length >= s.length ? 32 : s.charCodeAt(i + word.length);
    if (!isLetter(before) && !isLetter(after)) return true;
  }
  return false;
}

const isAddrChar = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || c === 46 || c === 58;

/** The address right at `i` (IPv4, or IPv6 with an optional `ipv6:` prefix), or undefined. */
function addressAt(s: string, i: number): string | undefined {
  if (s.startsWith('ipv6:', i)) i += 5;
  const start = i;
  while (i < s.length && i - start < 46 && isAddrChar(s.charCodeAt(i))) i++;
  let a = s.slice(start, i);
  if (a.endsWith('.')) a = a.slice(0, -1);
  return isIP(a) ? a : undefined;
}

const ADDRESS_MARKERS = ['[', 'from ', 'host ', 'ip ', 'address ', 'of ', '/ip/', '?ip='];
const MAX_ADDRESSES = 16;

/**
 * The addresses a reply names (`[192.0.2.1]`, `[192.0.2.1 15]`, `messages from
 * 192.0.2.1 weren't sent`, `client host 192.0.2.1`), in order, at most 16.
 * Expects lower-cased text.
 */
export function addressesIn(s: string): string[] {
  const out: string[] = [];
  for (const marker of ADDRESS_MARKERS) {
    for (let i = s.indexOf(marker); i >= 0 && out.length < MAX_ADDRESSES; i = s.indexOf(marker, i + 1)) {
      const a = addressAt(s, i + marker.length);
      if (a && !out.includes(a)) out.push(a);
    }
  }
  // Put them back in text order: the first named address is the one the reply is about.
  return out.sort((a, b) => s.indexOf(a) - s.indexOf(b));
}

/** The address inside Postfix's `host[addr]:port` relay field, or undefined. */
export function relayAddress(relay: string | undefined): string | undefined {
  if (!relay) return undefined;
  const open = relay.indexOf('[');
  const close = open < 0 ? -1 : relay.indexOf(']', open);
  if (close < 0) return undefined;
  const a = relay.slice(open + 1, close);
  const addr = a.toLowerCase().startsWith('ipv6:') ? a.slice(5) : a;
  return isIP(addr) ? addr : undefined;
}
