import * as fs from 'node:fs';
import * as path from 'node:path';
import { LogStats } from '../../../../../host/tools/maillog/log-stats';
import { buildReport } from '../../../../../host/tools/maillog/scan-report';

const NOW = Date.UTC(2026, 11, 1);
const fixtures = ['shapes.log', 'formats.log'].map((f) => path.join(__dirname, '../../../../fixtures/maillog', f));

function stats(lines: string[], keepOrphans: boolean): LogStats {
  const s = new LogStats({ now: NOW, keepOrphans });
  for (const l of lines) s.line(l, 0, l.length);
  return s;
}

function report(s: LogStats) {
  return buildReport(s, 20);
}

// What worker threads do with a large file: ranges scanned apart, each range's state (queue IDs as text) merged in order.
// The first range is the main thread's own (a whole scan's start: nothing before it), as in scan.ts.
test.each(fixtures)('a log cut anywhere into two ranges and merged counts as the whole: %s', (file) => {
  const lines = fs.readFileSync(file, 'latin1').trimEnd().split('\n');
  const whole = report(stats(lines, false));
  for (let cut = 1; cut < lines.length; cut++) {
    const first = stats(lines.slice(0, cut), false);
    first.absorb(structuredClone(stats(lines.slice(cut), true).toState()));
    expect({ cut, report: report(first) }).toEqual({ cut, report: whole });
  }
});

// More threads, more cuts: a merged state is what the next range's orphans and Dovecot summaries are matched against.
test.each(fixtures)('a log cut anywhere into three ranges and merged counts as the whole: %s', (file) => {
  const lines = fs.readFileSync(file, 'latin1').trimEnd().split('\n');
  const whole = report(stats(lines, false));
  for (let a = 1; a < lines.length - 1; a++) {
    for (let b = a + 1; b < lines.length; b++) {
      const first = stats(lines.slice(0, a), false);
      first.absorb(structuredClone(stats(lines.slice(a, b), true).toState()));
      first.absorb(structuredClone(stats(lines.slice(b), true).toState()));
      expect({ a, b, report: report(first) }).toEqual({ a, b, report: whole });
    }
  }
});
