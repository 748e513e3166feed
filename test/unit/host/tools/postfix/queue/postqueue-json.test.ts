import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { parsePostqueueLine, postqueueMessages, readPostqueueJson, type PostqueueLineError } from '../../../../../../host/tools/postfix/queue/postqueue-json';
import { tempDir } from '../../../../../helpers/plugin-fixture';
import { fakePostfixCommands } from '../../../../../helpers/fake-postfix-commands';

const line = (o: Record<string, unknown>) => JSON.stringify({ queue_name: 'deferred', queue_id: '4BqYvF1bZnz9tZ', arrival_time: 1700000000, message_size: 1234, forced_expire: false, sender: 'a@example.com', recipients: [{ address: 'b@example.net', delay_reason: 'connect to 127.0.0.1[127.0.0.1]:1: Connection refused' }], ...o });

test('a postqueue -j line becomes a QueuedMessage; unknown keys are ignored', () => {
  expect(parsePostqueueLine(line({ future_key: { x: 1 } }))).toEqual({
    queueName: 'deferred', queueId: '4BqYvF1bZnz9tZ', arrivalTime: 1700000000, messageSize: 1234, forcedExpire: false, sender: 'a@example.com',
    recipients: [{ address: 'b@example.net', delayReason: 'connect to 127.0.0.1[127.0.0.1]:1: Connection refused' }],
  });
  expect(parsePostqueueLine(line({ sender: '', recipients: [{ address: 'c@d.e' }] }))).toMatchObject({ sender: '', recipients: [{ address: 'c@d.e' }] });
});

test('bad lines name the line and the key', () => {
  expect(() => parsePostqueueLine('{"queue_name":', 7)).toThrow(/line 7: not JSON/);
  expect(() => parsePostqueueLine('[]', 2)).toThrow(/line 2: must be a JSON object/);
  expect(() => parsePostqueueLine(line({ queue_id: 5 }), 3)).toThrow(/line 3: "queue_id" must be a string/);
  expect(() => parsePostqueueLine(line({ message_size: -1 }))).toThrow(/"message_size" must be a non-negative number/);
  expect(() => parsePostqueueLine(line({ recipients: [{}] }))).toThrow(/"recipients\[0\]\.address" must be a string/);
});

test('a stream of 100k messages is parsed without holding the event loop', async () => {
  const n = 100_000;
  async function* lines() {
    for (let i = 0; i < n; i += 1000) {
      let chunk = '';
      for (let k = i; k < i + 1000; k++) chunk += line({ queue_id: `Q${k}` }) + '\n';
      yield chunk;
    }
  }
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  let count = 0;
  const bad: PostqueueLineError[] = [];
  const input = Readable.from((async function* () {
    yield* lines();
    yield 'garbage\n';
  })());
  for await (const m of readPostqueueJson(input, { onBadLine: (e) => bad.push(e) })) {
    if (m.queueId.startsWith('Q')) count++;
  }
  clearInterval(timer);
  expect(count).toBe(n);
  expect(bad).toHaveLength(1);
  expect(bad[0].message).toContain(`line ${n + 1}`);
  // The 1 ms timer kept firing while the stream was parsed.
  expect(ticks).toBeGreaterThan(5);
});

test('postqueueMessages runs the binary with -c and reports its failure', async () => {
  const dir = tempDir('mw-pq-');
  const ok = path.join(dir, 'postqueue-ok');
  fs.writeFileSync(ok, `#!/bin/sh\n[ "$1" = "-c" ] && [ "$2" = "/etc/pfx" ] && [ "$3" = "-j" ] || exit 9\necho '${line({})}'\necho '${line({ queue_id: 'B2' })}'\n`, { mode: 0o755 });
  const ids: string[] = [];
  for await (const m of postqueueMessages({ postqueuePath: ok, configDir: '/etc/pfx' })) ids.push(m.queueId);
  expect(ids).toEqual(['4BqYvF1bZnz9tZ', 'B2']);
  const bad = path.join(dir, 'postqueue-bad');
  fs.writeFileSync(bad, `#!/bin/sh\necho 'postqueue: fatal: Queue report unavailable - mail system is down' >&2\nexit 69\n`, { mode: 0o755 });
  const run = async () => {
    for await (const _ of postqueueMessages({ postqueuePath: bad })) void _;
  };
  await expect(run()).rejects.toThrow(/exited with 69: postqueue: fatal: Queue report unavailable/);
  await expect((async () => {
    for await (const _ of postqueueMessages({ postqueuePath: path.join(dir, 'missing') })) void _;
  })()).rejects.toThrow(/missing -j: spawn .* ENOENT/);
  fs.rmSync(dir, { recursive: true });
});

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
