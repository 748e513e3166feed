/*
 * One behaviour, every backend: the same cases run against the memory, SQLite
 * and Redis stores. A store is conformant when it passes all of them.
 */
import type { Block } from '../../../../../shared';
import type { ChangeChannel, HostStore } from '../../../../../host/core/state/host-store';
import { MAX_DISTINCT_MEMBERS } from '../../../../../host/core/state/windowed-counters';

export interface StoreUnderTest {
  readonly store: HostStore;
  close(): Promise<void>;
}

/** Times near the real clock: a networked store may derive TTLs from it. */
const T = Math.floor(Date.now() / 1000) * 1000;
const MIN = 60_000;

function block(over: Partial<Block> & { key: string }): Block {
  return { domain: 'example.com', reason: 'test', source: 'bf', createdAt: T, expiresAt: T + 10 * MIN, strikes: 1, ...over };
}

export function storeConformance(open: () => Promise<StoreUnderTest>): void {
  let s: StoreUnderTest;
  let store: HostStore;
  beforeEach(async () => {
    s = await open();
    store = s.store;
  });
  afterEach(async () => {
    await s.close();
  });

  describe('windowed counters', () => {
    test('count the events of the window; one exactly windowMs old no longer counts', async () => {
      expect(await store.hit('k', MIN, T)).toBe(1);
      expect(await store.hit('k', MIN, T + 1000)).toBe(2);
      expect(await store.count('k', MIN, T + MIN - 1)).toBe(2);
      expect(await store.count('k', MIN, T + MIN)).toBe(1);
      expect(await store.hit('k', MIN, T + MIN + 1000)).toBe(1);
      expect(await store.count('k', MIN, T + 3 * MIN)).toBe(0);
    });
    test('amounts add up, and zero adds nothing', async () => {
      expect(await store.hit('bytes', MIN, T, 500)).toBe(500);
      expect(await store.hit('bytes', MIN, T + 1, 1)).toBe(501);
      expect(await store.hit('bytes', MIN, T + 2, 0)).toBe(501);
      expect(await store.hit('bytes', MIN, T + 3, 2.5)).toBe(503.5);
      expect(await store.count('bytes', MIN, T + MIN)).toBe(3.5);
    });
    test('a shorter window reads the newest events; a longer one is bounded by the longest window hit with', async () => {
      await store.hit('w', 10 * MIN, T);
      await store.hit('w', 10 * MIN, T + 5 * MIN);
      expect(await store.count('w', MIN, T + 5 * MIN + 1)).toBe(1);
      expect(await store.count('w', 10 * MIN, T + 5 * MIN + 1)).toBe(2);
      await store.hit('short', MIN, T);
      await store.hit('short', MIN, T + 30_000);
      expect(await store.count('short', 60 * MIN, T + 70_000)).toBe(1);
    });
    test('an unknown counter counts 0, and counters are separate', async () => {
      expect(await store.count('nothing', MIN, T)).toBe(0);
      await store.hit('a', MIN, T);
      expect(await store.count('b', MIN, T)).toBe(0);
    });
    test('reset drops a counter and a distinct set', async () => {
      await store.hit('r', MIN, T);
      await store.addDistinct('d', 'x', MIN, T);
      await store.reset('r');
      await store.reset('d');
      expect(await store.count('r', MIN, T)).toBe(0);
      expect(await store.distinctMembers('d', MIN, T)).toEqual([]);
      expect(await store.hit('r', MIN, T + 1)).toBe(1);
    });
  });

  describe('distinct sets', () => {
    test('count distinct members in the window, newest first; a repeat refreshes', async () => {
      expect(await store.addDistinct('pw', 'a', MIN, T)).toBe(1);
      expect(await store.addDistinct('pw', 'b', MIN, T + 1000)).toBe(2);
      expect(await store.addDistinct('pw', 'a', MIN, T + 2000)).toBe(2);
      expect(await store.distinctMembers('pw', MIN, T + 2000)).toEqual(['a', 'b']);
      expect(await store.distinctMembers('pw', MIN, T + MIN + 1000)).toEqual(['a']);
      expect(await store.addDistinct('pw', 'c', MIN, T + MIN + 2000)).toBe(1);
      expect(await store.distinctMembers('pw', 10_000, T + MIN + 2000)).toEqual(['c']);
    });
    test(`keep at most ${MAX_DISTINCT_MEMBERS} members, dropping the oldest`, async () => {
      const n = MAX_DISTINCT_MEMBERS + 5;
      let last = 0;
      for (let i = 0; i < n; i += 256) {
        const batch = [];
        for (let j = i; j < Math.min(n, i + 256); j++) batch.push(store.addDistinct('many', `m${j}`, 60 * MIN, T + j));
        last = (await Promise.all(batch)).pop() as number;
      }
      expect(last).toBe(MAX_DISTINCT_MEMBERS);
      const members = await store.distinctMembers('many', 60 * MIN, T + n);
      expect(members).toHaveLength(MAX_DISTINCT_MEMBERS);
      expect(members[0]).toBe(`m${n - 1}`);
      expect(members).not.toContain('m4');
      expect(members).toContain('m5');
    });
  });

  describe('key/values', () => {
    test('set, get, replace, delete', async () => {
      expect(await store.get('x', T)).toBeUndefined();
      await store.set('x', { n: 1, list: ['a'] });
      expect(await store.get('x', T)).toEqual({ n: 1, list: ['a'] });
      await store.set('x', 'two');
      expect(await store.get('x', T)).toBe('two');
      expect(await store.delete('x')).toBe(true);
      expect(await store.delete('x')).toBe(false);
      expect(await store.get('x', T)).toBeUndefined();
    });
    test('a value is a copy: changing what get returned changes nothing stored', async () => {
      await store.set('obj', { a: 1 });
      const v = (await store.get<{ a: number }>('obj', T))!;
      v.a = 2;
      expect(await store.get('obj', T)).toEqual({ a: 1 });
    });
    test('expiry is exact: gone at expiresAt', async () => {
      await store.set('e', 1, T + MIN);
      expect(await store.get('e', T + MIN - 1)).toBe(1);
      expect(await store.get('e', T + MIN)).toBeUndefined();
      await store.set('e2', 2, T + MIN);
      await store.set('e2', 3);
      expect(await store.get('e2', T + 2 * MIN)).toBe(3);
    });
    test('list by prefix: sorted by key, unexpired only, nothing outside the prefix', async () => {
      await store.set('h:lock:b@x', 'B');
      await store.set('h:lock:a@x', 'A');
      await store.set('h:lock:c@x', 'C', T + 1000);
      await store.set('h:lockout', 'no');
      await store.set('h:loc', 'no');
      await store.set('p:other:h:lock:z', 'no');
      expect(await store.list('h:lock:', T)).toEqual([
        { key: 'h:lock:a@x', value: 'A' },
        { key: 'h:lock:b@x', value: 'B' },
        { key: 'h:lock:c@x', value: 'C' },
      ]);
      expect((await store.list('h:lock:', T + 1000)).map((r) => r.key)).toEqual(['h:lock:a@x', 'h:lock:b@x']);
      await store.delete('h:lock:a@x');
      expect((await store.list('h:lock:', T)).map((r) => r.key)).toEqual(['h:lock:b@x', 'h:lock:c@x']);
      expect((await store.list('', T)).map((r) => r.key)).toEqual(['h:loc', 'h:lock:b@x', 'h:lock:c@x', 'h:lockout', 'p:other:h:lock:z']);
    });
    test('keys and values may hold any characters', async () => {
      const key = 'p:x:ünï{c}ode\u0000 key';
      await store.set(key, { s: 'é\n"' });
      expect(await store.get(key, T)).toEqual({ s: 'é\n"' });
      expect(await store.list('p:x:ü', T)).toEqual([{ key, value: { s: 'é\n"' } }]);
    });
  });

  describe('blocks', () => {
    test('put, get, replace by key; expired ones are not returned', async () => {
      await store.putBlock(block({ key: 'pair:1', login: 'a@example.com', network: '192.0.2.7/32' }));
      expect(await store.getBlock('pair:1', 'example.com', T)).toMatchObject({ key: 'pair:1', login: 'a@example.com', strikes: 1 });
      expect(await store.getBlock('pair:1', 'other.org', T)).toBeUndefined();
      await store.putBlock(block({ key: 'pair:1', strikes: 2, expiresAt: T + MIN }));
      expect(await store.getBlock('pair:1', 'example.com', T)).toMatchObject({ strikes: 2 });
      expect(await store.getBlock('pair:1', 'example.com', T + MIN)).toBeUndefined();
      expect(await store.listBlocks({}, T + MIN)).toEqual([]);
    });
    test('list with filters: domain, key, login, source, and an address inside the blocked network', async () => {
      await store.putBlock(block({ key: 'net', network: '198.51.100.0/24' }));
      await store.putBlock(block({ key: 'acct', login: 'b@example.com' }));
      await store.putBlock(block({ key: 'net6', domain: 'other.org', network: '2001:db8::/32', source: 'admin' }));
      const keys = async (f: Parameters<HostStore['listBlocks']>[0]) => (await store.listBlocks(f, T)).map((b) => b.key).sort();
      expect(await keys({})).toEqual(['acct', 'net', 'net6']);
      expect(await keys({ domain: 'example.com' })).toEqual(['acct', 'net']);
      expect(await keys({ ip: '198.51.100.9' })).toEqual(['net']);
      expect(await keys({ ip: '2001:db8::1' })).toEqual(['net6']);
      expect(await keys({ ip: 'not-an-ip' })).toEqual([]);
      expect(await keys({ login: 'b@example.com' })).toEqual(['acct']);
      expect(await keys({ source: 'admin' })).toEqual(['net6']);
      expect(await keys({ domain: 'example.com', key: 'acct' })).toEqual(['acct']);
    });
    test('clear removes and returns the matching blocks only', async () => {
      await store.putBlock(block({ key: 'one', login: 'a@example.com' }));
      await store.putBlock(block({ key: 'two', login: 'a@example.com', source: 'admin' }));
      await store.putBlock(block({ key: 'three', login: 'c@example.com' }));
      const gone = await store.clearBlocks({ login: 'a@example.com', source: 'bf' });
      expect(gone.map((b) => b.key)).toEqual(['one']);
      expect((await store.listBlocks({}, T)).map((b) => b.key).sort()).toEqual(['three', 'two']);
      expect(await store.clearBlocks({ key: 'nope' })).toEqual([]);
      expect((await store.clearBlocks({ domain: 'example.com', key: 'two' })).map((b) => b.key)).toEqual(['two']);
      expect(await store.getBlock('two', 'example.com', T)).toBeUndefined();
    });
  });

  describe('audit trail', () => {
    test('newest first, filtered by domain, subject prefix, since and limit', async () => {
      await store.appendAudit({ at: T, actor: 'cli:root', action: 'domain.add', subject: 'domain:a.org', domain: 'a.org' });
      await store.appendAudit({ at: T + 1, actor: 'bf', action: 'block', subject: 'pair:x', domain: 'a.org', after: { n: 1 } });
      await store.appendAudit({ at: T + 2, actor: 'api:ops', action: 'plugin.enable', subject: 'plugin:bf', domain: 'b.org', reason: 'why' });
      expect((await store.listAudit({})).map((e) => e.at)).toEqual([T + 2, T + 1, T]);
      expect((await store.listAudit({ domain: 'a.org' })).map((e) => e.at)).toEqual([T + 1, T]);
      expect((await store.listAudit({ subjectPrefix: 'plugin:' })).map((e) => e.actor)).toEqual(['api:ops']);
      expect((await store.listAudit({ since: T + 1 })).map((e) => e.at)).toEqual([T + 2, T + 1]);
      expect((await store.listAudit({ limit: 1 })).map((e) => e.at)).toEqual([T + 2]);
      expect((await store.listAudit({ domain: 'a.org', limit: 1 }))[0]).toEqual({ at: T + 1, actor: 'bf', action: 'block', subject: 'pair:x', domain: 'a.org', after: { n: 1 } });
    });
  });

  describe('change notification', () => {
    test('a publish is heard by this process; an unsubscribed listener hears nothing', async () => {
      const heard: ChangeChannel[] = [];
      const other: ChangeChannel[] = [];
      store.subscribe((c) => heard.push(c));
      const off = store.subscribe((c) => other.push(c));
      off();
      await store.publish('blocks');
      await store.publish('settings');
      expect(heard).toEqual(['blocks', 'settings']);
      expect(other).toEqual([]);
    });
  });
}
