import { durationArg, domainArg, matches, normalizeAddress, queueArg, senderArg } from '../../../../../../host/tools/postfix/queue/queue-filter';
import { checkQueueId, parseConfirmed } from '../../../../../../host/tools/postfix/queue/postsuper';
import type { QueuedMessage } from '../../../../../../shared';

const msg = (sender: string, o: Partial<QueuedMessage> = {}): QueuedMessage => ({ queueName: 'deferred', queueId: 'A1', arrivalTime: 0, messageSize: 1, forcedExpire: false, sender, recipients: [{ address: 'r@remote.test' }], ...o });

describe('exact sender matching', () => {
  const f = { sender: senderArg('login@domain.net') };
  test.each([
    ['login@domain.net', true],
    ['LOGIN@Domain.NET', true],
    ['<login@domain.net>', true],
    ['xlogin@domain.net', false],
    ['login@domain.net.evil', false],
    ['login@domain.ne', false],
    ['login@sub.domain.net', false],
    ['login', false],
    ['', false],
    ['login@domain.net ', true],
  ])('%j → %s', (sender, expected) => {
    expect(matches(msg(sender), f, 0)).toBe(expected);
  });

  test('the null sender is "<>" or "" and matches only bounces', () => {
    expect(senderArg('<>')).toBe('');
    expect(matches(msg(''), { sender: senderArg('<>') }, 0)).toBe(true);
    expect(matches(msg('a@b.test'), { sender: '' }, 0)).toBe(false);
  });

  test('IDN domains compare in ASCII', () => {
    expect(normalizeAddress('Jörg@Bücher.example')).toBe('jörg@xn--bcher-kva.example');
    expect(matches(msg('jörg@xn--bcher-kva.example'), { sender: senderArg('JÖRG@bücher.example') }, 0)).toBe(true);
  });

  test('a sender with spaces or control characters is refused', () => {
    expect(() => senderArg('a@b.test c@d.test')).toThrow('contains a space or a control character');
    expect(() => senderArg('a@b\u0000.test')).toThrow('control character');
  });
});

describe('other filters', () => {
  test('recipient domain is exact (no subdomains), case-insensitive, any recipient', () => {
    const m = msg('s@x.test', { recipients: [{ address: 'a@Other.Test' }, { address: 'b@remote.test' }] });
    expect(matches(m, { recipientDomain: domainArg('OTHER.test') }, 0)).toBe(true);
    expect(matches(m, { recipientDomain: domainArg('@remote.test') }, 0)).toBe(true);
    expect(matches(m, { recipientDomain: domainArg('test') }, 0)).toBe(false);
    expect(matches(msg('s@x.test', { recipients: [{ address: 'r4@sub.remote.test' }] }), { recipientDomain: 'remote.test' }, 0)).toBe(false);
    expect(() => domainArg('a@b')).toThrow('is not a domain name');
  });

  test('older-than counts from arrival, boundary included', () => {
    const m = msg('s@x.test', { arrivalTime: 1_000_000 });
    expect(matches(m, { olderThanMs: 7_200_000 }, 1_000_000_000 + 7_200_000)).toBe(true);
    expect(matches(m, { olderThanMs: 7_200_000 }, 1_000_000_000 + 7_199_999)).toBe(false);
  });

  test('durations', () => {
    expect(durationArg('90s')).toBe(90_000);
    expect(durationArg('2h')).toBe(7_200_000);
    expect(durationArg('1h30m')).toBe(5_400_000);
    expect(durationArg('1d')).toBe(86_400_000);
    expect(durationArg('1w')).toBe(604_800_000);
    for (const bad of ['', 'h', '2', '2x', '-1h', '1.5h', '2 h', 'h2']) expect(() => durationArg(bad)).toThrow('is not a duration');
  });

  test('queue names', () => {
    expect(queueArg('hold')).toBe('hold');
    expect(() => queueArg('bounce')).toThrow('"bounce" is not a queue');
    expect(matches(msg('s', { queueName: 'hold' }), { queue: 'deferred' }, 0)).toBe(false);
  });
});

describe('postsuper safety and output', () => {
  test('ALL and anything not a queue ID is refused before postsuper runs', () => {
    expect(checkQueueId('3Pt2mN2VXxznjll')).toBe('3Pt2mN2VXxznjll');
    for (const bad of ['ALL', '', 'A1\nALL', '../x', 'A'.repeat(33), 'ab cd']) expect(() => checkQueueId(bad)).toThrow('is not a queue ID');
  });

  test('the confirmed count comes from postsuper\'s summary line', () => {
    expect(parseConfirmed('hold', 'postsuper: 8CB7220C381: placed on hold\npostsuper: Placed on hold: 1 message')).toBe(1);
    expect(parseConfirmed('release', 'postsuper: Released from hold: 12 messages\n')).toBe(12);
    expect(parseConfirmed('delete', 'postsuper: A1: removed\npostsuper: Deleted: 3 messages')).toBe(3);
    expect(parseConfirmed('delete', 'postsuper: Placed on hold: 3 messages')).toBe(0);
    expect(parseConfirmed('hold', '')).toBe(0);
  });
});
