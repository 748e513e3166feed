import { MAX_LINE, newLineParts, scanLine } from '../../../../../host/tools/maillog/tokenizer';

interface ParsedLine {
  /** The timestamp as written (BSD syslog has no year). */
  readonly time: string;
  readonly host?: string;
  /** `postfix/smtpd`, `postfix-incoming/smtpd`, `postfix/submission/smtpd`… */
  readonly tag: string;
  /** The program: the tag's last component (`smtpd`). */
  readonly program: string;
  readonly pid?: number;
  /** Short or long queue ID, or NOQUEUE. */
  readonly queueId?: string;
  /** Everything after `tag[pid]: ` (and after `QID: `). */
  readonly message: string;
}

/** scanLine's offsets turned into strings, to compare whole lines in tests. */
function parseLine(line: string): ParsedLine | undefined {
  let end = line.length;
  if (end > 0 && line.charCodeAt(end - 1) === 10) end--;
  if (end > 0 && line.charCodeAt(end - 1) === 13) end--;
  const p = newLineParts();
  if (!scanLine(line, 0, end, p)) return undefined;
  return {
    time: line.slice(p.timeStart, p.timeEnd),
    ...(p.hostStart >= 0 ? { host: line.slice(p.hostStart, p.hostEnd) } : {}),
    tag: line.slice(p.tagStart, p.tagEnd),
    program: line.slice(p.progStart, p.tagEnd),
    ...(p.pidStart >= 0 ? { pid: Number(line.slice(p.pidStart, p.pidEnd)) } : {}),
    ...(p.qidStart >= 0 ? { queueId: line.slice(p.qidStart, p.qidEnd) } : {}),
    message: line.slice(p.msgStart, end),
  };
}


describe('scanLine (the one tokenizer: offsets only, no allocation)', () => {
  test.each([
    ['BSD, one-space day', 'Aug 3 15:30:49 ksusha postfix/smtpd[17041]: x', 'Aug 3 15:30:49', 'ksusha'],
    ['BSD, space-padded day', 'Aug  3 15:30:49 mx postfix/smtpd[1]: x', 'Aug  3 15:30:49', 'mx'],
    ['maillog_file, zero-padded day, host with a domain', 'Aug 03 15:30:49 mx.example.com postfix/smtpd[1]: x', 'Aug 03 15:30:49', 'mx.example.com'],
    ['BSD with the year before', '2026 Aug  3 15:30:49 mx postfix/smtpd[1]: x', '2026 Aug  3 15:30:49', 'mx'],
    ['BSD with the year between day and time', 'Aug  3 2026 15:30:49 mx postfix/smtpd[1]: x', 'Aug  3 2026 15:30:49', 'mx'],
    ['BSD with the year after the time', 'Aug  3 15:30:49 2026 mx postfix/smtpd[1]: x', 'Aug  3 15:30:49 2026', 'mx'],
    ['journalctl -o short-precise', 'Aug  3 15:30:49.123456 mx postfix/smtpd[1]: x', 'Aug  3 15:30:49.123456', 'mx'],
    ['journalctl -o short-iso', '2026-08-03T15:30:49+0200 mx postfix/smtpd[1]: x', '2026-08-03T15:30:49+0200', 'mx'],
    ['journalctl -o short-iso-precise', '2026-08-03T15:30:49.123456+0200 mx postfix/smtpd[1]: x', '2026-08-03T15:30:49.123456+0200', 'mx'],
    ['RFC 3339, rsyslog high precision', '2026-08-03T15:30:49.123456-05:00 mx postfix/smtpd[1]: x', '2026-08-03T15:30:49.123456-05:00', 'mx'],
    ['RFC 3339 in UTC', '2026-08-03T15:30:49Z mx postfix/smtpd[1]: x', '2026-08-03T15:30:49Z', 'mx'],
    ["Dovecot's log file with log_timestamp %Y-%m-%d %H:%M:%S", '2026-08-03 15:30:49 auth: Info: x', '2026-08-03 15:30:49', undefined],
    ["Dovecot's log file, default timestamp", 'Aug 03 15:30:49 imap-login: Info: x', 'Aug 03 15:30:49', undefined],
  ])('%s', (_name, line, time, host) => {
    expect(parseLine(line)).toMatchObject({ time, ...(host ? { host } : {}) });
    expect(parseLine(line)!.host).toBe(host);
  });

  test('tags: instances and services, a bare program name, Dovecot worker tags', () => {
    expect(parseLine('Aug  3 15:30:49 mx postfix-out/smtpd[1]: x')).toMatchObject({ tag: 'postfix-out/smtpd', program: 'smtpd' });
    expect(parseLine('Aug  3 15:30:49 mx postfix/smtps/smtpd[1]: x')).toMatchObject({ tag: 'postfix/smtps/smtpd', program: 'smtpd' });
    expect(parseLine('Aug  3 15:30:49 mx smtpd[1]: x')).toMatchObject({ tag: 'smtpd', program: 'smtpd', pid: 1 });
    expect(parseLine('Aug  3 15:30:49 auth-worker(22401): Info: x')).toMatchObject({ tag: 'auth-worker(22401)', message: 'Info: x' });
    // Dovecot 2.4's own log file: the service, then its request (user, address, mechanism) and session.
    expect(parseLine('Aug  3 15:30:49 auth(tom@example.com,172.17.0.1,sasl:plain)<Cd5N>: Info: x')).toMatchObject({ tag: 'auth', message: '(tom@example.com,172.17.0.1,sasl:plain)<Cd5N>: Info: x' });
    // One without a `:` inside is a tag as it stands (the recogniser reads the request from it).
    expect(parseLine('Aug  3 15:30:49 imap(tom@example.com)<15><Cd5N>: Info: x')).toMatchObject({ tag: 'imap(tom@example.com)<15><Cd5N>', message: 'Info: x' });
  });

  test.each([
    ['a bad month', 'Foo  3 15:30:49 mx postfix/smtpd[1]: x'],
    ['a lower-case month', 'aug  3 15:30:49 mx postfix/smtpd[1]: x'],
    ['day 0', 'Aug  0 15:30:49 mx postfix/smtpd[1]: x'],
    ['day 32', 'Aug 32 15:30:49 mx postfix/smtpd[1]: x'],
    ['hour 24', 'Aug  3 24:30:49 mx postfix/smtpd[1]: x'],
    ['minute 60', 'Aug  3 15:60:49 mx postfix/smtpd[1]: x'],
    ['month 13', '2026-13-03T15:30:49Z mx postfix/smtpd[1]: x'],
    ['an offset without digits', '2026-08-03T15:30:49+xx:00 mx postfix/smtpd[1]: x'],
    ['a fraction without digits', 'Aug  3 15:30:49. mx postfix/smtpd[1]: x'],
    ['a slash at the end of the tag', 'Aug  3 15:30:49 mx postfix/[1]: x'],
  ])('refuses %s', (_name, line) => {
    expect(parseLine(line)).toBeUndefined();
  });

  test('BSD syslog with a space-padded day', () => {
    expect(parseLine('Jun  1 08:34:31 mx1 postfix/smtpd[2101]: 4F2A01C3B: client=unknown[46.48.93.60], sasl_method=LOGIN, sasl_username=admin\n')).toEqual({
      time: 'Jun  1 08:34:31', host: 'mx1', tag: 'postfix/smtpd', program: 'smtpd', pid: 2101, queueId: '4F2A01C3B',
      message: 'client=unknown[46.48.93.60], sasl_method=LOGIN, sasl_username=admin',
    });
  });

  test('Postfix maillog_file (zero-padded day), multi-instance tag', () => {
    expect(parseLine('Nov 08 20:43:03 mw-test postfix-incoming/smtpd[4102]: 9A1B2C3D4E: client=gateway[192.168.122.111]')).toMatchObject({
      time: 'Nov 08 20:43:03', tag: 'postfix-incoming/smtpd', program: 'smtpd', queueId: '9A1B2C3D4E', message: 'client=gateway[192.168.122.111]',
    });
  });

  test('RFC 3339 with fraction and offset, submission service tag, long queue ID', () => {
    expect(parseLine('2021-03-13T12:04:09.755361+01:00 mx2 postfix/submission/smtpd[3101]: 3Pt2mN2VXxznjll: client=laptop[2001:db8::7]')).toMatchObject({
      time: '2021-03-13T12:04:09.755361+01:00', host: 'mx2', tag: 'postfix/submission/smtpd', program: 'smtpd', pid: 3101, queueId: '3Pt2mN2VXxznjll',
    });
  });

  test('journald short-iso and Z offsets; no queue ID; NOQUEUE', () => {
    const w = parseLine('2021-03-13T12:04:10+0100 mx2 postfix/submission/smtpd[3102]: warning: unknown[203.0.113.9]: SASL LOGIN authentication failed: UGFzc3dvcmQ6');
    expect(w).toMatchObject({ time: '2021-03-13T12:04:10+0100', message: 'warning: unknown[203.0.113.9]: SASL LOGIN authentication failed: UGFzc3dvcmQ6' });
    expect(w!.queueId).toBeUndefined();
    expect(parseLine('2021-03-13T12:04:12Z mx2 postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[1.2.3.4]: 554 5.7.1 <a@b>: Relay access denied;')).toMatchObject({ queueId: 'NOQUEUE', message: expect.stringMatching(/^reject: RCPT from/) });
  });

  test('a long queue ID whose base-52 time part holds a z: the separator is the last z, ten or more characters in', () => {
    expect(parseLine('Jun  1 08:34:30 mx1 postfix/smtpd[1234]: 4BqXyz1Hk2z9sVx: client=gateway[192.168.122.111]')).toMatchObject({ queueId: '4BqXyz1Hk2z9sVx', message: 'client=gateway[192.168.122.111]' });
    expect(parseLine('Jun  1 08:34:30 mx1 postfix/qmgr[1]: zzzzzzzzzzzz3: removed')).toMatchObject({ queueId: 'zzzzzzzzzzzz3' });
    // A z too early (no ten-character time part before it), or nothing after the last z: not a queue ID.
    for (const id of ['Bcdfgz1234', 'Bcdfghjklmz', 'Bcdfghjklmnp']) {
      expect(parseLine(`Jun  1 08:34:31 mx1 postfix/qmgr[1]: ${id}: removed`)!.queueId).toBeUndefined();
    }
  });

  test('words that look like queue IDs are not (vowels, lower-case hex, too short)', () => {
    for (const m of ['warning: x', 'statistics: max', 'deadbeef12: x', 'ABC: x', 'removed']) {
      expect(parseLine(`Jun  1 08:34:31 mx1 postfix/anvil[1]: ${m}`)!.queueId).toBeUndefined();
    }
  });

  test('a tag without a pid; CRLF endings', () => {
    expect(parseLine('Jun  1 08:34:31 mx1 postfix/postsuper: Placed on hold: 1 message\r\n')).toMatchObject({ tag: 'postfix/postsuper', message: 'Placed on hold: 1 message' });
  });

  test.each([
    [''],
    ['this is not a log line at all'],
    ['Jun  1 08:34:31 mx1'],
    ['Jun  1 08:34:31 mx1 postfix/smtpd[12'],
    ['Jun  1 08:34:31 mx1 postfix smtpd[1]: x'],
    ['\u0000\u00ff\u0001binary junk\u0000 with : and [ ] in it'],
  ])('not a log line: %j', (line) => {
    expect(parseLine(line)).toBeUndefined();
  });

  test('a 10k-character line is not parsed past its limit, and a long message is fine', () => {
    expect(parseLine('Jun  1 08:34:31 mx1 postfix/smtpd[1]: ' + 'x'.repeat(MAX_LINE))).toBeUndefined();
    expect(parseLine('Jun  1 08:34:31 mx1 postfix/smtpd[1]: ' + 'x'.repeat(10_000))!.message).toHaveLength(10_000);
  });
});

describe('scanLine on log bytes and on text', () => {
  test('a line inside a buffer of other lines gives the same offsets as the line alone, as text', () => {
    const lines = [
      'Aug  3 15:30:49 mx postfix/smtpd[1]: 4F2A01C3B: client=unknown[192.0.2.1]',
      'Aug  3 15:30:49 mx postfix/submission/smtpd[17041]: warning: unknown[2001:db8::1]:55729: SASL LOGIN authentication failed: UGFzc3dvcmQ6',
      '2026-08-03T15:30:49.123456+02:00 mx.example.com dovecot: imap-login: Disconnected (auth failed, 3 attempts in 12 secs): user=<a>',
      'Aug 03 15:30:49 imap-login: Info: x',
    ];
    const buf = Buffer.from(`junk before\n${lines.join('\n')}\n`, 'latin1');
    let at = buf.indexOf(10) + 1;
    for (const line of lines) {
      const fromBytes = newLineParts();
      const fromText = newLineParts();
      expect(scanLine(buf, at, at + line.length, fromBytes)).toBe(true);
      expect(scanLine(line, 0, line.length, fromText)).toBe(true);
      const shifted = Object.fromEntries(Object.entries(fromBytes).map(([k, v]) => [k, v < 0 ? v : v - at]));
      expect(shifted).toEqual(fromText);
      at += line.length + 1;
    }
  });
});
