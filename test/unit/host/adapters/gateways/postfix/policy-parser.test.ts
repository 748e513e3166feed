import { MAX_ATTRIBUTES, MAX_LINE_BYTES, PolicyParser, PolicyProtocolError } from '../../../../../../host/adapters/gateways/postfix/policy-parser';

describe('PolicyParser', () => {
  it('parses one request and ignores nothing it was given', () => {
    const p = new PolicyParser();
    const r = p.feed('request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.7\nsender=\nfuture_attr=x=y\n\n');
    expect(r.map((x) => ({ ...x.attributes }))).toEqual([{ request: 'smtpd_access_policy', protocol_state: 'RCPT', client_address: '192.0.2.7', sender: '', future_attr: 'x=y' }]);
  });

  it('picks out the fields the gateway reads in the same pass; a repeated name keeps its last value', () => {
    const p = new PolicyParser();
    const [r] = p.feed('request=smtpd_access_policy\nsender=a@example.com\nsize=10\nsizes=11\nsender=b@example.com\nsasl_username=\nx=1\n\n');
    expect(r.fields).toEqual({
      request: 'smtpd_access_policy', sender: 'b@example.com', size: '10', sasl_username: '',
      protocol_state: undefined, protocol_name: undefined, client_address: undefined, client_name: undefined, helo_name: undefined,
      recipient: undefined, recipient_count: undefined, instance: undefined, sasl_method: undefined, queue_id: undefined, policy_context: undefined,
    });
    expect(r.attributes.sender).toBe('b@example.com');
    expect(r.attributes.sizes).toBe('11');
    expect(r.text).toBe('request=smtpd_access_policy\nsender=a@example.com\nsize=10\nsizes=11\nsender=b@example.com\nsasl_username=\nx=1\n');
  });

  it('returns pipelined requests in order and keeps a partial one for the next chunk', () => {
    const p = new PolicyParser();
    const r1 = p.feed('request=smtpd_access_policy\ninstance=a\n\nrequest=smtpd_access_policy\ninstance=b\n\nrequest=smtpd_acc');
    expect(r1.map((x) => x.fields.instance)).toEqual(['a', 'b']);
    expect(p.feed('ess_policy\ninsta')).toEqual([]);
    const [c] = p.feed('nce=c\n\n');
    expect({ ...c.attributes }).toEqual({ request: 'smtpd_access_policy', instance: 'c' });
    expect(c.text).toBe('request=smtpd_access_policy\ninstance=c\n');
  });

  it('accepts a request split byte by byte', () => {
    const p = new PolicyParser();
    const text = 'request=smtpd_access_policy\nclient_address=2001:db8::1\n\n';
    const out = [];
    for (const ch of text) out.push(...p.feed(ch));
    expect(out.map((x) => ({ ...x.attributes }))).toEqual([{ request: 'smtpd_access_policy', client_address: '2001:db8::1' }]);
    expect(out[0].fields.client_address).toBe('2001:db8::1');
  });

  const bad: Array<[string, string, RegExp]> = [
    ['no request=', 'protocol_state=RCPT\n\n', /without a request= attribute/],
    ['an empty request', '\n', /empty request/],
    ['a line over 8 KB (terminated)', `request=smtpd_access_policy\nx=${'a'.repeat(MAX_LINE_BYTES)}\n\n`, /longer than 8192 bytes/],
    ['a line over 8 KB (still arriving)', `request=smtpd_access_policy\nx=${'a'.repeat(MAX_LINE_BYTES + 10)}`, /longer than 8192 bytes/],
    ['more than 100 attributes', 'request=smtpd_access_policy\n' + Array.from({ length: MAX_ATTRIBUTES }, (_, i) => `a${i}=1`).join('\n') + '\n\n', /more than 100 attributes/],
    ['a NUL byte', 'request=smtpd_access_policy\nsender=a\u0000b\n\n', /binary data \(byte 0x00\)/],
    ['a CR', 'request=smtpd_access_policy\r\n\r\n', /binary data \(byte 0x0d\)/],
    ['binary junk without newline', '\u0016\u0003\u0001\u0002\u0000', /binary data/],
    ['a line without =', 'request=smtpd_access_policy\nhello\n\n', /line without "="/],
    ['an empty name', 'request=smtpd_access_policy\n=x\n\n', /empty name/],
  ];
  it.each(bad)('refuses %s', (_name, input, message) => {
    const p = new PolicyParser();
    expect(() => p.feed(input)).toThrow(PolicyProtocolError);
    const p2 = new PolicyParser();
    expect(() => p2.feed(input)).toThrow(message);
    expect(() => p2.feed('request=smtpd_access_policy\n\n')).toThrow(PolicyProtocolError);
  });

  it('accepts exactly 100 attributes and an 8192-byte line', () => {
    const p = new PolicyParser();
    const attrs = ['request=smtpd_access_policy', ...Array.from({ length: MAX_ATTRIBUTES - 2 }, (_, i) => `a${i}=1`), `x=${'b'.repeat(MAX_LINE_BYTES - 2)}`];
    expect(p.feed(attrs.join('\n') + '\n\n')).toHaveLength(1);
  });

  it('counts a line trickling in byte by byte against the limit', () => {
    const p = new PolicyParser();
    for (let i = 0; i < MAX_LINE_BYTES; i++) expect(p.feed('a')).toEqual([]);
    expect(() => p.feed('a')).toThrow(/longer than/);
  });
});
