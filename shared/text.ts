/*
 * Text that reaches logs, alert subjects, tables and the console: what may be
 * in it. Terminals act on C0/C1 controls (U+009B is a one-byte CSI), U+0085,
 * U+2028 and U+2029 end lines in some readers, and bidi controls make text
 * display in another order than it is stored ("evil\u202Etxt.exe").
 */

/**
 * True for a code unit that must never reach a display raw: C0 and C1
 * controls, DEL, line and paragraph separators, and the bidi embedding,
 * override and isolate controls (plus the implicit marks LRM, RLM, ALM).
 */
export function isUnsafeForDisplay(c: number): boolean {
  return (
    c < 0x20 || (c >= 0x7f && c <= 0x9f) ||
    c === 0x2028 || c === 0x2029 ||
    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
    c === 0x200e || c === 0x200f || c === 0x061c
  );
}

/** The first unsafe code unit of `s` (see isUnsafeForDisplay), or -1. */
export function unsafeCharIndex(s: string): number {
  for (let i = 0; i < s.length; i++) if (isUnsafeForDisplay(s.charCodeAt(i))) return i;
  return -1;
}

/** `U+009B`: how a message names a character it must not print. */
export function codePointName(s: string, i: number): string {
  return `U+${(s.codePointAt(i) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Free text typed by an admin (labels, reasons, comments) as it is stored:
 * one line, each run of unsafe characters and white space one space, trimmed.
 * Normalised once at input, so every later reader gets the same safe text.
 */
export function oneLine(s: string): string {
  let out = '';
  let space = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isUnsafeForDisplay(c) || c === 0x20 || c === 0xa0) {
      space = true;
      continue;
    }
    if (space && out) out += ' ';
    space = false;
    out += s[i];
  }
  return out;
}
