import { authFailureOf } from '../../../host/logs/auth-failure-line';
import { parseLinePrefix } from '../../../host/logs/line-prefix';

const NOW = Date.UTC(2021, 5, 21, 12, 0, 0);
const parse = (line: string) => parseLinePrefix(line, NOW);
const failure = (line: string) => {
  const p = parse(line);
  return p && authFailureOf(p);
};

describe('line prefixes', () => {
  test.each([
    ['BSD syslog, space-padded day', 'Jun  1 08:34:30 mx1 postfix/smtpd[1234]: x', Date.UTC(2021, 5, 1, 8, 34, 30), 'mx1', 'postfix/smtpd', 1234],
    ["Postfix's maillog_file, zero-padded day", 'Jun 01 08:34:30 mx1 postfix/submission/smtpd[77]: x', Date.UTC(2021, 5, 1, 8, 34, 30), 'mx1', 'postfix/submission/smtpd', 77],
    ['RFC 3339 (Debian 12 rsyslog)', '2021-03-13T12:04:09.755361+01:00 mx1 postfix-incoming/smtpd[9]: x', Date.UTC(2021, 2, 13, 11, 4, 9, 755), 'mx1', 'postfix-incoming/smtpd', 9],
    ['journald short-iso', '2021-03-13T12:04:09+0100 mx1 dovecot[5]: x', Date.UTC(2021, 2, 13, 11, 4, 9), 'mx1', 'dovecot', 5],
    ['UTC with Z', '2021-03-13T12:04:09Z mx1 dovecot: x', Date.UTC(2021, 2, 13, 12, 4, 9), 'mx1', 'dovecot', undefined],
    ["Dovecot's own log file", 'Jun 21 08:34:30 imap-login: x', Date.UTC(2021, 5, 21, 8, 34, 30), undefined, 'imap-login', undefined],
  ])('%s', (_name, line, time, host, tag, pid) => {
    expect(parse(line)).toEqual({ time, ...(host ? { host } : {}), tag, ...(pid !== undefined ? { pid } : {}), message: 'x' });
  });

  test('a December line read in January belongs to the previous year', () => {
    expect(parseLinePrefix('Dec 31 23:59:59 mx1 postfix/smtpd[1]: x', Date.UTC(2022, 0, 1, 0, 0, 5))?.time).toBe(Date.UTC(2021, 11, 31, 23, 59, 59));
  });

  test.each(['', 'garbage', 'Jun 41 08:34:30 mx1 postfix/smtpd[1]: x', '2021-03-13 12:04:09 mx1 tag: x', 'Jun 21 08:34:30 mx1 notatag x', 'Jun 21 08:34:30 mx1 tag[12a]: x'])('no prefix: %j', (line) => {
    expect(parse(line)).toBeUndefined();
  });
});

describe('auth failures', () => {
  test('Postfix SASL failure with sasl_username', () => {
    expect(failure('Jun 21 08:34:30 mx1 postfix/smtpd[1]: warning: unknown[46.48.93.60]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=admin')).toEqual({
      login: 'admin', remoteIp: '46.48.93.60', protocol: 'smtp', attempts: 1, source: 'postfix',
    });
    expect(failure('2021-03-13T12:04:09+01:00 mx1 postfix/submission/smtpd[2]: warning: host.example[2001:db8::7]: SASL PLAIN authentication failed: , sasl_username=Alice@Example.com')).toMatchObject({
      login: 'Alice@Example.com', remoteIp: '2001:db8::7', protocol: 'submission',
    });
  });

  test('Postfix failure without a username is not attributable', () => {
    expect(failure('Jun 21 08:34:30 mx1 postfix/smtpd[1]: warning: unknown[46.48.93.60]: SASL LOGIN authentication failed: UGFzc3dvcmQ6')).toBeUndefined();
  });

  test('Dovecot auth failed, through syslog and in its own log file', () => {
    expect(failure('Jun 21 08:34:30 mx1 dovecot: imap-login: Disconnected: Aborted login by logging out (auth failed, 3 attempts in 12 secs): user=<alice@example.com>, method=PLAIN, rip=198.51.100.7, lip=192.0.2.1, session=<abc>')).toEqual({
      login: 'alice@example.com', remoteIp: '198.51.100.7', protocol: 'imap', attempts: 3, source: 'dovecot',
    });
    expect(failure('Nov 28 20:50:12 pop3-login: Info: Disconnected (auth failed, 1 attempts in 2 secs): user=<bob>, method=PLAIN, rip=::1, lip=::1, TLS')).toMatchObject({ login: 'bob', remoteIp: '::1', protocol: 'pop3', attempts: 1 });
  });

  test.each([
    'Jun 21 08:34:30 mx1 dovecot: imap-login: Login: user=<alice@example.com>, method=PLAIN, rip=198.51.100.7',
    'Jun 21 08:34:30 mx1 dovecot: imap-login: Disconnected (no auth attempts in 0 secs): user=<>, rip=198.51.100.7',
    'Jun 21 08:34:30 mx1 postfix/smtpd[1]: connect from unknown[46.48.93.60]',
    'Jun 21 08:34:30 mx1 postfix/qmgr[1]: warning: x[1.2.3.4]: SASL LOGIN authentication failed: x, sasl_username=a',
    'Jun 21 08:34:30 mx1 sshd[1]: Failed password for root from 1.2.3.4',
  ])('not an auth failure: %s', (line) => {
    expect(failure(line)).toBeUndefined();
  });

  test('a long attacker-made line is read in one pass and cut where it should be', () => {
    const user = 'x'.repeat(200_000);
    expect(failure(`Jun 21 08:34:30 mx1 postfix/smtpd[1]: warning: unknown[1.2.3.4]: SASL LOGIN authentication failed: ${'['.repeat(100_000)}, sasl_username=${user}`)).toMatchObject({ login: user });
    expect(failure(`Jun 21 08:34:30 mx1 dovecot: imap-login: ${'(auth failed, '.repeat(20_000)}`)).toBeUndefined();
  });
});
