import { BadPolicyRequest, parsePolicyBody, parseRemote } from '../../../../../host/adapters/gateways/dovecot/policy-request';
import { isJsonType } from '../../../../../host/adapters/gateways/dovecot/dovecot-gateway';

describe('parseRemote: the client address Dovecot sends, one key per client', () => {
  test.each([
    ['192.0.2.1', '192.0.2.1'],
    [' 192.0.2.1 ', '192.0.2.1'],
    ['192.0.2.1:1234', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['[2001:db8::1]:993', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['[fe80::1%eth0]:993', 'fe80::1'],
  ])('%j → %s', (input, ip) => {
    expect(parseRemote(input)).toBe(ip);
  });

  test.each(['', ' ', 'unknown', '192.0.2.1:', '192.0.2.1:65536', '192.0.2.1:12a', '192.0.2.256', '[2001:db8::1', '[2001:db8::1]x', '[2001:db8::1]:', 'fe80::1%', '192.0.2.1%eth0', 'host.example:25'])('%j is refused with 400', (input) => {
    let err: unknown;
    try {
      parseRemote(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BadPolicyRequest);
    expect(err).toMatchObject({ status: 400, message: expect.stringContaining('"remote" is not an IP address') });
  });

  test('a missing remote is refused; a present one reaches the attempt in canonical form', () => {
    expect(() => parsePolicyBody('allow', JSON.stringify({ login: 'a@example.com' }))).toThrow(/"remote" .*is required/);
    expect(parsePolicyBody('allow', JSON.stringify({ login: 'a@example.com', remote: '[2001:DB8::7]:143' })).attempt.remoteIp).toBe('2001:db8::7');
  });
});

describe('isJsonType: only what Dovecot sends', () => {
  test.each([['application/json', true], ['Application/JSON; charset=utf-8', true], [' application/json ', true], [undefined, false], ['', false], ['text/plain', false], ['application/x-www-form-urlencoded', false], ['multipart/form-data; boundary=x', false], ['application/jsonx', false], ['text/plain; application/json', false]])('%j → %s', (type, ok) => {
    expect(isJsonType(type)).toBe(ok);
  });
});
