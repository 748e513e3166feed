import * as fs from 'node:fs';
import * as path from 'node:path';
import { createCliLogger, createLogger, isJournalStream, logFormatFor, syslogPriority, textLine } from '../../../../../host/core/services/logger';
import { tempDir } from '../../../../helpers/plugin-fixture';

class Lines {
  text = '';
  isTTY = false;
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

describe('log lines journald can filter by level, text on a terminal', () => {
  test('pino levels map to syslog priorities (journalctl -p warning keeps warn, error, fatal)', () => {
    expect([10, 20, 30, 40, 50, 60].map(syslogPriority)).toEqual([7, 7, 6, 4, 3, 2]);
  });

  test('journal format: each JSON line starts with its <priority>', () => {
    const out = new Lines();
    const log = createLogger('debug', out as never, { format: 'journal' });
    log.debug('d');
    log.info({ login: 'a@b' }, 'i');
    log.warn('w');
    log.error('e');
    const lines = out.text.trimEnd().split('\n');
    expect(lines.map((l) => l.slice(0, l.indexOf('{')))).toEqual(['<7>', '<6>', '<4>', '<3>']);
    expect(JSON.parse(lines[1].slice(3))).toMatchObject({ level: 30, msg: 'i', login: 'a@b', name: 'mailwarden' });
  });

  test('secrets stay redacted in every format', () => {
    for (const format of ['json', 'journal', 'text'] as const) {
      const out = new Lines();
      createLogger('info', out as never, { format }).warn({ password: 'hunter2', user: { token: 't0k' } }, 'x');
      expect(out.text).not.toMatch(/hunter2|t0k/);
    }
  });

  test('JOURNAL_STREAM counts only when it names this very stream (device:inode)', () => {
    const file = path.join(tempDir('mw-journal-'), 'out');
    const fd = fs.openSync(file, 'w');
    try {
      const st = fs.fstatSync(fd);
      expect(isJournalStream(fd, { JOURNAL_STREAM: `${st.dev}:${st.ino}` })).toBe(true);
      expect(isJournalStream(fd, { JOURNAL_STREAM: `${st.dev}:${st.ino + 1}` })).toBe(false);
      expect(isJournalStream(fd, {})).toBe(false);
      expect(logFormatFor(fd, true, { JOURNAL_STREAM: `${st.dev}:${st.ino}` })).toBe('journal');
      expect(logFormatFor(fd, true, {})).toBe('text');
      expect(logFormatFor(fd, false, {})).toBe('json');
    } finally {
      fs.closeSync(fd);
    }
  });

  test('the CLI writes its warnings as text to a terminal, as JSON lines to a pipe', () => {
    const tty = Object.assign(new Lines(), { isTTY: true });
    createCliLogger('warn', tty as never, {}).warn({ file: '/var/log/mail.log', skipped: 3 }, 'lines skipped');
    expect(tty.text).toBe('mailwarden: warning: lines skipped (file=/var/log/mail.log, skipped=3)\n');
    const pipe = new Lines();
    createCliLogger('warn', pipe as never, {}).warn('w');
    expect(JSON.parse(pipe.text)).toMatchObject({ level: 40, msg: 'w' });
  });

  test('a line that is not JSON passes through the text format unchanged', () => {
    expect(textLine('plain\n')).toBe('plain\n');
  });
});
