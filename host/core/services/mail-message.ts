import { randomBytes } from 'node:crypto';

/** RFC 5322 date in UTC, e.g. `Sat, 28 Nov 2026 20:37:28 +0000`. */
export function rfc5322Date(ms: number): string {
  return new Date(ms).toUTCString().replace(/GMT$/, '+0000');
}

/** Text on one header line: line breaks (header injection) become spaces. */
function oneLine(s: string): string {
  let out = '';
  for (const ch of s) out += ch === '\r' || ch === '\n' || ch === '\0' ? ' ' : ch;
  return out.trim();
}

const isAscii = (s: string) => {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 126) return false;
  return true;
};

/** RFC 2047 encoded word for a non-ASCII header value (base64 chunks that never split a character). */
export function encodeHeaderValue(value: string): string {
  const v = oneLine(value);
  if (isAscii(v)) return v;
  const words: string[] = [];
  let chunk = '';
  for (const ch of v) {
    if (Buffer.byteLength(chunk + ch) > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString('base64')}?=`).join('\r\n ');
}

/** Quoted-printable (RFC 2045) body: lines stay under 76 characters whatever the text. */
export function quotedPrintable(text: string): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const bytes = Buffer.from(line.endsWith('\r') ? line.slice(0, -1) : line, 'utf8');
    let cur = '';
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      const last = i === bytes.length - 1;
      const enc = (b === 0x3d || b < 0x20 || b > 0x7e || (last && (b === 0x20 || b === 0x09)))
        ? '=' + b.toString(16).toUpperCase().padStart(2, '0')
        : String.fromCharCode(b);
      if (cur.length + enc.length > 75) {
        out.push(cur + '=');
        cur = '';
      }
      cur += enc;
    }
    out.push(cur);
  }
  return out.join('\r\n');
}

/** Checks an envelope address: one line, one @, nothing SMTP would read as syntax. */
export function checkAddress(a: string, where: string): string {
  const s = a.trim();
  const at = s.lastIndexOf('@');
  if (s.length > 254 || at <= 0 || at === s.length - 1) throw new Error(`${where}: "${oneLine(s)}" is not a mail address (local@domain)`);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 127 || c === 60 || c === 62 || c === 44 || c === 59) throw new Error(`${where}: "${oneLine(s)}" is not a mail address (local@domain)`);
  }
  return s;
}

export interface OutgoingMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly at: number;
  /** Host part of the Message-ID. */
  readonly idDomain: string;
  readonly extraHeaders?: Readonly<Record<string, string>>;
}

/** A complete RFC 5322 message with CRLF line ends, ready for SMTP DATA (before dot-stuffing) or sendmail. */
export function composeMail(m: OutgoingMail): { messageId: string; data: string } {
  const messageId = `<${m.at.toString(36)}.${randomBytes(8).toString('hex')}@${oneLine(m.idDomain) || 'localhost'}>`;
  const plain = isAscii(m.text) && m.text.split('\n').every((l) => l.length <= 998);
  const headers: Array<[string, string]> = [
    ['From', `mailwarden <${m.from}>`],
    ['To', m.to.join(', ')],
    ['Subject', encodeHeaderValue(m.subject)],
    ['Date', rfc5322Date(m.at)],
    ['Message-ID', messageId],
    // RFC 3834: an automatic message; vacation responders and the like must not answer it.
    ['Auto-Submitted', 'auto-generated'],
    ['MIME-Version', '1.0'],
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Transfer-Encoding', plain ? '7bit' : 'quoted-printable'],
  ];
  for (const [k, v] of Object.entries(m.extraHeaders ?? {})) headers.push([k, encodeHeaderValue(v)]);
  const body = plain ? m.text.split(/\r?\n/).join('\r\n') : quotedPrintable(m.text);
  return { messageId, data: headers.map(([k, v]) => `${k}: ${v}`).join('\r\n') + '\r\n\r\n' + body + (body.endsWith('\r\n') ? '' : '\r\n') };
}
