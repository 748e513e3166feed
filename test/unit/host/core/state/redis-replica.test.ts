import { LocalReplica, parseChange, type ReplicaChange } from '../../../../../host/core/state/redis-replica';

const NOW = Date.now();
const block = (key: string, expiresAt = NOW + 60_000) => JSON.stringify({ key, domain: 'd', reason: 'r', source: 's', createdAt: NOW, expiresAt, strikes: 1 });
const put = (v: number, name: string, node = 'other'): ReplicaChange => ({ v, node, op: 'B', name, value: block(name) });
const del = (v: number, name: string, node = 'other'): ReplicaChange => ({ v, node, op: 'b', name, value: '' });

/** The logic of the local read path, on a manual clock (real Redis is in test/integration/cluster). */
describe('LocalReplica', () => {
  let t = 0;
  const clock = () => t;
  let r: LocalReplica;
  beforeEach(() => {
    t = 1000;
    r = new LocalReplica(['h:lock:'], 1000, clock);
  });
  const load = (version: number, blocks: string[] = [], values: string[] = [], epoch = 'e1') => r.load({ epoch, version, blocks, values }, t);

  test('not trusted before its first snapshot, trusted after, and no longer once the bound has passed without proof', () => {
    expect(r.fresh()).toBe(false);
    load(5, ['d\u0000a', block('a')]);
    expect(r.fresh()).toBe(true);
    expect(r.block('d\u0000a', NOW)?.key).toBe('a');
    t += 1001;
    expect(r.fresh()).toBe(false);
    expect(r.observe(t, 'e1', 5)).toBe('ok');
    expect(r.fresh()).toBe(true);
  });

  test('changes apply in version order; a gap distrusts the copy until a snapshot', () => {
    load(5);
    expect(r.receive(put(6, 'x'))).toBe('applied');
    expect(r.receive(put(6, 'x'))).toBe('old');
    expect(r.block('x', NOW)).toBeDefined();
    expect(r.receive(put(8, 'y'))).toBe('gap');
    expect(r.fresh()).toBe(false);
  });

  test("a snapshot older than this node's own write does not undo it before the announcement arrives (read-your-writes)", () => {
    load(5, ['d\u0000gone', block('gone')]);
    r.local(put(6, 'mine', 'me'));
    r.local(del(7, 'd\u0000gone', 'me'));
    // A resync's snapshot taken before both writes arrives after them.
    load(5, ['d\u0000gone', block('gone')]);
    expect(r.block('mine', NOW)?.key).toBe('mine');
    expect(r.block('d\u0000gone', NOW)).toBeUndefined();
    // Their announcements then apply as usual; a snapshot that has them replaces the own copies.
    expect(r.receive(put(6, 'mine', 'me'))).toBe('applied');
    expect(r.receive(del(7, 'd\u0000gone', 'me'))).toBe('applied');
    load(9, []);
    expect(r.block('mine', NOW)).toBeUndefined();
  });

  test('own writes do not outlive a new epoch: Redis lost them with the rest', () => {
    load(5);
    r.local(put(6, 'mine', 'me'));
    load(1, [], [], 'e2');
    expect(r.block('mine', NOW)).toBeUndefined();
  });

  test('changes heard while a snapshot is read are replayed on top of it', () => {
    r.beginSnapshot();
    r.receive(put(4, 'old'));
    r.receive(put(6, 'new'));
    load(5, ['old', block('old')]);
    expect(r.block('new', NOW)).toBeDefined();
    expect(r.appliedVersion).toBe(6);
  });

  test('own writes apply at once; an older announcement never undoes a newer own write', () => {
    load(10);
    r.local(del(12, 'k', 'me'));
    r.local(put(13, 'p', 'me'));
    // Another node's older put of 'k' and older removal of 'p' arrive after.
    r.receive(put(11, 'k'));
    expect(r.block('k', NOW)).toBeUndefined();
    r.receive(put(12, 'p'));
    r.receive({ ...del(12, 'k', 'me') });
    expect(r.block('k', NOW)).toBeUndefined();
    r.receive(put(13, 'p', 'me'));
    expect(r.block('p', NOW)).toBeDefined();
  });

  test('a poll that finds a newer version trusts the copy once it is reached; a lost announcement forces a resync', () => {
    load(3);
    t += 900;
    expect(r.observe(t, 'e1', 4)).toBe('ok');
    t += 200;
    expect(r.fresh()).toBe(false);
    r.receive(put(4, 'z'));
    expect(r.fresh()).toBe(true);
    expect(r.observe(t, 'e1', 5)).toBe('ok');
    t += 250;
    expect(r.observe(t, 'e1', 5)).toBe('resync');
    expect(r.fresh()).toBe(false);
  });

  test('another epoch (Redis flushed or replaced) forces a resync', () => {
    load(3);
    expect(r.observe(t, 'e2', 0)).toBe('resync');
  });

  test('expired blocks are not returned; values are held only under the replicated prefixes', () => {
    load(1, ['gone', block('gone', NOW - 1)], ['h:lock:a', '{"v":1}']);
    expect(r.block('gone', NOW)).toBeUndefined();
    expect(r.value('h:lock:a')).toBe('{"v":1}');
    expect(r.replicates('h:lock:b')).toBe(true);
    expect(r.replicates('h:settings:x')).toBe(false);
  });

  test('announcements are parsed defensively', () => {
    expect(parseChange('[7,"n","B","d\\u0000k","{}"]')).toEqual({ v: 7, node: 'n', op: 'B', name: 'd\u0000k', value: '{}' });
    expect(parseChange('not json')).toBeUndefined();
    expect(parseChange('[7,"n","X","k",""]')).toBeUndefined();
  });
});
