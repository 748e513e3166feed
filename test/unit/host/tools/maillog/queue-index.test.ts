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
});
