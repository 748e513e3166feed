/*
 * The scanners read a log as bytes, where they lie in the buffer they were
 * read into: no string per chunk or per line, and a byte is read with one
 * bounds-checked load (a string's charCodeAt checks its representation on
 * every character). Only the fields a scan keeps become strings.
 */

/** Whether the ASCII text `needle` lies at b[i…], inside [i, end). */
export function bytesAt(b: Uint8Array, needle: string, i: number, end: number): boolean {
  const n = needle.length;
  if (i < 0 || i + n > end) return false;
  for (let k = 0; k < n; k++) if (b[i + k] !== needle.charCodeAt(k)) return false;
  return true;
}

/** Index of the ASCII text `needle` in b[from, end), or -1: a scan bounded by the line, never past it. */
export function indexIn(b: Uint8Array, needle: string, from: number, end: number): number {
  const c0 = needle.charCodeAt(0);
  const last = end - needle.length;
  for (let i = from; i <= last; i++) if (b[i] === c0 && bytesAt(b, needle, i, end)) return i;
  return -1;
}

/** Index of the byte `c` in b[from, end), or -1. */
export function byteIn(b: Uint8Array, c: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (b[i] === c) return i;
  return -1;
}

/** b[start, end) as a string, one char per byte (what the scanners compared). Buffer's documented decoder: its undocumented latin1Slice was faster, but internals are not ours to rely on. */
export function latin1(b: Buffer, start: number, end: number): string {
  return end > start ? b.toString('latin1', start, end) : '';
}

/** b[start, end) as text for people and keys: UTF-8 when it has bytes above ASCII. */
export function textAt(b: Buffer, start: number, end: number): string {
  for (let i = start; i < end; i++) if (b[i] > 127) return b.toString('utf8', start, end);
  return latin1(b, start, end);
}

let lastText = '';
let lastBytes = Buffer.alloc(0);

/**
 * A line held as text (a follower's, a test's) as the bytes the scanners
 * read: one byte per char, so offsets into either are the same. The text
 * was decoded as latin1 from the log, so this is exact. The last one is
 * kept: a line is tokenized, recognised and read in turn, and a follower
 * hands over many lines of one chunk.
 */
export function bytesOf(s: string): Buffer {
  if (s !== lastText) {
    lastText = s;
    lastBytes = Buffer.from(s, 'latin1');
  }
  return lastBytes;
}
