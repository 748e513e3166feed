import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';
import { everyMasterAnswers, keyInSlots } from '../../../../../host/core/state/cluster-probe';

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

describe('everyMasterAnswers', () => {
  /** A stand-in for the two commands it sends (the real cluster is in test/integration/cluster). */
  function fakeCluster(slots: unknown[], failFor?: string) {
    const asked: string[] = [];
    const c = {
      cluster: async (sub: string) => (sub === 'SLOTS' ? slots : Promise.reject(new Error(sub))),
      get: async (k: string) => {
        asked.push(k);
        if (failFor !== undefined && calculateSlot(k) >= Number(failFor)) throw new Error('Command timed out');
        return null;
      },
    };
    return { c: c as unknown as Cluster, asked };
  }

  test('one read per master, in the widest of its ranges, however many it holds', async () => {
    const { c, asked } = fakeCluster([
      [0, 0, ['10.0.0.1', 7000, 'aaa']],
      [1, 199, ['10.0.0.2', 7001, 'bbb']],
      [200, 16383, ['10.0.0.1', 7000, 'aaa']],
    ]);
    await everyMasterAnswers(c, 'mw:');
    expect(asked).toHaveLength(2);
    expect(calculateSlot(asked[0])).toBeGreaterThanOrEqual(200);
    expect(calculateSlot(asked[1])).toBeGreaterThanOrEqual(1);
    expect(calculateSlot(asked[1])).toBeLessThanOrEqual(199);
  });

  test('masters without a node id (or with an unknown endpoint) are told apart by address', async () => {
    const { c, asked } = fakeCluster([
      [0, 8191, ['?', 7000]],
      [8192, 16383, ['?', 7001]],
    ]);
    await everyMasterAnswers(c, 'mw:');
    expect(asked).toHaveLength(2);
  });

  test('one master that does not answer fails the whole answer', async () => {
    const { c } = fakeCluster([
      [0, 8191, ['10.0.0.1', 7000, 'aaa']],
      [8192, 16383, ['10.0.0.2', 7001, 'bbb']],
    ], '8192');
    await expect(everyMasterAnswers(c, 'mw:')).rejects.toThrow('Command timed out');
  });
});
