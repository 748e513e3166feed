import { cidrCovers, cidrSubtract, formatCidr, parseCidr, parseIp, type Cidr } from '../../../shared';

const c = (s: string): Cidr => {
  const r = parseCidr(s);
  if (!r.ok) throw new Error(r.error);
  return r.cidr;
};

describe('cidrSubtract', () => {
  it('carves one address out of a /24 into the fewest networks', () => {
    const out = cidrSubtract(c('10.0.0.0/24'), c('10.0.0.5')).map(formatCidr);
    expect(out).toEqual(['10.0.0.0/30', '10.0.0.4/32', '10.0.0.6/31', '10.0.0.8/29', '10.0.0.16/28', '10.0.0.32/27', '10.0.0.64/26', '10.0.0.128/25']);
    // Every address but .5 is still covered, exactly once.
    for (let i = 0; i < 256; i++) {
      const ip = parseIp(`10.0.0.${i}`)!;
      const hits = out.filter((n) => cidrCovers(c(n), { version: 4, bytes: ip.bytes, prefix: 32 })).length;
      expect(hits).toBe(i === 5 ? 0 : 1);
    }
  });

  it('returns the network unchanged when they do not overlap, nothing when it is covered', () => {
    expect(cidrSubtract(c('10.0.0.0/24'), c('10.0.1.0/24')).map(formatCidr)).toEqual(['10.0.0.0/24']);
    expect(cidrSubtract(c('10.0.0.0/24'), c('10.0.0.0/16'))).toEqual([]);
    expect(cidrSubtract(c('10.0.0.0/24'), c('2001:db8::/32')).map(formatCidr)).toEqual(['10.0.0.0/24']);
  });

  it('works for IPv6', () => {
    expect(cidrSubtract(c('2001:db8::/126'), c('2001:db8::2')).map(formatCidr)).toEqual(['2001:db8::/127', '2001:db8::3/128']);
  });
});

