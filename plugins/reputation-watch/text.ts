/** Text from remote servers and senders, made safe for one line of a mail, a log or a terminal. */
export function printable(s: string, max = 400): string {
  let out = '';
  for (const ch of s) {
    if (out.length >= max) return `${out}…`;
    const c = ch.codePointAt(0)!;
    out += c < 32 || c === 127 || (c >= 0x80 && c < 0xa0) || c === 0x2028 || c === 0x2029 || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ? '?' : ch;
  }
  return out;
}

export function iso(t: number): string {
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const SAFE = /^[A-Za-z0-9@%+=:,./_-]+$/;

/** POSIX shell quoting: a command shown in an alert pastes as it reads, whatever the address holds. */
export function shellQuote(s: string): string {
  return SAFE.test(s) ? s : `'${s.split("'").join(`'\\''`)}'`;
}
