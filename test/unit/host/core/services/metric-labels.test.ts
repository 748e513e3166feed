import { Histogram } from 'prom-client';
import { PromMetrics, MAX_SERIES_PER_METRIC } from '../../../../../host/core/services/metrics';
import { testApp } from '../../../../helpers/test-app';

const linesOf = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(name));

describe('metric labels an attacker can choose', () => {
  test('90k made-up login domains add one `other` series, not 90k (issue 14)', async () => {
    const { app } = await testApp();
    await app.settings.addDomain('example.org', 'test');
    await app.metrics.refreshDomainLabels();
    for (let i = 0; i < 90_000; i++) app.metrics.increment('bruteforce_failures', { domain: `x${i}.invalid` });
    app.metrics.increment('bruteforce_failures', { domain: 'example.org' });
    const lines = linesOf(await app.metrics.text(), 'mailwarden_bruteforce_failures_total');
    expect(lines.sort()).toEqual([
      'mailwarden_bruteforce_failures_total{domain="example.org"} 1',
      'mailwarden_bruteforce_failures_total{domain="other"} 90000',
    ]);
    await app.close();
  });

  test('the domain labels follow domains being added and removed', async () => {
    const { app } = await testApp();
    await app.metrics.refreshDomainLabels();
    app.metrics.increment('bruteforce_failures', { domain: 'new.example' });
    await app.settings.addDomain('new.example', 'test');
    await app.metrics.refreshDomainLabels();
    app.metrics.increment('bruteforce_failures', { domain: 'new.example' });
    let lines = linesOf(await app.metrics.text(), 'mailwarden_bruteforce_failures_total');
    expect(lines.sort()).toEqual([
      'mailwarden_bruteforce_failures_total{domain="new.example"} 1',
      'mailwarden_bruteforce_failures_total{domain="other"} 1',
    ]);
    await app.settings.removeDomain('new.example', 'test');
    await app.metrics.refreshDomainLabels();
    app.metrics.increment('bruteforce_failures', { domain: 'new.example' });
    lines = linesOf(await app.metrics.text(), 'mailwarden_bruteforce_failures_total');
    // A removed domain's series goes: what it still counts is `other`.
    expect(lines).toEqual(['mailwarden_bruteforce_failures_total{domain="other"} 2']);
    await app.close();
  });

  test('any other label: past the per-metric cap, new label sets share one `other` series', async () => {
    const m = new PromMetrics();
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      for (let i = 0; i < 50_000; i++) {
        m.increment('made_up', { source: `s${i}` });
        m.setGauge('made_up_gauge', i, { source: `s${i}` });
        m.observe('made_up_seconds', 0.01, { source: `s${i}` });
      }
      const text = await m.text();
      expect(linesOf(text, 'mailwarden_made_up_total').length).toBe(MAX_SERIES_PER_METRIC + 1);
      expect(text).toContain(`mailwarden_made_up_total{source="other"} ${50_000 - MAX_SERIES_PER_METRIC}`);
      expect(linesOf(text, 'mailwarden_made_up_gauge').length).toBe(MAX_SERIES_PER_METRIC + 1);
      expect(linesOf(text, 'mailwarden_made_up_seconds_count').length).toBe(MAX_SERIES_PER_METRIC + 1);
      expect(warn).toHaveBeenCalledTimes(3);
    } finally {
      warn.mockRestore();
    }
  });
});

test('the gateway latency histogram is prom-client\'s own Histogram (documented API, no internals)', async () => {
  const m = new PromMetrics();
  m.declareHistogram('gateway_request_duration_seconds', 'Time to answer', ['gateway']);
  m.observe('gateway_request_duration_seconds', 0.002, { gateway: 'postfix' });
  expect(m.registry.getSingleMetric('mailwarden_gateway_request_duration_seconds')).toBeInstanceOf(Histogram);
  expect(await m.text()).toContain('mailwarden_gateway_request_duration_seconds_count{gateway="postfix"} 1');
});
