import calculateSlot from 'cluster-key-slot';
import { keyInSlots } from '../../../../../host/core/state/cluster-probe';

describe('keyInSlots (the key a Cluster probe reads to ask one master)', () => {
  test.each([
    [0, 5460],
    [5461, 10922],
    [10923, 16383],
    [0, 0],
    [16383, 16383],
    [7000, 7001],
  ])('slots %i-%i: a key of the store\'s own in that range', (start, end) => {
    const k = keyInSlots('mailwarden:', start, end);
    expect(k.startsWith('mailwarden:{probe:')).toBe(true);
    const slot = calculateSlot(k);
    expect(slot).toBeGreaterThanOrEqual(start);
    expect(slot).toBeLessThanOrEqual(end);
  });

  test.each([
    [20000, 20001],
    [5, 4],
    [-1, 3],
    [1.5, 3],
  ])('slots %p-%p are not a range of slots: an error naming them, not a search', (start, end) => {
    expect(() => keyInSlots('mailwarden:', start, end)).toThrow(`not a range of Redis Cluster slots: ${start}-${end}`);
  });

  test('the same range gives the same key; another prefix, its own', () => {
    expect(keyInSlots('a:', 100, 200)).toBe(keyInSlots('a:', 100, 200));
    expect(keyInSlots('b:', 100, 200).startsWith('b:{probe:')).toBe(true);
  });
});
