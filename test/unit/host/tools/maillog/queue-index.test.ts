import { QueueIndex, queueIdOf, queueKeyOf } from '../../../../../host/tools/maillog/queue-index';

describe('queue keys: short IDs as numbers, others as text', () => {
  test('every ID comes back from its key, and IDs that differ only in leading zeros are different keys', () => {
    const ids = ['A1B2C', '0A1B2C', '00A1B2C', '4F2A01C3B', 'FFFFFFFFFFFF', '000000000000', 'FFFFFFFFFFFFF', 'NOQUEUE', '3wmsFw0Vxhz1yFY', '4Xyz0z1234abcd'];
    const keys = ids.map(queueKeyOf);
    expect(keys.map(queueIdOf)).toEqual(ids);
    expect(new Set(keys).size).toBe(ids.length);
    expect(typeof queueKeyOf('4F2A01C3B')).toBe('number');
    expect(typeof queueKeyOf('FFFFFFFFFFFFF')).toBe('string');
    expect(typeof queueKeyOf('3wmsFw0Vxhz1yFY')).toBe('string');
  });

  test('the index forgets the oldest message first past its cap', () => {
    const q = new QueueIndex<number>(2);
    q.set(queueKeyOf('A0001'), 1);
    q.set(queueKeyOf('A0002'), 2);
    q.set(queueKeyOf('A0003'), 3);
    expect(q.get(queueKeyOf('A0001'))).toBeUndefined();
    expect([...q.entries()].map(([k, v]) => [queueIdOf(k), v])).toEqual([['A0002', 2], ['A0003', 3]]);
  });

  test.each([[50, 1], [640, 10]])('past a cap of %i, through deletes, updates, re-adds and clears, it forgets the %i oldest at a time, as a Map forgetting its first keys would', (cap, batch) => {
    // The reference: a Map whose oldest are found afresh each time (the simple way).
    const model = new Map<number, number>();
    const q = new QueueIndex<number>(cap);
    let seed = 7;
    let filled = 0;
    // A 32-bit LCG (in integer arithmetic: a product past 2^53 would lose its low bits and cycle early).
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    for (let i = 0; i < 20_000; i++) {
      const k = queueKeyOf(`A${String(rnd(cap * 8)).padStart(5, '0')}`) as number;
      const op = rnd(10);
      if (op < 6) {
        if (model.size >= cap && !model.has(k)) {
          for (let n = 0; n < batch; n++) model.delete(model.keys().next().value as number);
          filled++;
        }
        model.set(k, i);
        q.set(k, i);
      } else if (op < 9) {
        model.delete(k);
        q.delete(k);
      } else if (rnd(100) === 0) {
        model.clear();
        q.clear();
      }
      if (i % 97 === 0) expect([...q.entries()]).toEqual([...model.entries()]);
    }
    expect([...q.entries()]).toEqual([...model.entries()]);
    expect(q.size).toBe(model.size);
    expect(q.size).toBeLessThanOrEqual(cap);
    expect(filled).toBeGreaterThan(100);
  });
});
