import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadHostConfig } from '../../../host/core/config/host-config';
import { type AdminHarness, startAdmin } from '../../helpers/admin-client';
import { fakePostfixCommands } from '../../helpers/fake-postfix-commands';
import { tempDir } from '../../helpers/plugin-fixture';

const fixture = path.join(__dirname, '../../fixtures/postqueue-j.jsonl');
let h: AdminHarness;
let fake: ReturnType<typeof fakePostfixCommands>;

beforeAll(async () => {
  fake = fakePostfixCommands(fixture);
  const queueDirectory = tempDir('mw-queue-dir-');
  for (const [q, n] of [['deferred', 4], ['hold', 1]] as const) {
    fs.mkdirSync(path.join(queueDirectory, q, 'A'), { recursive: true });
    for (let i = 0; i < n; i++) fs.writeFileSync(path.join(queueDirectory, q, 'A', `F${i}`), 'x'.repeat(100));
  }
  const base = loadHostConfig({ env: {} });
  h = await startAdmin({ plugins: false, config: { postfix: { ...base.postfix, postqueuePath: fake.postqueuePath, postsuperPath: fake.postsuperPath, configDir: '/etc/postfix-test', queueDirectory } } as never });
});
afterAll(() => h.close());

test('GET /api/queue: totals per queue, a first history sample, mail by exact sender', async () => {
  const r = await h.call('GET', '/api/queue');
  expect(r.status).toBe(200);
  expect(r.body.total).toBe(5);
  expect(r.body.counts.deferred).toMatchObject({ length: 4, bytes: 400 });
  expect(r.body.counts.hold.length).toBe(1);
  expect(r.body.history.length).toBeGreaterThanOrEqual(1);
  expect(r.body.history[0]).toMatchObject({ total: 5, byQueue: { deferred: 4, hold: 1 } });
  const login = r.body.senders.find((s: { sender: string }) => s.sender === 'login@domain.net');
  // "LOGIN@Domain.NET" is the same sender; "xlogin@domain.net" is not.
  expect(login).toMatchObject({ count: 3, byQueue: { deferred: 2, hold: 1 } });
  expect(r.body.senders.find((s: { sender: string }) => s.sender === 'xlogin@domain.net').count).toBe(1);
  expect((await h.call('GET', '/api/queue?limit=1')).body.senders).toHaveLength(1);
});

test('preview states the count; purge needs that count confirmed, acts on exactly that sender, and is audited', async () => {
  const p = await h.call('POST', '/api/queue/preview', { body: { operation: 'purge', sender: '<Login@Domain.net>' } });
  expect(p.body).toMatchObject({ operation: 'purge', sender: 'login@domain.net', selected: 3 });
  expect(fake.postsuperCalls()).toEqual([]);
  const stale = await h.call('POST', '/api/queue/purge', { body: { sender: 'login@domain.net', expectedCount: 2 } });
  expect(stale.status).toBe(409);
  expect(stale.body.problems[0].path).toBe('/expectedCount');
  expect(fake.postsuperCalls()).toEqual([]);
  const missing = await h.call('POST', '/api/queue/purge', { body: { sender: 'login@domain.net' } });
  expect(missing.body.problems).toEqual([{ path: '/expectedCount', message: 'is required', rule: 'required' }]);
  const ok = await h.call('POST', '/api/queue/purge', { body: { sender: 'login@domain.net', expectedCount: 3 } });
  expect(ok.body).toMatchObject({ operation: 'purge', selected: 3, confirmed: 3 });
  expect(fake.postsuperCalls()).toEqual([{ argv: ['-c', '/etc/postfix-test', '-d', '-'], ids: ['8CB7220C381', '2F2F520C35C', '3Pt2mN2VXxznjll'] }]);
  const audit = (await h.call('GET', '/api/audit?subject=sender:')).body[0];
  expect(audit).toMatchObject({ action: 'queue.purge', actor: 'api:token', subject: 'sender:login@domain.net', after: { selected: 3, confirmed: 3 } });
});

test('hold and release pick only the relevant queues; bad filters name the field', async () => {
  const hold = await h.call('POST', '/api/queue/preview', { body: { operation: 'hold', sender: 'login@domain.net' } });
  expect(hold.body).toMatchObject({ selected: 2, byQueue: { deferred: 2 } });
  const release = await h.call('POST', '/api/queue/preview', { body: { operation: 'release', sender: 'login@domain.net' } });
  expect(release.body).toMatchObject({ selected: 1, byQueue: { hold: 1 } });
  const space = await h.call('POST', '/api/queue/hold', { body: { sender: 'a b@x', expectedCount: 0 } });
  expect([space.status, space.body.problems[0].path]).toEqual([400, '/sender']);
  const older = await h.call('POST', '/api/queue/preview', { body: { operation: 'hold', sender: 'a@x', olderThan: '2 days' } });
  expect(older.body.problems[0]).toMatchObject({ path: '/olderThan', message: expect.stringContaining('is not a duration') });
  const q = await h.call('POST', '/api/queue/release', { body: { sender: 'a@x', queue: 'deferred', expectedCount: 0 } });
  expect(q.body.problems[0]).toMatchObject({ path: '/queue' });
  const op = await h.call('POST', '/api/queue/preview', { body: { operation: 'nuke', sender: 'a@x' } });
  expect(op.body.problems[0]).toMatchObject({ path: '/operation', rule: 'enum' });
});

test('an unreadable queue is a 503 with the reason, not a crash', async () => {
  const base = loadHostConfig({ env: {} });
  const broken = await startAdmin({ plugins: false, config: { postfix: { ...base.postfix, postqueuePath: '/nonexistent/postqueue', queueDirectory: '/nonexistent/queue' } } as never });
  try {
    const r = await broken.call('GET', '/api/queue');
    expect(r.status).toBe(503);
    expect(r.body.error).toMatch(/the Postfix queue cannot be read/);
  } finally {
    await broken.close();
  }
});
