import type * as PromClient from 'prom-client';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Metrics } from '../../../shared';
import { type Labels, MAX_SERIES_PER_METRIC, OTHER, SeriesTable } from './metric-series';

export { MAX_SERIES_PER_METRIC };

let promClient: typeof PromClient | undefined;
/**
 * prom-client on first use: a CLI command's App counts nothing, and loading
 * prom-client costs a third of node's own start.
 */
const prom = (): typeof PromClient => (promClient ??= require('prom-client') as typeof PromClient);

interface PendingCount {
  readonly bound: { inc(by: number): void };
  n: number;
}

interface Family<C> {
  readonly metric: { remove(labels: Record<string, string>): void };
  readonly series: SeriesTable<C>;
}

type GaugeChild = ReturnType<Gauge['labels']>;
type HistogramChild = ReturnType<Histogram['labels']>;

/** Request durations from a fast policy answer (1 ms) to a stuck backend (10 s). */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The label that names a mail domain: its values come from typed logins, so only configured domains keep theirs. */
const DOMAIN_LABEL = 'domain';

/**
 * Counters, gauges and histograms on one prom-client registry, served at
 * /metrics. Names get the `mailwarden_` prefix; a metric's label names are
 * fixed by its first use. Every metric keeps a bounded number of series
 * (MAX_SERIES_PER_METRIC), and a `domain` label carries only a configured
 * domain, anything else being `other`: label values reach here from clients.
 */
export class PromMetrics implements Metrics {
  private reg: Registry | undefined;
  get registry(): Registry {
    return (this.reg ??= new (prom().Registry)());
  }
  /**
   * Counter increments are added to prom-client's child when the counter is
   * read (its collect hook): the gateways count every request, and an
   * increment here is a few map lookups and an addition.
   */
  private readonly counters = new Map<string, Family<PendingCount>>();
  private readonly gauges = new Map<string, Family<GaugeChild>>();
  private readonly histograms = new Map<string, Family<HistogramChild>>();
  private readonly warned = new Set<string>();
  /** Configured domains; until the host says which, every domain label is `other`. */
  private domains: ReadonlySet<string> = new Set();
  private domainSource: (() => Promise<Iterable<string>>) | undefined;
  private domainGeneration = 0;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) prom().collectDefaultMetrics({ register: this.registry, prefix: 'mailwarden_process_' });
  }

  private fullName(name: string): string {
    return name.startsWith('mailwarden_') || name.startsWith('postfix_') ? name : `mailwarden_${name}`;
  }

  /** Where the configured domains come from; `subscribe` tells of every change. */
  useDomains(list: () => Promise<Iterable<string>>, subscribe: (changed: () => void) => void): Promise<void> {
    this.domainSource = list;
    subscribe(() => void this.refreshDomainLabels());
    return this.refreshDomainLabels();
  }

  /** Reads the configured domains again; a store that cannot answer leaves the labels as they were. */
  async refreshDomainLabels(): Promise<void> {
    if (!this.domainSource) return;
    const generation = ++this.domainGeneration;
    let names: Iterable<string>;
    try {
      names = await this.domainSource();
    } catch {
      return;
    }
    // A slower, older read must not undo a newer one.
    if (generation === this.domainGeneration) this.setDomainLabels(names);
  }

  /** The domains a `domain` label may name; series of a domain no longer configured are dropped. */
  setDomainLabels(names: Iterable<string>): void {
    const domains = new Set(names);
    this.domains = domains;
    const stale = (labels: Labels) => {
      const d = labels[DOMAIN_LABEL];
      return d !== undefined && d !== OTHER && !domains.has(d);
    };
    for (const [name, f] of [...this.counters, ...this.gauges, ...this.histograms] as Array<[string, Family<unknown>]>) {
      if (f.series.labelNames.includes(DOMAIN_LABEL)) f.series.prune(name, stale, (labels) => f.metric.remove({ ...labels }));
    }
  }

  private mapLabels(labels: Labels): Labels {
    const d = labels[DOMAIN_LABEL];
    if (d === undefined || d === OTHER || this.domains.has(d)) return labels;
    return { ...labels, [DOMAIN_LABEL]: OTHER };
  }

  increment(name: string, labels: Labels = {}, by = 1): void {
    const f = this.counters.get(name) ?? this.createCounter(name, name.replace(/_/g, ' '), Object.keys(labels));
    try {
      f.series.get(name, this.mapLabels(labels)).n += by;
    } catch (e) {
      this.warnOnce(name, e);
    }
  }

  private createCounter(name: string, help: string, labelNames: string[]): Family<PendingCount> {
    const full = this.fullName(name);
    let series: SeriesTable<PendingCount> | undefined;
    const counter: Counter = new (prom().Counter)({
      name: full.endsWith('_total') ? full : `${full}_total`, help, labelNames, registers: [this.registry],
      collect() {
        for (const p of series?.children() ?? []) {
          if (p.n === 0) continue;
          p.bound.inc(p.n);
          p.n = 0;
        }
      },
    });
    const child = (l: Labels): PendingCount => {
      const bound = counter.labels(l as Record<string, string>);
      // Counter.labels() does not check the label names; inc() does, and throws here rather than at a scrape.
      bound.inc(0);
      return { bound, n: 0 };
    };
    series = new SeriesTable<PendingCount>(labelNames, child, () => this.warnFull(name));
    const f: Family<PendingCount> = { metric: counter, series };
    this.counters.set(name, f);
    return f;
  }

  setGauge(name: string, value: number, labels: Labels = {}): void {
    let f = this.gauges.get(name);
    if (!f) {
      const labelNames = Object.keys(labels);
      const g = new (prom().Gauge)({ name: this.fullName(name), help: name.replace(/_/g, ' '), labelNames, registers: [this.registry] });
      f = { metric: g, series: new SeriesTable<GaugeChild>(labelNames, (l) => g.labels(l as Record<string, string>), () => this.warnFull(name)) };
      this.gauges.set(name, f);
    }
    try {
      f.series.get(name, this.mapLabels(labels)).set(value);
    } catch (e) {
      this.warnOnce(name, e);
    }
  }

  /**
   * Declares a counter before its first event, so that it is listed (with its
   * help text) from the first scrape; later increments must use these labels.
   */
  declareCounter(name: string, help: string, labelNames: string[]): void {
    if (this.counters.has(name)) return;
    this.createCounter(name, help, labelNames);
  }

  /** Declares a histogram of durations in seconds; `observe` creates one with default buckets otherwise. */
  declareHistogram(name: string, help: string, labelNames: string[], buckets = DURATION_BUCKETS): void {
    if (this.histograms.has(name)) return;
    const h = new (prom().Histogram)({ name: this.fullName(name), help, labelNames, buckets, registers: [this.registry] });
    this.histograms.set(name, { metric: h, series: new SeriesTable<HistogramChild>(labelNames, (l) => h.labels(l as Record<string, string>), () => this.warnFull(name)) });
  }

  observe(name: string, seconds: number, labels: Labels = {}): void {
    if (!this.histograms.has(name)) this.declareHistogram(name, name.replace(/_/g, ' '), Object.keys(labels));
    try {
      this.histograms.get(name)!.series.get(name, this.mapLabels(labels)).observe(seconds);
    } catch (e) {
      this.warnOnce(name, e);
    }
  }

  /** A gauge whose value is read at scrape time (queue lengths, counts in the store). */
  collectGauge(name: string, help: string, labelNames: string[], collect: (g: Gauge) => void | Promise<void>): void {
    const full = this.fullName(name);
    if (this.registry.getSingleMetric(full)) return;
    new (prom().Gauge)({ name: full, help, labelNames, registers: [this.registry], collect() { return collect(this); } });
  }

  private warnFull(name: string): void {
    this.warnOnce(name, new Error(`more than ${MAX_SERIES_PER_METRIC} label sets; further ones are counted under "${OTHER}"`), 'full');
  }

  private warnOnce(name: string, e: unknown, kind = 'labels'): void {
    // A plugin using a metric with other labels must not break the caller.
    const key = `${kind}:${name}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    process.emitWarning(`metric ${name}: ${(e as Error).message}`);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/**
 * A CLI command's metrics: nothing scrapes a command, so what its plugins
 * count (some count at construction) goes nowhere, and prom-client is never loaded.
 */
export class UncountedMetrics extends PromMetrics {
  override increment(): void {}
  override setGauge(): void {}
  override declareCounter(): void {}
  override declareHistogram(): void {}
  override observe(): void {}
  override collectGauge(): void {}
  override async text(): Promise<string> {
    return '';
  }
}
