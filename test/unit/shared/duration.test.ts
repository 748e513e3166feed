import { DURATION_EXAMPLES, formatDuration, MAX_DURATION_MS, parseDuration } from '../../../shared';

describe('one duration grammar: 90s, 1h30m, 2d', () => {
  test.each([
    ['90s', 90_000],
    ['45m', 2_700_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['1w2d', 777_600_000],
    ['1d2h3m4s', 93_784_000],
    ['0h5m', 300_000],
  ])('%s', (text, ms) => {
    expect(parseDuration(text, '--for')).toBe(ms);
  });

  test.each([
    ['', 'it is empty'],
    ['90', 'a number needs a unit'],
    ['1h30', 'the last number has no unit'],
    ['h', 'has no number before it'],
    ['30m1h', 'units go from the largest to the smallest, each once ("h" at position 5)'],
    ['1h1h', 'units go from the largest to the smallest'],
    ['1.5h', '"." at position 2 is not a digit or a unit'],
    ['-1h', '"-" at position 1'],
    ['2 h', '" " at position 2'],
    ['2H', '"H" at position 2'],
    ['0s', 'it is zero'],
    ['4000d', 'longer than ten years'],
    ['9'.repeat(40) + 's', 'longer than 32 characters'],
  ])('%j is refused: %s', (text, why) => {
    expect(() => parseDuration(text, '--older-than')).toThrow(why);
    expect(() => parseDuration(text, '--older-than')).toThrow(`--older-than "`);
    expect(() => parseDuration(text, '--older-than')).toThrow(`(e.g. ${DURATION_EXAMPLES})`);
  });

  test('attacker-sized input is refused by its length, not read', () => {
    const huge = '1'.repeat(1_000_000) + 'x';
    let message = '';
    try {
      parseDuration(huge, '--for');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('longer than 32 characters');
    expect(message.length).toBeLessThan(200);
  });

  test('the limit itself is accepted; formatDuration writes the grammar back', () => {
    expect(parseDuration('3650d', 'x')).toBe(MAX_DURATION_MS);
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(parseDuration(formatDuration(777_600_000), 'x')).toBe(777_600_000);
  });
});
