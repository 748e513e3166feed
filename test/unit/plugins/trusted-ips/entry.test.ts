import { DEFAULT_CONFIG } from '../../../../plugins/trusted-ips/config';
import { BreadthError, checkBreadth, EntryError, normalizeScope, parseCap, parseExpiry, parseNetworkArg, parseSenderDomains } from '../../../../plugins/trusted-ips/entry';

describe('parseNetworkArg', () => {
  it.each([
    ['192.0.2.7', '192.0.2.7/32', false],
    [' 10.0.0.0/24 ', '10.0.0.0/24', false],
    ['!10.0.0.5', '10.0.0.5/32', true],
    ['2001:DB8:0:0::/48', '2001:db8::/48', false],
    ['::ffff:192.0.2.1', '192.0.2.1/32', false],
    ['[::1]', '::1/128', false],
  ])('%s → %s', (raw, net, ex) => {
    expect(parseNetworkArg(raw)).toMatchObject({ network: net, exclude: ex });
  });

  it.each([
    ['10.0.0.256', /"10.0.0.256" is not an IPv4 or IPv6 address/],
    ['10.0.0.0/33', /prefix \/33 is out of range for IPv4 \(0-32\)/],
    ['2001:db8::/129', /out of range for IPv6/],
    ['10.0.0.1/24', /host bits set; the network is 10.0.0.0\/24 \(write 10.0.0.0\/24 if that is what you mean\)/],
    ['!10.0.0.1/24', /write !10.0.0.0\/24/],
    ['10.0.0.0/', /is not a prefix length/],
    ['!', /no address given/],
    ['gateway.example.com', /not an IPv4 or IPv6 address/],
  ])('refuses %s with a clear message', (raw, msg) => {
    expect(() => parseNetworkArg(raw)).toThrow(EntryError);
    expect(() => parseNetworkArg(raw)).toThrow(msg);
  });
});

describe('checkBreadth', () => {
  const guard = (s: string, f = {}) => () => checkBreadth(parseNetworkArg(s).cidr, DEFAULT_CONFIG, f);
  it('lets /16 and /48 through and refuses wider without --force', () => {
    expect(guard('10.1.0.0/16')).not.toThrow();
    expect(guard('2001:db8:1::/48')).not.toThrow();
    expect(guard('10.0.0.0/15')).toThrow(BreadthError);
    expect(guard('10.0.0.0/15')).toThrow('10.0.0.0/15 is wider than IPv4 /16; trusting it needs --force with --reason');
    expect(guard('2001:db8::/47')).toThrow(/wider than IPv6 \/48/);
  });
  it('names 0.0.0.0/0 and ::/0 for what they are', () => {
    expect(guard('0.0.0.0/0')).toThrow(/every IPv4 address on the Internet, an open relay/);
    expect(guard('::/0')).toThrow(/every IPv6 address/);
  });
  it('needs a reason with --force', () => {
    expect(guard('10.0.0.0/8', { force: true })).toThrow(/--force needs --reason/);
    expect(guard('10.0.0.0/8', { force: true, reason: '  ' })).toThrow(/--force needs --reason/);
    expect(guard('10.0.0.0/8', { force: true, reason: 'legacy datacenter, ticket 42' })).not.toThrow();
  });
});

describe('option values', () => {
  const now = Date.UTC(2026, 0, 1);
  it('parses expiries as durations or dates in the future', () => {
    expect(parseExpiry('30m', now)).toBe(now + 30 * 60_000);
    expect(parseExpiry('7d', now)).toBe(now + 7 * 86_400_000);
    expect(parseExpiry('2026-02-01', now)).toBe(Date.UTC(2026, 1, 1));
    expect(() => parseExpiry('2025-01-01', now)).toThrow(/already past/);
    expect(() => parseExpiry('soon', now)).toThrow(/neither a duration/);
    expect(() => parseExpiry('0d', now)).toThrow(EntryError);
    // The one grammar of every duration option: compound durations too, and the same errors.
    expect(parseExpiry('1d12h', now)).toBe(now + 36 * 3_600_000);
    expect(() => parseExpiry('12h1d', now)).toThrow('--expires "12h1d" is not a duration: units go from the largest to the smallest');
  });
  it('normalises sender domains and scopes', () => {
    expect(parseSenderDomains('Example.COM, exämple.org,example.com')).toEqual(['example.com', 'xn--exmple-cua.org']);
    expect(() => parseSenderDomains(' , ')).toThrow(/at least one domain/);
    expect(() => parseSenderDomains('bad..domain')).toThrow(/--sender-domains: "bad..domain" is not a valid domain name/);
    expect(normalizeScope(undefined)).toBe('*');
    expect(normalizeScope('Example.ORG.')).toBe('example.org');
    expect(() => normalizeScope('nodot')).toThrow(/--domain: "nodot"/);
  });
  it('takes caps as whole positive numbers', () => {
    expect(parseCap('100')).toBe(100);
    expect(() => parseCap('0')).toThrow(/--max-per-hour/);
    expect(() => parseCap('1e3')).toThrow(/--max-per-hour/);
  });
});
