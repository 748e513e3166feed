/*
 * A Prometheus histogram that the gateways can feed on every request.
 * prom-client's Histogram re-validates and re-hashes the labels on every
 * observation (a bound child included), which cost as much as a third of the
 * Postfix gateway's own work per request. Here a series is looked up once by
 * its label key and an observation is a bucket search and three additions.
 * It registers on the prom-client registry as any metric does (name, help,
 * type, get, reset), so /metrics shows it like the others.
 */

type Labels = Readonly<Record<string, string>>;

interface MetricValue {
  readonly value: number;
  readonly labels: Record<string, string | number>;
  readonly metricName: string;
}

export class LiteSeries {
  /** Per bucket, not cumulative; the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly labels: Labels, private readonly upper: readonly number[]) {
    this.counts = new Float64Array(upper.length + 1);
  }

  observe(v: number): void {
    const upper = this.upper;
    let i = 0;
    while (i < upper.length && v > upper[i]) i++;
    this.counts[i]++;
    this.sum += v;
    this.count++;
  }
}

export class LiteHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, LiteSeries>();

  constructor(readonly name: string, readonly help: string, readonly labelNames: readonly string[], private readonly upper: readonly number[]) {}

  /** The series for these labels; throws on a label name the histogram was not declared with (as prom-client does). */
  seriesFor(labels: Labels): LiteSeries {
    let key = '';
    for (const n of this.labelNames) key += '\u0001' + (labels[n] ?? '');
    let s = this.series.get(key);
    if (s) return s;
    const names = Object.keys(labels);
    const unknown = names.find((n) => !this.labelNames.includes(n));
    if (unknown !== undefined) throw new Error(`label "${unknown}" is not one of ${JSON.stringify(this.labelNames)} of ${this.name}`);
    s = new LiteSeries({ ...labels }, this.upper);
    this.series.set(key, s);
    return s;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: MetricValue[] } {
    const values: MetricValue[] = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.upper.length; i++) {
        cumulative += s.counts[i];
        values.push({ value: cumulative, labels: { le: this.upper[i], ...s.labels }, metricName: `${this.name}_bucket` });
      }
      values.push({ value: s.count, labels: { le: '+Inf', ...s.labels }, metricName: `${this.name}_bucket` });
      values.push({ value: s.sum, labels: { ...s.labels }, metricName: `${this.name}_sum` });
      values.push({ value: s.count, labels: { ...s.labels }, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.series.clear();
  }
}
