import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { postqueueMessages, readPostqueueJson, type PostqueueLineError } from '../../../../../../host/tools/postfix/queue/postqueue-json';
import { fakePostfixCommands } from '../../../../../helpers/fake-postfix-commands';

const fixture = path.join(__dirname, '../../../../../fixtures/postqueue-j.jsonl');

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/* The queue tools' view of the issue-7 stream reader: chunking, bad lines, volume. */
describe('postqueue -j stream (as the queue tools use it)', () => {
  test('records split across chunks at any byte are parsed; a bad line is reported and skipped', async () => {
    const text = fs.readFileSync(fixture);
    for (const size of [1, 7, 64, text.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.subarray(i, i + size));
      const bad: PostqueueLineError[] = [];
      const ms = await collect(readPostqueueJson(Readable.from(chunks), { onBadLine: (e) => bad.push(e) }));
      expect(ms.map((m) => m.queueId)).toEqual(['8CB7220C381', '2F2F520C35C', 'DF38B20C254', 'B5A5820C245', '3Pt2mN2VXxznjll', 'C0FFEE1', 'ABCDEF12', '7E57AB1E']);
      expect(bad.map((e) => e.message)).toEqual([expect.stringMatching(/^postqueue -j line 8: not JSON/)]);
    }
  });

  test('100k messages stream through one at a time', async () => {
    const line = (i: number) => `{"queue_name":"deferred","queue_id":"${i.toString(16).toUpperCase().padStart(10, '0')}","arrival_time":1767222000,"message_size":400,"forced_expire":false,"sender":"s${i % 100}@example.com","recipients":[{"address":"r${i}@remote.test","delay_reason":"connect to mx.remote.test[192.0.2.1]:25: Connection timed out"}]}\n`;
    function* chunks() {
      let buf = '';
      for (let i = 0; i < 100_000; i++) {
        buf += line(i);
        if (buf.length > 60_000) {
          yield Buffer.from(buf);
          buf = '';
        }
      }
      yield Buffer.from(buf);
    }
    let n = 0;
    let fromS7 = 0;
    for await (const m of readPostqueueJson(Readable.from(chunks()))) {
      n++;
      if (m.sender === 's7@example.com') fromS7++;
    }
    expect(n).toBe(100_000);
    expect(fromS7).toBe(1000);
  });

  test('postqueueMessages runs the configured postqueue with -c DIR -j', async () => {
    const fake = fakePostfixCommands(fixture);
    expect(await collect(postqueueMessages({ postqueuePath: fake.postqueuePath, configDir: '/nonexistent/conf' }))).toHaveLength(8);
    await expect(collect(postqueueMessages({ postqueuePath: '/nonexistent/bin/postqueue' }))).rejects.toThrow('/nonexistent/bin/postqueue -j');
  });
});
