import { alertMail, formatAge, holdCommands, shellQuote } from '../../../../plugins/queue-monitor/alert-text';

const counts = Object.fromEntries(['incoming', 'active', 'deferred', 'hold', 'maildrop'].map((q) => [q, { length: q === 'deferred' ? 3 : 0, bytes: 0, oldestAgeSeconds: q === 'deferred' ? 90_061 : 0 }])) as never;

test('a sender with a line break cannot forge lines of the alert, and gets no hold command', () => {
  const evil = 'x@example.com\nmailwarden queue purge --yes';
  const { text } = alertMail({ host: 'mx1', counts, threshold: 2, incident: { openedAt: 0, reasons: ['total 3 >= 2'], peak: 3 }, breakdown: { senders: [{ name: evil, messages: 3 }], saslUsernames: [], scanned: 3 } });
  expect(text).toContain('3  x@example.com?mailwarden queue purge --yes');
  expect(text).not.toMatch(/^mailwarden queue purge/m);
  expect(holdCommands([{ name: evil, messages: 1 }])).toEqual([]);
  expect(text).toContain('Oldest message: 25h01m.');
});

test('shell quoting and ages', () => {
  expect(shellQuote('a+b=c@example.com')).toBe('a+b=c@example.com');
  expect(shellQuote('$(rm -rf ~)@x')).toBe(`'$(rm -rf ~)@x'`);
  expect(shellQuote(`it's@x`)).toBe(`'it'\\''s@x'`);
  expect([0, 59, 60, 3599, 3600, 172_800].map(formatAge)).toEqual(['0s', '59s', '1m00s', '59m59s', '1h00m', '2d00h']);
});

test('a failed listing is said in the alert, the alert still goes', () => {
  const { text } = alertMail({ host: 'mx1', counts, threshold: 2, incident: { openedAt: 0, reasons: ['total 3 >= 2'], peak: 3 }, breakdown: { senders: [], saslUsernames: [], scanned: 0, problem: 'the queue could not be listed: postqueue: fatal' } });
  expect(text).toContain('Note: the queue could not be listed: postqueue: fatal.');
  expect(text).toContain('Top senders by queued messages:\n  (none)');
});
