import { WindowedCounters } from '../../../host/state/windowed-counters';

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
