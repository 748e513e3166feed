import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRangeSync } from '../../../../../host/tools/maillog/byte-source';
import { produce } from '../../../../../host/tools/maillog/line-producer';
import { DEFAULT_GEOMETRY, EMPTY, FULL, LineRing, type RingGeometry } from '../../../../../host/tools/maillog/line-ring';
import { LogStats } from '../../../../../host/tools/maillog/log-stats';
import { buildReport } from '../../../../../host/tools/maillog/scan-report';
import { MAX_LINE } from '../../../../../host/tools/maillog/tokenizer';
import { tempDir } from '../../../../helpers/plugin-fixture';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { generate } = require('../../../../../bench/gen-maillog.js');

const NOW = Date.UTC(2026, 11, 1);
const fixtures = ['shapes.log', 'formats.log'].map((f) => fs.readFileSync(path.join(__dirname, '../../../../fixtures/maillog', f), 'latin1'));
const dir = tempDir('mw-line-ring-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * The two stages in one thread: the consumer's side runs whenever the
 * producer waits for a slot, so the ring's hand-over is what the test
 * exercises, not the threads (logs.test.ts runs those).
 */
class InlineRing extends LineRing {
  private next = 0;
  done = false;
  slotsFilled = 0;

  constructor(geometry: RingGeometry, private readonly stats: LogStats) {
    super(geometry);
  }

  override waitEmpty(slot: number): void {
    while (this.state(slot) !== EMPTY) this.consumeOne();
  }

  consumeOne(): void {
    const s = this.next;
    expect(this.state(s)).toBe(FULL);
    this.stats.records(this.bytesOf(s), this.recordsOf(s), this.lines(s));
    this.slotsFilled++;
    this.done = this.last(s);
    this.release(s);
    this.next = (s + 1) % this.slots;
  }
}

function viaRing(file: string, geometry: RingGeometry): { stats: LogStats; ring: InlineRing } {
  const stats = new LogStats({ now: NOW, keepUnparsed: 100 });
  const ring = new InlineRing(geometry, stats);
  produce(file, 0, ring);
  while (!ring.done) ring.consumeOne();
  return { stats, ring };
}

function viaLineReader(file: string): LogStats {
  const stats = new LogStats({ now: NOW, keepUnparsed: 100 });
  readRangeSync(file, 0, Infinity, stats);
  return stats;
}

const write = (name: string, content: string | Buffer): string => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, content);
  return f;
};

const corpus = fixtures.join('');
const long = `Jun  1 08:34:30 mx postfix/smtpd[1]: ${'x'.repeat(MAX_LINE + 10)}`;
const inputs: Array<[string, string]> = [
  ['the fixtures', corpus],
  ['CRLF line ends', corpus.replace(/\n/g, '\r\n')],
  ['no newline at the end', corpus.trimEnd()],
  ['empty and short lines between', corpus.split('\n').join('\n\n x\n')],
  ['an overlong line in the middle', `${fixtures[0]}${long}\n${fixtures[1]}`],
  ['an overlong line at the end, no newline', `${corpus}${long}`],
  ['a line of exactly the limit, and one past it', `${fixtures[0]}${'y'.repeat(MAX_LINE)}\n${'z'.repeat(MAX_LINE + 1)}\n${fixtures[1]}`],
  ['nothing', ''],
];
const geometries: RingGeometry[] = [
  DEFAULT_GEOMETRY,
  { slots: 2, readBytes: 7, slotLines: 2 },
  { slots: 3, readBytes: 64, slotLines: 3 },
  { slots: 2, readBytes: 1000, slotLines: 50 },
  { slots: 4, readBytes: 20_000, slotLines: 4 },
];

describe('the line ring between the two stages of a scan', () => {
  test.each(inputs)('%s: counted through the ring as read line by line, with any ring', (name, content) => {
    const file = write(`${name.replace(/\W+/g, '-')}.log`, Buffer.from(content, 'latin1'));
    const want = buildReport(viaLineReader(file), 50);
    for (const geometry of geometries) {
      const { stats } = viaRing(file, geometry);
      expect({ geometry, report: buildReport(stats, 50), samples: stats.unparsedSamples }).toEqual({ geometry, report: want, samples: viaLineReader(file).unparsedSamples });
    }
  });

  test('a generated log crosses thousands of slots and counts as read line by line', () => {
    const file = path.join(dir, 'generated.log');
    generate(file, 4000, 3);
    const want = buildReport(viaLineReader(file), 50);
    expect(want.lines).toBeGreaterThanOrEqual(4000);
    const { stats, ring } = viaRing(file, { slots: 3, readBytes: 300, slotLines: 2 });
    expect(buildReport(stats, 50)).toEqual(want);
    // Two lines a slot at most, so every line past the first of each slot crossed a hand-over.
    expect(ring.slotsFilled).toBeGreaterThan(want.lines / 2);
  });

  test('a slot capped at its lines passes the rest of what it read to the next one', () => {
    // 1000 lines of 20 bytes in one read of 64 KB, 10 lines a slot: the read is carried over 100 slots.
    const file = write('short.log', 'Jun  1 08:34:30 a b\n'.repeat(1000));
    const { stats, ring } = viaRing(file, { slots: 2, readBytes: 65_536, slotLines: 11 });
    expect(stats.lines).toBe(1000);
    expect(ring.slotsFilled).toBeGreaterThanOrEqual(100);
  });

  test('a ring of another shape than the buffer it is given is refused, naming both sizes', () => {
    const ring = new LineRing({ slots: 2, readBytes: 100, slotLines: 2 });
    expect(() => new LineRing({ slots: 3, readBytes: 100, slotLines: 2 }, ring.buffer)).toThrow(/line ring: \d+ bytes, expected \d+/);
    expect(() => new LineRing({ slots: 1, readBytes: 100, slotLines: 2 })).toThrow(/bad geometry/);
  });
});
