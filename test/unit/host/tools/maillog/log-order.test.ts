import { logOrder } from '../../../../../host/tools/maillog/log-order';

describe('a log\'s rotations are read oldest first', () => {
  test('as the shell globs mail.log*: the live file first, .10.gz before .2.gz', () => {
    expect(logOrder(['/var/log/mail.log', '/var/log/mail.log.1', '/var/log/mail.log.10.gz', '/var/log/mail.log.2.gz', '/var/log/mail.log.3.gz']))
      .toEqual(['/var/log/mail.log.10.gz', '/var/log/mail.log.3.gz', '/var/log/mail.log.2.gz', '/var/log/mail.log.1', '/var/log/mail.log']);
  });

  test('dateext names by their date', () => {
    expect(logOrder(['maillog', 'maillog-20261129', 'maillog-20261127.gz', 'maillog-20261128.gz']))
      .toEqual(['maillog-20261127.gz', 'maillog-20261128.gz', 'maillog-20261129', 'maillog']);
  });

  test('other logs keep their place; stdin keeps its place; an order already right is unchanged', () => {
    expect(logOrder(['mail.log', 'dovecot.log.1', 'mail.log.1', '-', 'dovecot.log'])).toEqual(['mail.log.1', 'mail.log', 'dovecot.log.1', 'dovecot.log', '-']);
    expect(logOrder(['mail.log.2.gz', 'mail.log.1', 'mail.log'])).toEqual(['mail.log.2.gz', 'mail.log.1', 'mail.log']);
    expect(logOrder(['a.log', 'b.log'])).toEqual(['a.log', 'b.log']);
  });

  test('names that only look like rotations in their directory are not', () => {
    // The digits are the directory's, not a suffix of the file's name.
    expect(logOrder(['/srv/logs.1/mail', '/srv/logs.2/mail'])).toEqual(['/srv/logs.1/mail', '/srv/logs.2/mail']);
    expect(logOrder(['mail.log.12345', 'mail.log'])).toEqual(['mail.log.12345', 'mail.log']);
  });
});
