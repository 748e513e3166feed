import { ByteIntern } from '../../../../../host/tools/maillog/byte-intern';

const line = (s: string) => Buffer.from(`x[${s}]y`, 'latin1');

test('one string per distinct slice, made once; the string is what make returns', () => {
  const made: string[] = [];
  const intern = new ByteIntern(100, (b, start, end) => {
    made.push(b.toString('latin1', start, end));
    return b.toString('latin1', start, end).toLowerCase();
  });
  const get = (s: string) => {
    const b = line(s);
    return intern.get(b, 2, b.length - 2);
  };
  expect(get('Admin@Example.com')).toBe('admin@example.com');
  expect(get('bob@example.com')).toBe('bob@example.com');
  expect(get('Admin@Example.com')).toBe('admin@example.com');
  // Two spellings are two entries, with equal strings.
  expect(get('admin@example.com')).toBe('admin@example.com');
  expect(made).toEqual(['Admin@Example.com', 'bob@example.com', 'admin@example.com']);
  expect(intern.size).toBe(3);
});

test('keeps every entry through growth, and past its cap makes the string afresh each time', () => {
  let calls = 0;
  const intern = new ByteIntern(3000, (b, start, end) => {
    calls++;
    return b.toString('latin1', start, end);
  });
  const keys = Array.from({ length: 4000 }, (_, i) => `user${i}@example.com`);
  for (const round of [1, 2]) {
    for (const k of keys) {
      const b = line(k);
      expect(intern.get(b, 2, b.length - 2)).toBe(k);
    }
    expect(intern.size).toBe(3000);
    // The first 3000 are made once; the 1000 past the cap, on every lookup.
    expect(calls).toBe(3000 + 1000 * round);
  }
});
