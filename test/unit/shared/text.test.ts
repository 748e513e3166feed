import { isUnsafeForDisplay, oneLine, unsafeCharIndex } from '../../../shared/text';

test('unsafe for display: C0, DEL, C1, line/paragraph separators, bidi embeddings, overrides, isolates and marks', () => {
  const unsafe = [0x00, 0x0a, 0x1b, 0x7f, 0x80, 0x85, 0x9b, 0x9f, 0x2028, 0x2029, 0x202a, 0x202e, 0x2066, 0x2069, 0x200e, 0x200f, 0x061c];
  for (const c of unsafe) expect([c, isUnsafeForDisplay(c)]).toEqual([c, true]);
  // Letters of any script, NBSP, zero-width joiner (needed by some scripts and emoji) stay.
  for (const c of [0x20, 0x41, 0xa0, 0xe9, 0x0639, 0x200d, 0x2030, 0x2065, 0x206a]) expect([c, isUnsafeForDisplay(c)]).toEqual([c, false]);
  expect(unsafeCharIndex('alice')).toBe(-1);
  expect(unsafeCharIndex('ali\u202ece')).toBe(3);
});

test('oneLine: each run of unsafe characters and spaces is one space, trimmed; other text is kept as typed', () => {
  expect(oneLine('  office\r\n\r\n  relay\u0085\u202e(evil)\u2028 ')).toBe('office relay (evil)');
  expect(oneLine('Café — bureau n°2')).toBe('Café — bureau n°2');
  expect(oneLine('\n\t\u2029')).toBe('');
});
