import { MAX_DISTINCT_MEMBERS, WindowedCounters } from '../../../../../host/core/state/windowed-counters';
import { tempDir } from '../../../../helpers/plugin-fixture';

/** The rules written as plainly as possible: every event kept in a list, filtered on each question. */
class Model {
  series = new Map<string, { ev: Array<[number, number]>; window: number }>();
  distinct = new Map<string, { seen: Map<string, number>; window: number }>();

  hit(key: string, w: number, now: number, by: number): number {
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { ev: [], window: w }));
    s.window = Math.max(s.window, w);
    if (by !== 0) s.ev.push([now, by]);
    return this.count(key, w, now);
  }
  count(key: string, w: number, now: number): number {
    const s = this.series.get(key);
    if (!s) return 0;
    s.ev = s.ev.filter(([t]) => t > now - s.window);
    return s.ev.filter(([t]) => w >= s.window || t > now - w).reduce((a, [, v]) => a + v, 0);
  }
  addDistinct(key: string, m: string, w: number, now: number): number {
    let d = this.distinct.get(key);
    if (!d) this.distinct.set(key, (d = { seen: new Map(), window: w }));
    d.window = Math.max(d.window, w);
    d.seen.delete(m);
    d.seen.set(m, now);
    if (d.seen.size > MAX_DISTINCT_MEMBERS) d.seen.delete(d.seen.keys().next().value as string);
    return this.members(key, w, now).length;
  }
  members(key: string, w: number, now: number): string[] {
    const d = this.distinct.get(key);
    if (!d) return [];
    for (const [m, t] of [...d.seen]) if (t <= now - d.window) d.seen.delete(m);
    return [...d.seen].filter(([, t]) => t > now - w).map(([m]) => m);
  }
  reset(key: string): void {
    if (!this.series.delete(key)) this.distinct.delete(key);
  }
  sweep(now: number): number {
    let gone = 0;
    for (const [k, s] of this.series) if (s.ev.length === 0 || s.ev[s.ev.length - 1][0] <= now - s.window) (this.series.delete(k), gone++);
    for (const [k, d] of this.distinct) if ([...d.seen.values()].every((t) => t <= now - d.window)) (this.distinct.delete(k), gone++);
    return gone;
  }
}

function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
}

test('an event exactly `window` ms old no longer counts (series and distinct, single and many)', () => {
  const c = new WindowedCounters();
  expect(c.hit('a', 1000, 0)).toBe(1);
  expect(c.count('a', 1000, 999)).toBe(1);
  expect(c.count('a', 1000, 1000)).toBe(0);
  c.hit('b', 1000, 0);
  c.hit('b', 1000, 500, 2);
  expect(c.count('b', 1000, 1000)).toBe(2);
  expect(c.count('b', 1000, 1499)).toBe(2);
  expect(c.count('b', 1000, 1500)).toBe(0);
  expect(c.addDistinct('d', 'x', 1000, 0)).toBe(1);
  expect(c.distinctMembers('d', 1000, 999)).toEqual(['x']);
  expect(c.distinctMembers('d', 1000, 1000)).toEqual([]);
  c.addDistinct('e', 'x', 1000, 0);
  expect(c.addDistinct('e', 'y', 1000, 400)).toBe(2);
  expect(c.distinctMembers('e', 1000, 999)).toEqual(['y', 'x']);
  expect(c.distinctMembers('e', 1000, 1000)).toEqual(['y']);
});

test('a shorter window is answered from the same key; windows only grow', () => {
  const c = new WindowedCounters();
  c.hit('k', 10_000, 0);
  c.hit('k', 1_000, 5_000);
  expect(c.count('k', 1_000, 5_500)).toBe(1);
  expect(c.count('k', 10_000, 5_500)).toBe(2);
  expect(c.count('k', 10_000, 10_000)).toBe(1);
});

test('behaves exactly like the plain model over random operations (with snapshot/restore and sweeps)', () => {
  const same = (where: string, got: unknown, want: unknown) => {
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${where}: got ${JSON.stringify(got)}, the model says ${JSON.stringify(want)}`);
  };
  for (let seed = 1; seed <= 12; seed++) {
    const r = rng(seed);
    let c = new WindowedCounters();
    const m = new Model();
    let now = 1_700_000_000_000;
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    const windows = [1000, 2000, 5000];
    for (let step = 0; step < 2500; step++) {
      now += Math.floor(r() * 3) * (r() < 0.2 ? 1000 : 137);
      const key = keys[Math.floor(r() * keys.length)];
      const w = windows[Math.floor(r() * windows.length)];
      const op = r();
      const where = `seed ${seed} step ${step}`;
      if (op < 0.25) {
        const by = Math.floor(r() * 3);
        same(where, c.hit(`s${key}`, w, now, by), m.hit(`s${key}`, w, now, by));
      } else if (op < 0.35) same(where, c.count(`s${key}`, w, now), m.count(`s${key}`, w, now));
      else if (op < 0.6) {
        const member = `m${Math.floor(r() * 4)}`;
        same(where, c.addDistinct(`d${key}`, member, w, now), m.addDistinct(`d${key}`, member, w, now));
      } else if (op < 0.7) same(where, c.distinctMembers(`d${key}`, w, now), m.members(`d${key}`, w, now).reverse());
      else if (op < 0.75) {
        const target = r() < 0.5 ? `s${key}` : `d${key}`;
        c.reset(target);
        m.reset(target);
      } else if (op < 0.78) same(where, c.sweep(now), m.sweep(now));
      else if (op < 0.8) {
        const next = new WindowedCounters();
        for (const k of keys.flatMap((x) => [`s${x}`, `d${x}`])) {
          const snap = c.snapshot(k);
          if (snap) next.restore(k, JSON.parse(JSON.stringify(snap)));
        }
        same(where, next.size, c.size);
        c = next;
      }
      same(where, c.size, m.series.size + m.distinct.size);
    }
  }
});

test('takeDirty reports changed keys with their snapshot, and nothing when change tracking is off', () => {
  const c = new WindowedCounters();
  c.hit('a', 1000, 0);
  c.addDistinct('b', 'x', 1000, 0);
  c.reset('a');
  const dirty = new Map(c.takeDirty());
  expect(dirty.get('a')).toBeUndefined();
  expect(dirty.has('a')).toBe(true);
  expect(dirty.get('b')).toEqual({ kind: 'distinct', window: 1000, entries: [['x', 0]] });
  expect(c.takeDirty()).toEqual([]);
  const quiet = new WindowedCounters({ trackChanges: false });
  quiet.hit('a', 1000, 0);
  expect(quiet.takeDirty()).toEqual([]);
});

test('a distinct set keeps at most MAX_DISTINCT_MEMBERS, dropping the oldest', () => {
  const c = new WindowedCounters();
  for (let i = 0; i <= MAX_DISTINCT_MEMBERS; i++) c.addDistinct('k', `m${i}`, 60_000, 0);
  const members = c.distinctMembers('k', 60_000, 1);
  expect(members).toHaveLength(MAX_DISTINCT_MEMBERS);
  expect(members).not.toContain('m0');
  expect(members[0]).toBe(`m${MAX_DISTINCT_MEMBERS}`);
});

test('freed slots are reused', () => {
  const c = new WindowedCounters();
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 5000; i++) c.hit(`k${i}`, 1000, round * 10_000);
    expect(c.sweep(round * 10_000 + 1000)).toBe(5000);
    expect(c.size).toBe(0);
  }
});

test('the SQLite store keeps counters across a restart through snapshots (single and many events)', async () => {
  const { SqliteStore } = await import('../../../../../host/core/state/sqlite-store');
  const file = require('node:path').join(tempDir('mw-wc-'), 'state.db');
  const now = Date.now();
  const a = new SqliteStore(file, { flushIntervalMs: 3_600_000, now: () => now });
  await a.hit('one', 60_000, now);
  await a.hit('two', 60_000, now - 10);
  await a.hit('two', 60_000, now, 2);
  await a.addDistinct('set1', 'x', 60_000, now);
  await a.addDistinct('set2', 'x', 60_000, now - 5);
  await a.addDistinct('set2', 'y', 60_000, now);
  await a.close();
  const b = new SqliteStore(file, { flushIntervalMs: 3_600_000, now: () => now });
  expect(await b.count('one', 60_000, now)).toBe(1);
  expect(await b.count('two', 60_000, now)).toBe(3);
  expect(await b.distinctMembers('set1', 60_000, now)).toEqual(['x']);
  expect(await b.distinctMembers('set2', 60_000, now)).toEqual(['y', 'x']);
  expect(await b.count('one', 60_000, now + 60_000)).toBe(0);
  await b.close();
});

describe('sliding windows', () => {
  test('an event counts while younger than the window and is gone exactly window ms later', () => {
    const c = new WindowedCounters();
    expect(c.hit('k', 1000, 10_000)).toBe(1);
    expect(c.hit('k', 1000, 10_500, 2)).toBe(3);
    expect(c.count('k', 1000, 10_999)).toBe(3);
    expect(c.count('k', 1000, 11_000)).toBe(2);
    expect(c.count('k', 1000, 11_499)).toBe(2);
    expect(c.count('k', 1000, 11_500)).toBe(0);
  });

  test('a shorter window asked of a longer-lived key counts only its own span', () => {
    const c = new WindowedCounters();
    c.hit('k', 3_600_000, 0);
    c.hit('k', 3_600_000, 1_800_000);
    expect(c.count('k', 3_600_000, 2_000_000)).toBe(2);
    expect(c.count('k', 600_000, 2_000_000)).toBe(1);
  });

  test('distinct members: a repeat counts once and refreshes; old ones leave the window', () => {
    const c = new WindowedCounters();
    expect(c.addDistinct('d', 'a', 1000, 0)).toBe(1);
    expect(c.addDistinct('d', 'a', 1000, 100)).toBe(1);
    expect(c.addDistinct('d', 'b', 1000, 200)).toBe(2);
    expect(c.distinctMembers('d', 1000, 1100)).toEqual(['b']);
    expect(c.addDistinct('d', 'a', 1000, 1150)).toBe(2);
    expect(c.distinctMembers('d', 1000, 1150)).toEqual(['a', 'b']);
  });

  test('sweep forgets idle keys; snapshot and restore keep the window', () => {
    const c = new WindowedCounters();
    c.hit('old', 100, 0);
    c.hit('live', 10_000, 0);
    c.addDistinct('set', 'x', 10_000, 0);
    expect(c.sweep(500)).toBe(1);
    const copy = new WindowedCounters();
    copy.restore('live', c.snapshot('live')!);
    copy.restore('set', c.snapshot('set')!);
    expect(copy.count('live', 10_000, 9_999)).toBe(1);
    expect(copy.count('live', 10_000, 10_000)).toBe(0);
    expect(copy.distinctMembers('set', 10_000, 5)).toEqual(['x']);
  });
});
