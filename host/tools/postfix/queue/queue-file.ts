import fs from 'node:fs';

/** Envelope bytes read from a queue file: the attributes sit before the message content. */
const ENVELOPE_BYTES = 16 * 1024;
const REC_TYPE_ATTR = 0x41; // 'A': name=value
const REC_TYPE_MESG = 0x4d; // 'M': message content starts, the envelope is over

/**
 * Scans Postfix queue file records (type byte, 7-bit little-endian varint
 * length, data) up to the message content and returns the named attributes.
 * Linear, bounded by the buffer; a truncated record ends the scan.
 */
export function envelopeAttributes(buf: Buffer): Map<string, string> {
  const attrs = new Map<string, string>();
  let i = 0;
  while (i < buf.length) {
    const type = buf[i++];
    let len = 0;
    let shift = 0;
    for (;;) {
      if (i >= buf.length || shift > 28) return attrs;
      const b = buf[i++];
      len += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) break;
    }
    if (type === REC_TYPE_MESG || i + len > buf.length) return attrs;
    if (type === REC_TYPE_ATTR) {
      const text = buf.toString('latin1', i, i + len);
      const eq = text.indexOf('=');
      if (eq > 0) attrs.set(text.slice(0, eq), text.slice(eq + 1));
    }
    i += len;
  }
  return attrs;
}

/**
 * Opens a queue file for reading, or undefined when it is not one: never
 * through a symlink (O_NOFOLLOW), never blocking on a FIFO (O_NONBLOCK), only
 * a regular file, and when `owner` is given only one owned by that uid (the
 * queue's own, Postfix's mail_owner). mailwarden-privd reads as root: a file
 * placed or linked into the queue by anyone else is not read for them.
 */
async function openQueueFile(file: string, owner?: number): Promise<fs.promises.FileHandle | undefined> {
  const fh = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  const st = await fh.stat();
  if (st.isFile() && (owner === undefined || st.uid === owner)) return fh;
  await fh.close();
  return undefined;
}

/** The `sasl_username` of a queued message, or undefined (not authenticated, gone, unreadable, not a queue file). */
export async function readSaslUsername(file: string, owner?: number): Promise<string | undefined> {
  let fh: fs.promises.FileHandle | undefined;
  try {
    fh = await openQueueFile(file, owner);
    if (!fh) return undefined;
    const buf = Buffer.alloc(ENVELOPE_BYTES);
    const { bytesRead } = await fh.read(buf, 0, ENVELOPE_BYTES, 0);
    const v = envelopeAttributes(buf.subarray(0, bytesRead)).get('sasl_username');
    return v ? v : undefined;
  } catch {
    return undefined;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
