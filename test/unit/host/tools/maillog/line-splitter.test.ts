import { LineReader } from '../../../../../host/tools/maillog/line-splitter';
import { MAX_LINE } from '../../../../../host/tools/maillog/tokenizer';

/** The lines (and overlong reports) of `input` fed in chunks of `size` bytes. */
function split(input: Buffer, size: number): string[] {
  const out: string[] = [];
  const r = new LineReader((b, start, end) => out.push(b.toString('latin1', start, end)), () => out.push('(overlong)'));
  for (let i = 0; i < input.length; i += size) r.push(input.subarray(i, i + size));
  r.end();
  return out;
}

describe('LineReader (bytes, offsets into the chunk read)', () => {
  test('every chunk size gives the same lines: lines across chunks, CRLF, empty lines, a last line without newline', () => {
    const input = Buffer.from('first line\r\nsecond\n\nthird \xe9t\xe9\r\n\r\nlast without newline', 'latin1');
    const whole = split(input, input.length);
    expect(whole).toEqual(['first line', 'second', '', 'third \xe9t\xe9', '', 'last without newline']);
    for (let size = 1; size < input.length; size++) expect(split(input, size)).toEqual(whole);
  });

  test('a line past MAX_LINE is reported once, whether it arrives whole or in pieces; the lines around it are intact', () => {
    const long = 'x'.repeat(MAX_LINE + 1);
    const exact = 'y'.repeat(MAX_LINE);
    const input = Buffer.from(`before\n${long}\n${exact}\r\nafter\n${long}`, 'latin1');
    const want = ['before', '(overlong)', exact, 'after', '(overlong)'];
    for (const size of [input.length, 65536, 4096, 1000, 7]) expect(split(input, size)).toEqual(want);
  });

  test('the bytes a line is handed in end with it: a line joined across chunks is not followed by earlier bytes', () => {
    const seen: number[] = [];
    const r = new LineReader((b, start, end) => seen.push(b.length - end), () => undefined);
    r.push(Buffer.from('a long first line that fills the carry buffer with bytes\nshort', 'latin1'));
    r.push(Buffer.from('\n', 'latin1'));
    r.end();
    // The second line was joined in the carry buffer: nothing after its end.
    expect(seen[1]).toBe(0);
  });
});
