import { MAX_LINE, parseLine } from '../../../../../host/tools/maillog/line-view';
import { isQueueId } from '../../../../../host/tools/maillog/tokenizer';

const NOW = Date.UTC(2026, 5, 30, 12, 0, 0);
const AUTUMN = Date.UTC(2026, 11, 1);

describe('parseLine (the object view on demand)', () => {
  it('reads a BSD syslog line (space-padded day, no year)', () => {
    expect(parseLine('Jun  1 08:34:30 mx1 postfix/smtpd[1234]: 4BqXyz1Hk2z9sVx: client=gateway[192.168.122.111]', NOW)).toEqual({
      time: Date.UTC(2026, 5, 1, 8, 34, 30), host: 'mx1', tag: 'postfix/smtpd', program: 'smtpd', pid: 1234, queueId: '4BqXyz1Hk2z9sVx', message: 'client=gateway[192.168.122.111]',
    });
  });

  it("reads Postfix's own maillog_file (zero-padded day) with a short queue id", () => {
    expect(parseLine('Jun 01 08:34:30 mx1 postfix/qmgr[99]: 5242320E2C2: from=<a@x.test>, size=300, nrcpt=1 (queue active)', NOW)).toMatchObject({
      time: Date.UTC(2026, 5, 1, 8, 34, 30), tag: 'postfix/qmgr', queueId: '5242320E2C2', message: 'from=<a@x.test>, size=300, nrcpt=1 (queue active)',
    });
  });

  it('puts a December line read in January in last year', () => {
    expect(parseLine('Dec 31 23:59:59 h postfix/smtpd[1]: x', Date.UTC(2027, 0, 1, 0, 5))!.time).toBe(Date.UTC(2026, 11, 31, 23, 59, 59));
  });

  it('reads RFC 3339 and journald short-iso stamps with their offsets', () => {
    expect(parseLine('2021-03-13T12:04:09.755361+01:00 mx postfix/submission/smtpd[77]: NOQUEUE: reject: RCPT from x[1.2.3.4]: 554 5.7.1 <r@y>: Relay access denied;', NOW)).toMatchObject({
      time: Date.UTC(2021, 2, 13, 11, 4, 9, 755), tag: 'postfix/submission/smtpd', pid: 77, queueId: 'NOQUEUE', message: 'reject: RCPT from x[1.2.3.4]: 554 5.7.1 <r@y>: Relay access denied;',
    });
    expect(parseLine('2021-03-13T12:04:09+0100 mx postfix-incoming/smtpd[5]: connect from a[1.2.3.4]', NOW)).toMatchObject({
      time: Date.UTC(2021, 2, 13, 11, 4, 9), tag: 'postfix-incoming/smtpd', message: 'connect from a[1.2.3.4]',
    });
    expect(parseLine('2021-03-13T12:04:09Z mx dovecot: auth: x', NOW)).toMatchObject({ tag: 'dovecot', message: 'auth: x' });
  });

  it('does not take an ordinary word for a queue id', () => {
    expect(parseLine('Jun 21 08:34:30 mx postfix/smtpd[1]: warning: hostname x does not resolve', NOW)).toMatchObject({ message: 'warning: hostname x does not resolve' });
    expect(parseLine('Jun 21 08:34:30 mx postfix/smtpd[1]: warning: hostname x does not resolve', NOW)!.queueId).toBeUndefined();
    expect(isQueueId('ABCDEF12')).toBe(true);
    expect(isQueueId('warning')).toBe(false);
    expect(isQueueId('disconnect')).toBe(false);
  });

  it('reads every timestamp form to the same instant frame', () => {
    const at = Date.UTC(2026, 7, 3, 15, 30, 49);
    for (const l of ['Aug 3 15:30:49 mx smtpd[1]: x', 'Aug  3 15:30:49 mx smtpd[1]: x', 'Aug 03 15:30:49 mx smtpd[1]: x', '2026 Aug  3 15:30:49 mx smtpd[1]: x',
      'Aug  3 15:30:49 2026 mx smtpd[1]: x', 'Aug  3 2026 15:30:49 mx smtpd[1]: x', '2026-08-03T17:30:49+0200 mx smtpd[1]: x', '2026-08-03T10:30:49-05:00 mx smtpd[1]: x',
      '2026-08-03 15:30:49 auth: x', '2026-08-03T15:30:49Z mx smtpd[1]: x']) {
      expect([l, parseLine(l, AUTUMN)!.time]).toEqual([l, at]);
    }
    expect(parseLine('Aug  3 15:30:49.250001 mx smtpd[1]: x', AUTUMN)!.time).toBe(at + 250);
    // Read in June, a year-less August line is last year's; an explicit year is taken as written.
    expect(parseLine('Aug  3 15:30:49 mx smtpd[1]: x', NOW)!.time).toBe(Date.UTC(2025, 7, 3, 15, 30, 49));
    expect(parseLine('2019 Aug  3 15:30:49 mx smtpd[1]: x', NOW)!.time).toBe(Date.UTC(2019, 7, 3, 15, 30, 49));
  });

  it.each(['', 'garbage', 'Jun 21 8:34:30 mx postfix/smtpd[1]: x', 'Foo 21 08:34:30 mx t: x', 'Jun 21 08:34:30 mx'])('returns undefined for %j', (l) => {
    expect(parseLine(l, NOW)).toBeUndefined();
  });

  it('does not read a line longer than MAX_LINE at all', () => {
    expect(parseLine(`Jun 21 08:34:30 mx postfix/smtpd[1]: ${'['.repeat(MAX_LINE * 4)}`, NOW)).toBeUndefined();
  });
});
