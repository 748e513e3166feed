import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../../../../../helpers/plugin-fixture';

/** A Postfix queue record: type byte, 7-bit varint length, data. */
export function record(type: string, data: string | Buffer): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  const len: number[] = [];
  let n = body.length;
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    len.push(b);
  } while (n);
  return Buffer.concat([Buffer.from(type, 'latin1'), Buffer.from(len), body]);
}

/** A queue file as cleanup writes it: envelope records, then the content (whose attributes do not count). */
export function queueFile(sender: string, sasl?: string): Buffer {
  return Buffer.concat([
    record('C', '             812              31               1               0             812               0'),
    record('T', '1700000000 0'),
    record('A', 'rewrite_context=local'),
    record('S', sender),
    ...(sasl ? [record('A', 'sasl_method=PLAIN'), record('A', `sasl_username=${sasl}`)] : []),
    record('A', 'x'.repeat(300) + '=long value'),
    record('M', ''),
    record('N', 'Subject: test'),
    record('A', 'sasl_username=after-the-envelope'),
  ]);
}

/** A fake queue_directory: flat and hashed queues, as Postfix lays them out. */
export function fakeQueue(): string {
  const root = tempDir('mw-spool-');
  const put = (rel: string, content: Buffer) => {
    const f = path.join(root, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, content);
  };
  for (const q of ['incoming', 'active', 'deferred', 'hold', 'maildrop', 'corrupt']) fs.mkdirSync(path.join(root, q), { recursive: true });
  put('active/A1B2C3', queueFile('a@example.com', 'alice@example.com'));
  put('deferred/D/D00001', queueFile('spam@example.com', 'bob@example.com'));
  put('deferred/E/E00002', queueFile('spam@example.com'));
  put('deferred/F/F00003', Buffer.alloc(5000));
  put('hold/H00004', queueFile('x@example.com'));
  put('corrupt/C00005', Buffer.alloc(10)); // not a queue mailwarden reports
  return root;
}
