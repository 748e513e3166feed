import { PromMetrics } from '../../../../../host/core/services/metrics';

describe('PromMetrics', () => {
  test('increments are summed into the counter when it is read, per label set', async () => {
    const m = new PromMetrics();
    for (let i = 0; i < 5; i++) m.increment('policy_replies', { action: 'allow' });
    m.increment('policy_replies', { action: 'hold' }, 2);
    let text = await m.text();
    expect(text).toContain('mailwarden_policy_replies_total{action="allow"} 5');
    expect(text).toContain('mailwarden_policy_replies_total{action="hold"} 2');
    m.increment('policy_replies', { action: 'allow' });
    text = await m.text();
    expect(text).toContain('mailwarden_policy_replies_total{action="allow"} 6');
    // Reading twice does not add twice.
    expect(await m.text()).toContain('mailwarden_policy_replies_total{action="allow"} 6');
  });

  test('a declared counter is listed with its help text before its first event', async () => {
    const m = new PromMetrics();
    m.declareCounter('auth_decisions', 'Pipeline decisions', ['hook', 'verdict', 'plugin']);
    expect(await m.text()).toContain('# HELP mailwarden_auth_decisions_total Pipeline decisions');
    m.increment('auth_decisions', { hook: 'checkRelay', verdict: 'allow', plugin: 'trusted-ips' });
    expect(await m.text()).toContain('mailwarden_auth_decisions_total{hook="checkRelay",verdict="allow",plugin="trusted-ips"} 1');
  });

  test('histograms: cumulative buckets, +Inf, sum and count in the Prometheus text format', async () => {
    const m = new PromMetrics();
    m.declareHistogram('gateway_request_duration_seconds', 'Time to answer', ['gateway'], [0.001, 0.01, 0.1]);
    for (const v of [0.0005, 0.001, 0.002, 0.05, 3]) m.observe('gateway_request_duration_seconds', v, { gateway: 'postfix' });
    m.observe('gateway_request_duration_seconds', 0.0001, { gateway: 'dovecot' });
    const text = await m.text();
    expect(text).toContain('# TYPE mailwarden_gateway_request_duration_seconds histogram');
    const lines = text.split('\n').filter((l) => l.includes('gateway="postfix"'));
    expect(lines).toEqual([
      'mailwarden_gateway_request_duration_seconds_bucket{le="0.001",gateway="postfix"} 2',
      'mailwarden_gateway_request_duration_seconds_bucket{le="0.01",gateway="postfix"} 3',
      'mailwarden_gateway_request_duration_seconds_bucket{le="0.1",gateway="postfix"} 4',
      'mailwarden_gateway_request_duration_seconds_bucket{le="+Inf",gateway="postfix"} 5',
      'mailwarden_gateway_request_duration_seconds_sum{gateway="postfix"} 3.0535',
      'mailwarden_gateway_request_duration_seconds_count{gateway="postfix"} 5',
    ]);
    expect(text).toContain('mailwarden_gateway_request_duration_seconds_count{gateway="dovecot"} 1');
  });

  test('a metric used with labels it was not declared with is warned about once and never throws', async () => {
    const m = new PromMetrics();
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      m.declareHistogram('h', 'h', ['gateway']);
      m.observe('h', 1, { other: 'x' });
      m.observe('h', 1, { other: 'y' });
      m.declareCounter('c', 'c', ['a']);
      m.increment('c', { b: '1' });
      expect(warn).toHaveBeenCalledTimes(2);
      expect(await m.text()).not.toContain('other=');
    } finally {
      warn.mockRestore();
    }
  });
});
