import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { parsePostqueueStream, parseRecord, readQueue } from '../../../host/postfix/queue/postqueue-json';
import { fakePostfixCommands } from '../../helpers/fake-postfix-commands';

const fixture = path.join(__dirname, '../../fixtures/postqueue-j.jsonl');

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('postqueue -j stream', () => {
  test('a record: fields mapped, times in ms, unknown keys ignored', () => {
    expect(parseRecord('{"queue_name":"hold","queue_id":"3Pt2mN2VXxznjll","arrival_time":1767200000,"message_size":5,"sender":"a@b","recipients":[{"address":"c@d","delay_reason":"x"},{"bogus":1}],"new":true}')).toEqual({
      queueName: 'hold', queueId: '3Pt2mN2VXxznjll', arrivalTime: 1767200000000, size: 5, sender: 'a@b', recipients: [{ address: 'c@d', delayReason: 'x' }],
    });
    expect(parseRecord('[1]')).toBe('not a JSON object');
    expect(parseRecord('{"queue_name":"hold"}')).toBe('queue_name or queue_id missing');
    expect(parseRecord('{"queue_name":"hold","queue_id":"A1"}')).toBe('A1: sender missing');
    expect(parseRecord('{nope')).toMatch(/^not JSON/);
  });

  test('records split across chunks at any byte are parsed; bad lines are reported with their number', async () => {
    const text = fs.readFileSync(fixture);
    for (const size of [1, 7, 64, text.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.subarray(i, i + size));
      const bad: Array<{ line: number; reason: string }> = [];
      const ms = await collect(parsePostqueueStream(Readable.from(chunks), (b) => bad.push(b)));
      expect(ms.map((m) => m.queueId)).toEqual(['8CB7220C381', '2F2F520C35C', 'DF38B20C254', 'B5A5820C245', '3Pt2mN2VXxznjll', 'C0FFEE1', 'ABCDEF12', '7E57AB1E']);
      expect(bad).toEqual([{ line: 8, reason: expect.stringMatching(/^not JSON/) }]);
    }
  });

  test('a last record without a newline still counts', async () => {
    const ms = await collect(parsePostqueueStream(Readable.from(['{"queue_name":"active","queue_id":"AB","sender":"","recipients":[]}'])));
    expect(ms).toHaveLength(1);
  });

  test('100k messages stream through one at a time', async () => {
    const line = (i: number) => `{"queue_name":"deferred","queue_id":"${i.toString(16).toUpperCase().padStart(10, '0')}","arrival_time":1767222000,"message_size":400,"sender":"s${i % 100}@example.com","recipients":[{"address":"r${i}@remote.test","delay_reason":"connect to mx.remote.test[192.0.2.1]:25: Connection timed out"}]}\n`;
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
    for await (const m of parsePostqueueStream(Readable.from(chunks()))) {
      n++;
      if (m.sender === 's7@example.com') fromS7++;
    }
    expect(n).toBe(100_000);
    expect(fromS7).toBe(1000);
  });

  test('readQueue runs postqueue -c DIR -j, and a missing binary is a clear error', async () => {
    const { dir } = fakePostfixCommands(fixture);
    expect(await collect(readQueue({ commandDir: dir, configDir: '/nonexistent/conf' }))).toHaveLength(8);
    await expect(collect(readQueue({ commandDir: '/nonexistent/bin' }))).rejects.toThrow('cannot run /nonexistent/bin/postqueue');
  });
});
