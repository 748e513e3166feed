import type { MailEvent, RelayRequest, Verdict } from '../../../../../../shared';
import { PostfixPolicyGateway, type PolicyGatewayHost } from '../../../../../../host/adapters/gateways/postfix/policy-gateway';
import { policyAction, replyText } from '../../../../../../host/adapters/gateways/postfix/policy-action';
import { ManualClock } from '../../../../../../host/core/services/clock';
import { PolicyTestClient, policyRequest } from '../../../../../helpers/policy-client';

class FakeHost implements PolicyGatewayHost {
  readonly clock = new ManualClock();
  readonly warnings: Array<Record<string, unknown>> = [];
  readonly counters: string[] = [];
  readonly logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (o: object) => void this.warnings.push(o as Record<string, unknown>),
    error: () => undefined,
  };
  readonly metrics = { increment: (n: string) => void this.counters.push(n), setGauge: () => undefined };
  readonly requests: RelayRequest[] = [];
  readonly mail: MailEvent[] = [];
  decide: (r: RelayRequest) => Verdict | undefined | Promise<Verdict | undefined> = () => undefined;
  readonly pipeline = {
    defaultDomain: 'example.com',
    checkRelay: async (r: RelayRequest) => {
      this.requests.push(r);
      return this.decide(r);
    },
    onMail: async (e: MailEvent) => void this.mail.push(e),
  };
}

describe('policyAction', () => {
  it.each<[Verdict | undefined, string]>([
    [undefined, 'DUNNO'],
    [{ action: 'allow', reason: 'trusted' }, 'OK'],
    [{ action: 'deny', reason: 'no relay' }, 'REJECT no relay'],
    [{ action: 'tempfail', reason: 'busy' }, 'DEFER_IF_PERMIT busy'],
    [{ action: 'hold', reason: 'over cap' }, 'HOLD over cap'],
    [{ action: 'delay', reason: 'slow down', delaySeconds: 4.2 }, 'sleep 5'],
    [{ action: 'delay', reason: 'slow down', delaySeconds: 3600 }, 'sleep 60'],
    [{ action: 'delay', reason: 'slow down' }, 'DUNNO'],
  ])('%j → %s', (v, a) => expect(policyAction(v)).toBe(a));

  it('keeps reply text to one printable ASCII line', () => {
    expect(replyText('a\nb\u0000c é')).toBe('a b?c ?');
    expect(replyText('x'.repeat(500))).toHaveLength(200);
    expect(policyAction({ action: 'deny', reason: '\n' })).toBe('REJECT policy');
  });
});

describe('PostfixPolicyGateway', () => {
  let host: FakeHost;
  let gw: PostfixPolicyGateway;
  let port: number;
  const clients: PolicyTestClient[] = [];
  const connect = async () => {
    const c = await PolicyTestClient.connect(port);
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    host = new FakeHost();
    gw = new PostfixPolicyGateway(host, { host: '127.0.0.1', port: 0 });
    port = (await gw.start()).port;
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await gw.stop();
  });

  it('takes synchronous verdicts without a promise; a fault while answering costs the connection, not the listener', async () => {
    let fail = false;
    (host.pipeline as PolicyGatewayHost['pipeline']).checkRelay = (r) => {
      host.requests.push(r);
      return { action: 'deny', reason: 'sync no' };
    };
    (host.logger as { info: () => void }).info = () => {
      if (fail) throw new Error('log sink broke');
    };
    const c = await connect();
    c.send(policyRequest({ protocol_state: 'RCPT', client_address: '192.0.2.1' }));
    expect(await c.waitReplies(1)).toEqual(['action=REJECT sync no']);
    fail = true;
    c.send(policyRequest({ protocol_state: 'RCPT', client_address: '192.0.2.1' }));
    expect(await c.waitClosed()).toBe(true);
    expect(c.replies).toHaveLength(1);
    fail = false;
    const d = await connect();
    d.send(policyRequest({ protocol_state: 'RCPT', client_address: '192.0.2.2' }));
    expect(await d.waitReplies(1)).toEqual(['action=REJECT sync no']);
    expect(host.requests).toHaveLength(3);
  });

  it('answers each verdict with its action on one reused connection', async () => {
    const verdicts: Array<Verdict | undefined> = [{ action: 'allow', reason: 'x' }, { action: 'deny', reason: 'go away' }, undefined, { action: 'hold', reason: 'cap' }, { action: 'tempfail', reason: 'later' }];
    let i = 0;
    host.decide = () => verdicts[i++];
    const c = await connect();
    for (let k = 0; k < verdicts.length; k++) {
      c.send(policyRequest({ protocol_state: 'RCPT', client_address: '192.0.2.1' }));
      await c.waitReplies(k + 1);
    }
    expect(c.replies).toEqual(['action=OK', 'action=REJECT go away', 'action=DUNNO', 'action=HOLD cap', 'action=DEFER_IF_PERMIT later']);
    expect(c.closed).toBe(false);
  });

  it('answers pipelined requests in order, even when an earlier one is slower', async () => {
    host.decide = async (r) => {
      if (r.instance === 'slow') await new Promise((res) => setTimeout(res, 50));
      return { action: 'deny', reason: r.instance };
    };
    const c = await connect();
    c.send(policyRequest({ instance: 'slow' }) + policyRequest({ instance: 'fast1' }) + policyRequest({ instance: 'fast2' }));
    expect(await c.waitReplies(3)).toEqual(['action=REJECT slow', 'action=REJECT fast1', 'action=REJECT fast2']);
  });

  it('builds the RelayRequest: normalised SASL login, its domain, policy_context, unknown attributes kept', async () => {
    const c = await connect();
    c.send(policyRequest({
      protocol_state: 'rcpt', client_address: '::ffff:192.0.2.9', client_name: 'gw.example', sasl_method: 'PLAIN', sasl_username: ' Alice@Exämple.ORG ',
      sender: 'alice@other.test', recipient: 'bob@example.net', recipient_count: 0, size: 1234, instance: 'i1', queue_id: '', policy_context: 'relay', new_thing: 'v',
    }));
    await c.waitReplies(1);
    const r = host.requests[0];
    expect(r).toMatchObject({
      protocolState: 'RCPT', clientAddress: '192.0.2.9', clientName: 'gw.example', saslMethod: 'PLAIN', saslUsername: 'alice@xn--exmple-cua.org',
      domain: 'xn--exmple-cua.org', sender: 'alice@other.test', recipient: 'bob@example.net', size: 1234, policyContext: 'relay', instance: 'i1', at: host.clock.now(),
    });
    expect(r.queueId).toBeUndefined();
    expect(r.attributes.new_thing).toBe('v');
  });

  it('takes the domain from the sender without SASL, else the default domain', async () => {
    const c = await connect();
    c.send(policyRequest({ protocol_state: 'RCPT', sender: 'x@Sub.Example.NET', client_address: '127.0.0.5' }) + policyRequest({ protocol_state: 'RCPT', sender: '', client_address: '127.0.0.5' }) + policyRequest({ protocol_state: 'RCPT', sender: 'junk@', client_address: '127.0.0.5' }));
    await c.waitReplies(3);
    expect(host.requests.map((r) => r.domain)).toEqual(['sub.example.net', 'example.com', 'example.com']);
  });

  it('answers DUNNO, not OK, when a request cannot be evaluated', async () => {
    host.decide = () => ({ action: 'allow', reason: 'would permit' });
    const c = await connect();
    c.send(policyRequest({ protocol_state: 'RCPT', sasl_username: 'x'.repeat(400) }));
    expect(await c.waitReplies(1)).toEqual(['action=DUNNO']);
    host.decide = () => {
      throw new Error('boom');
    };
    c.send(policyRequest({ protocol_state: 'RCPT' }));
    expect(await c.waitReplies(2)).toEqual(['action=DUNNO', 'action=DUNNO']);
  });

  const malformed: Array<[string, string | Buffer]> = [
    ['no request=', 'protocol_state=RCPT\nclient_address=1.2.3.4\n\n'],
    ['a line over 8 KB', `request=smtpd_access_policy\nsender=${'a'.repeat(9000)}\n\n`],
    ['over 100 attributes', 'request=smtpd_access_policy\n' + Array.from({ length: 101 }, (_, i) => `x${i}=1`).join('\n') + '\n\n'],
    ['binary junk', Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x0a, 0x0a])],
    ['an unknown request type', 'request=something_else\n\n'],
  ];
  it.each(malformed)('on %s: no reply, connection closed, logged; the server keeps serving', async (_n, raw) => {
    host.decide = () => ({ action: 'allow', reason: 'must never be sent' });
    const c = await connect();
    c.send(raw);
    expect(await c.waitClosed()).toBe(true);
    expect(c.replies).toEqual([]);
    expect(host.warnings.some((w) => typeof w.reason === 'string')).toBe(true);
    expect(host.counters).toContain('policy_protocol_errors');
    const ok = await connect();
    ok.send(policyRequest({ protocol_state: 'RCPT' }));
    expect(await ok.waitReplies(1)).toEqual(['action=OK']);
  });

  it('drops a client that pipelines more than 1000 requests without reading answers', async () => {
    host.decide = () => new Promise(() => undefined);
    const c = await connect();
    c.send(policyRequest({ protocol_state: 'RCPT' }).repeat(1001));
    expect(await c.waitClosed()).toBe(true);
    expect(host.warnings.some((w) => String(w.reason).includes('more than 1000 requests pipelined'))).toBe(true);
  });

  it('answers the good requests before a bad one on the same connection only if they completed first', async () => {
    const c = await connect();
    c.send(policyRequest({ protocol_state: 'RCPT' }));
    await c.waitReplies(1);
    c.send('request=smtpd_access_policy\nbroken line\n\n');
    expect(await c.waitClosed()).toBe(true);
    expect(c.replies).toEqual(['action=DUNNO']);
  });

  it('reports an accepted message at END-OF-MESSAGE once, with the recipients seen at RCPT', async () => {
    const c = await connect();
    const base = { client_address: '127.0.0.5', sender: 'app@example.com', instance: 'm1' };
    c.send(policyRequest({ ...base, protocol_state: 'RCPT', recipient: 'a@example.net' }) + policyRequest({ ...base, protocol_state: 'RCPT', recipient: 'b@example.net' }) + policyRequest({ ...base, protocol_state: 'RCPT', recipient: 'a@example.net', policy_context: 'limits' }));
    c.send(policyRequest({ ...base, protocol_state: 'END-OF-MESSAGE', queue_id: 'ABC123', recipient_count: 2, policy_context: 'relay' }) + policyRequest({ ...base, protocol_state: 'END-OF-MESSAGE', queue_id: 'ABC123', recipient_count: 2, policy_context: 'limits' }));
    await c.waitReplies(5);
    await new Promise((r) => setImmediate(r));
    expect(host.mail).toEqual([{ kind: 'accepted', queueId: 'ABC123', sender: 'app@example.com', recipients: ['a@example.net', 'b@example.net'], domain: 'example.com', at: host.clock.now(), clientAddress: '127.0.0.5' }]);
  });

  it('joins RCPT and END-OF-MESSAGE of one message arriving on different connections (one per policy_context)', async () => {
    const relay = await connect();
    const limits = await connect();
    const base = { client_address: '127.0.0.5', sender: 'app@example.com', instance: 'm2' };
    relay.send(policyRequest({ ...base, protocol_state: 'RCPT', recipient: 'x@example.net', policy_context: 'relay' }));
    await relay.waitReplies(1);
    limits.send(policyRequest({ ...base, protocol_state: 'END-OF-MESSAGE', queue_id: 'Q2', policy_context: 'limits' }));
    await limits.waitReplies(1);
    await new Promise((r) => setImmediate(r));
    expect(host.mail).toEqual([expect.objectContaining({ queueId: 'Q2', recipients: ['x@example.net'] })]);
  });

  it('does not report a message it refused at END-OF-MESSAGE', async () => {
    host.decide = (r) => (r.protocolState === 'END-OF-MESSAGE' ? { action: 'deny', reason: 'no' } : undefined);
    const c = await connect();
    c.send(policyRequest({ protocol_state: 'END-OF-MESSAGE', queue_id: 'Q1', instance: 'x' }));
    await c.waitReplies(1);
    await new Promise((r) => setImmediate(r));
    expect(host.mail).toEqual([]);
  });

  it('closes idle connections and stops cleanly with clients attached', async () => {
    await gw.stop();
    gw = new PostfixPolicyGateway(host, { host: '127.0.0.1', port: 0 }, { idleTimeoutMs: 100 });
    port = (await gw.start()).port;
    const c = await connect();
    expect(await c.waitClosed(3000)).toBe(true);
    const d = await connect();
    await gw.stop();
    expect(await d.waitClosed()).toBe(true);
    gw = new PostfixPolicyGateway(host, { host: '127.0.0.1', port: 0 });
    port = (await gw.start()).port;
  });
});
