import * as fs from 'node:fs';
import * as path from 'node:path';
import { PostfixQueue } from '../../../../../../host/tools/postfix/queue/postfix-queue';
import { countQueues } from '../../../../../../host/tools/postfix/queue/queue-dirs';
import { envelopeAttributes } from '../../../../../../host/tools/postfix/queue/queue-file';
import { SystemClock } from '../../../../../../host/core/services/clock';
import { tempDir } from '../../../../../helpers/plugin-fixture';
import { fakeQueue, queueFile } from './queue-file-fixture';

test('envelope attributes are read up to the message content only', () => {
  const a = envelopeAttributes(queueFile('s@example.com', 'carol@example.com'));
  expect(a.get('sasl_username')).toBe('carol@example.com');
  expect(a.get('x'.repeat(300))).toBe('long value');
  expect(envelopeAttributes(queueFile('s@example.com')).get('sasl_username')).toBeUndefined();
  // Truncated or garbage input ends the scan, it does not throw.
  expect(envelopeAttributes(queueFile('s@e', 'u@e').subarray(0, 40)).size).toBeLessThan(3);
  expect(envelopeAttributes(Buffer.from([0x41, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])).size).toBe(0);
});

test('counts every queue by its files: length, bytes and oldest age (hashed sub-directories included)', async () => {
  const root = fakeQueue();
  const old = new Date(Date.now() - 3600_000);
  fs.utimesSync(path.join(root, 'deferred/D/D00001'), old, old); // mtime only: ctime (what we read) stays now
  const c = await countQueues(root, Date.now() + 90_000);
  expect(c.active.length).toBe(1);
  expect(c.deferred).toMatchObject({ length: 3, bytes: ['D/D00001', 'E/E00002', 'F/F00003'].reduce((n, f) => n + fs.statSync(path.join(root, 'deferred', f)).size, 0) });
  expect(c.deferred.oldestAgeSeconds).toBeGreaterThanOrEqual(89);
  expect(c.deferred.oldestAgeSeconds).toBeLessThan(120);
  expect(c.hold.length).toBe(1);
  expect(c.incoming).toEqual({ length: 0, bytes: 0, oldestAgeSeconds: 0 });
  expect(Object.keys(c).sort()).toEqual(['active', 'deferred', 'hold', 'incoming', 'maildrop']);
  fs.rmSync(path.join(root, 'maildrop'), { recursive: true });
  expect((await countQueues(root, Date.now())).maildrop.length).toBe(0);
  await expect(countQueues(path.join(root, 'nope'), 0)).rejects.toThrow(/postfix.queueDirectory .*nope: ENOENT/);
  fs.rmSync(root, { recursive: true });
});

test('PostfixQueue: postqueue -j listing with sasl_username from the queue files', async () => {
  const root = fakeQueue();
  const bin = tempDir('mw-bin-');
  const pq = path.join(bin, 'postqueue');
  const j = (q: string, id: string, sender: string) => JSON.stringify({ queue_name: q, queue_id: id, arrival_time: 1, message_size: 1, sender, recipients: [] });
  fs.writeFileSync(pq, `#!/bin/sh\ncat <<'X'\n${[j('active', 'A1B2C3', 'a@example.com'), j('deferred', 'D00001', 'spam@example.com'), j('deferred', 'E00002', 'spam@example.com'), j('hold', 'H00004', 'x@example.com'), j('deferred', 'GONE', 'y@example.com')].join('\n')}\nX\n`, { mode: 0o755 });
  const warn = jest.fn();
  const q = new PostfixQueue({ queueDirectory: root, postqueuePath: pq, postsuperPath: 'postsuper', postconfPath: 'postconf' }, new SystemClock(), { debug() {}, info() {}, warn, error() {} });
  const got: Array<[string, string | undefined]> = [];
  for await (const m of q.messages({ saslUsername: true })) got.push([m.queueId, m.saslUsername]);
  expect(got).toEqual([['A1B2C3', 'alice@example.com'], ['D00001', 'bob@example.com'], ['E00002', undefined], ['H00004', undefined], ['GONE', undefined]]);
  expect((await q.counts()).deferred.length).toBe(3);
  fs.rmSync(root, { recursive: true });
  fs.rmSync(bin, { recursive: true });
});

test('PostfixQueue asks postconf for the queue directory and says what to set when it cannot', async () => {
  const bin = tempDir('mw-bin-');
  const root = fakeQueue();
  const pc = path.join(bin, 'postconf');
  fs.writeFileSync(pc, `#!/bin/sh\n[ "$1 $2 $3 $4" = "-c /etc/pfx -h queue_directory" ] && echo ${root}\n`, { mode: 0o755 });
  const log = { debug() {}, info() {}, warn() {}, error() {} };
  const q = new PostfixQueue({ configDir: '/etc/pfx', postqueuePath: 'x', postsuperPath: 'x', postconfPath: pc }, new SystemClock(), log);
  expect((await q.counts()).active.length).toBe(1);
  const bad = new PostfixQueue({ postqueuePath: 'x', postsuperPath: 'x', postconfPath: path.join(bin, 'none') }, new SystemClock(), log);
  await expect(bad.counts()).rejects.toThrow(/set postfix.queueDirectory/);
  fs.rmSync(root, { recursive: true });
  fs.rmSync(bin, { recursive: true });
});
