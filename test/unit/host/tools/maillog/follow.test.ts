import * as fs from 'node:fs';
import * as path from 'node:path';
import { LogTail } from '../../../../../host/tools/maillog/follow';
import { MAX_LINE } from '../../../../../host/tools/maillog/tokenizer';
import { tempDir } from '../../../../helpers/plugin-fixture';

function setup(o: { fromStart?: boolean } = {}) {
  const dir = tempDir('mw-tail-');
  const file = path.join(dir, 'mail.log');
  const lines: string[] = [];
  let overlong = 0;
  // Lines arrive latin1-decoded, as the scan reads them; UTF-8 text is decoded back here.
  const tail = new LogTail(file, (s, a, b) => lines.push(Buffer.from(s.slice(a, b), 'latin1').toString('utf8')), o, () => overlong++);
  return { dir, file, lines, tail, overlong: () => overlong };
}

test('follows from the end by default, and delivers only complete lines', () => {
  const t = setup();
  fs.writeFileSync(t.file, 'old 1\nold 2\n');
  t.tail.poll();
  expect(t.lines).toEqual([]);
  fs.appendFileSync(t.file, 'new 1\nnew 2 (unfin');
  t.tail.poll();
  expect(t.lines).toEqual(['new 1']);
  fs.appendFileSync(t.file, 'ished)\n');
  t.tail.poll();
  expect(t.lines).toEqual(['new 1', 'new 2 (unfinished)']);
  t.tail.close();
});

test('--from-start replays the file; a missing file is waited for', () => {
  const t = setup({ fromStart: true });
  expect(t.tail.poll()).toBe(0);
  fs.writeFileSync(t.file, 'a\nb\n');
  t.tail.poll();
  expect(t.lines).toEqual(['a', 'b']);
  t.tail.close();
});

test('rotation by rename + create: the old file is read to its end, then the new one from its start', () => {
  const t = setup();
  fs.writeFileSync(t.file, '');
  t.tail.poll();
  fs.appendFileSync(t.file, 'before rotation\n');
  t.tail.poll();
  fs.appendFileSync(t.file, 'written just before the rename\n');
  fs.renameSync(t.file, `${t.file}.1`);
  fs.writeFileSync(t.file, 'first in the new file\n');
  t.tail.poll();
  fs.appendFileSync(t.file, 'second in the new file\n');
  t.tail.poll();
  expect(t.lines).toEqual(['before rotation', 'written just before the rename', 'first in the new file', 'second in the new file']);
  t.tail.close();
});

test('rotation by copytruncate: reading starts again at 0', () => {
  const t = setup();
  fs.writeFileSync(t.file, '');
  t.tail.poll();
  fs.appendFileSync(t.file, 'line one is rather long\n');
  t.tail.poll();
  fs.copyFileSync(t.file, `${t.file}.1`);
  fs.truncateSync(t.file, 0);
  fs.appendFileSync(t.file, 'after\n');
  t.tail.poll();
  expect(t.lines).toEqual(['line one is rather long', 'after']);
  t.tail.close();
});

test('lines past the scan cap are skipped and counted once (same splitter as logs scan); multi-byte characters survive read boundaries', () => {
  const t = setup({ fromStart: true });
  const utf = 'é'.repeat(40_000);
  fs.writeFileSync(t.file, `${'x'.repeat(MAX_LINE + 1000)}\n${'é'.repeat(3000)}\n${utf}\nshort\n`);
  t.tail.poll();
  expect(t.lines).toEqual(['é'.repeat(3000), 'short']);
  expect(t.overlong()).toBe(2);
  t.tail.close();
});
