/*
 * Character classes by Unicode general category, so that `É` is upper-case,
 * `ß` lower-case and `٣` a digit. One pass over the code points, no
 * backtracking: the input is whatever a user typed.
 */

const UPPER = /^[\p{Lu}\p{Lt}]$/u;
const LOWER = /^\p{Ll}$/u;
const DIGIT = /^\p{Nd}$/u;
/** Visible non-letter, non-digit: punctuation, symbols (emoji included), other numbers (², Ⅻ). */
const SPECIAL = /^[\p{P}\p{S}\p{No}\p{Nl}]$/u;
const CONTROL = /^\p{Cc}$/u;

export interface ClassCounts {
  /** Unicode code points, not UTF-16 units: an emoji is 1, a combining accent is 1 of its own. */
  readonly length: number;
  readonly upper: number;
  readonly lower: number;
  readonly digits: number;
  readonly special: number;
  /** C0/C1 control characters and lone surrogates (which no directory can store as UTF-8). */
  readonly control: number;
}

/**
 * Code points of `s`: one linear pass over UTF-16 units with no allocation,
 * so a 100k-character input costs microseconds before it is refused.
 */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

export function countClasses(s: string): ClassCounts {
  let length = 0;
  let upper = 0;
  let lower = 0;
  let digits = 0;
  let special = 0;
  let control = 0;
  for (const ch of s) {
    length++;
    const cp = ch.codePointAt(0)!;
    if (cp < 128) {
      // ASCII fast path: most passwords are mostly ASCII.
      if (cp >= 97 && cp <= 122) lower++;
      else if (cp >= 65 && cp <= 90) upper++;
      else if (cp >= 48 && cp <= 57) digits++;
      else if (cp < 32 || cp === 127) control++;
      else if (cp !== 32) special++;
      continue;
    }
    if (cp >= 0xd800 && cp <= 0xdfff) control++;
    else if (UPPER.test(ch)) upper++;
    else if (LOWER.test(ch)) lower++;
    else if (DIGIT.test(ch)) digits++;
    else if (SPECIAL.test(ch)) special++;
    else if (CONTROL.test(ch)) control++;
    // Anything else (other letters such as 中, combining marks, spaces, format
    // characters) counts toward the length only.
  }
  return { length, upper, lower, digits, special, control };
}
