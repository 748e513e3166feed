import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRangeSync } from '../../../../../host/tools/maillog/byte-source';
import { produce } from '../../../../../host/tools/maillog/line-producer';
import { DEFAULT_GEOMETRY, LineRing, READ, type RingGeometry } from '../../../../../host/tools/maillog/line-ring';
import { LogStats, type StatsOptions } from '../../../../../host/tools/maillog/log-stats';
import { RingFeeder } from '../../../../../host/tools/maillog/ring-feeder';
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
 * The two stages in one thread: the counting side (the feeder: reads, then
 * counts) runs whenever the producer waits for a slot, so the ring's
 * hand-overs are what the test exercises, not the threads (logs.test.ts
 * runs those).
 */
class InlineRing extends LineRing {
  feeder!: RingFeeder;
  handOvers = 0;

  override waitRead(slot: number): void {
    while (this.state(slot) !== READ) {
      this.feeder.fill();
      if (this.state(slot) === READ) return;
      // Nothing read into it and nothing to count: the stages would wait on each other for ever.
      expect(this.feeder.countNext()).toBe(true);
      this.handOvers++;
    }
  }
}

function viaRing(file: string, geometry: RingGeometry, window: StatsOptions = {}): { stats: LogStats; ring: InlineRing } {
  const stats = new LogStats({ now: NOW, keepUnparsed: 100, ...window });
  const ring = new InlineRing(geometry);
  const fd = fs.openSync(file, 'r');
  ring.feeder = new RingFeeder(ring, fd, 0, (b, r, n) => stats.records(b, r, n));
  produce(ring);
  for (; !ring.feeder.done; ring.handOvers++) expect(ring.feeder.countNext()).toBe(true);
  fs.closeSync(fd);
  expect(ring.feeder.bytes).toBe(fs.statSync(file).size);
  return { stats, ring };
}

function viaLineReader(file: string, window: StatsOptions = {}): LogStats {
  const stats = new LogStats({ now: NOW, keepUnparsed: 100, ...window });
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
    // A record for one line and one for the unfinished line a slot: a hand-over for every line.
    expect(ring.handOvers).toBeGreaterThanOrEqual(want.lines);
    // --since/--until: the window is applied to the records as to lines read one by one.
    const window = { since: Date.UTC(2026, 5, 1, 0, 0, 20), until: Date.UTC(2026, 5, 1, 0, 0, 50) };
    const inWindow = buildReport(viaLineReader(file, window), 50);
    expect(inWindow.outsideWindow).toBeGreaterThan(0);
    expect(inWindow.postfixLines).toBeGreaterThan(0);
    expect(buildReport(viaRing(file, { slots: 3, readBytes: 300, slotLines: 2 }, window).stats, 50)).toEqual(inWindow);
  });

  test('a slot with more lines than records goes back and forth until they are all counted', () => {
    // 1000 lines of 20 bytes in one read of 64 KB, 10 records a slot: the slot is counted 100 times.
    const file = write('short.log', 'Jun  1 08:34:30 a b\n'.repeat(1000));
    const { stats, ring } = viaRing(file, { slots: 2, readBytes: 65_536, slotLines: 11 });
    expect(stats.lines).toBe(1000);
    expect(ring.handOvers).toBeGreaterThanOrEqual(100);
  });

  test('a ring of another shape than the buffer it is given is refused, naming both sizes', () => {
    const ring = new LineRing({ slots: 2, readBytes: 100, slotLines: 2 });
    expect(() => new LineRing({ slots: 3, readBytes: 100, slotLines: 2 }, ring.buffer)).toThrow(/line ring: \d+ bytes, expected \d+/);
    expect(() => new LineRing({ slots: 1, readBytes: 100, slotLines: 2 })).toThrow(/bad geometry/);
  });
});
