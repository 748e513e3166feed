import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { LabelTrie } from './label-trie';
import { LiteHistogram, type LiteSeries } from './lite-histogram';
import type { Metrics } from '../../shared';

type Labels = Readonly<Record<string, string>>;

interface PendingCount {
  readonly bound: { inc(by: number): void };
  n: number;
}

/** Request durations from a fast policy answer (1 ms) to a stuck backend (10 s). */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Counters and gauges on one prom-client registry, served at /metrics. Names
 * get the `mailwarden_` prefix; a metric's label names are fixed by its first use.
 */
export class PromMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly counters = new Map<string, Counter>();
  /**
   * Increments by metric and label values, added to prom-client's counter
   * when it is read (its collect hook): the gateways count every request,
   * and an increment here is a few map lookups and an addition. Bounded:
   * label values come from fixed vocabularies, but never trust that blindly.
   */
  private readonly pending = new LabelTrie<PendingCount>(10_000);
  private readonly pendingByCounter = new Map<string, PendingCount[]>();
  private readonly gauges = new Map<string, Gauge>();
  private readonly histograms = new Map<string, LiteHistogram>();
  private readonly series = new LabelTrie<LiteSeries>(10_000);
  private readonly warned = new Set<string>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'mailwarden_process_' });
  }

  private fullName(name: string): string {
    return name.startsWith('mailwarden_') || name.startsWith('postfix_') ? name : `mailwarden_${name}`;
  }

  increment(name: string, labels: Labels = {}, by = 1): void {
    const p = this.pending.get(name, labels);
    if (p) {
      p.n += by;
      return;
    }
    const c = this.counters.get(name) ?? this.createCounter(name, name.replace(/_/g, ' '), Object.keys(labels));
    try {
      const bound = c.labels(labels as Record<string, string>);
      // The first increment goes through prom-client, which checks the label names.
      bound.inc(by);
      const entry: PendingCount = { bound, n: 0 };
      if (this.pending.set(name, labels, entry)) this.pendingByCounter.get(name)!.push(entry);
    } catch (e) {
      this.warnOnce(name, e);
    }
  }

  private createCounter(name: string, help: string, labelNames: string[]): Counter {
    const full = this.fullName(name);
    const list: PendingCount[] = [];
    this.pendingByCounter.set(name, list);
    const c = new Counter({
      name: full.endsWith('_total') ? full : `${full}_total`, help, labelNames, registers: [this.registry],
      collect() {
        for (const p of list) {
          if (p.n === 0) continue;
          p.bound.inc(p.n);
          p.n = 0;
        }
      },
    });
    this.counters.set(name, c);
    return c;
  }

  setGauge(name: string, value: number, labels: Labels = {}): void {
    let g = this.gauges.get(name);
    if (!g) {
      g = new Gauge({ name: this.fullName(name), help: name.replace(/_/g, ' '), labelNames: Object.keys(labels), registers: [this.registry] });
      this.gauges.set(name, g);
    }
    try {
      g.set(labels, value);
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
    const h = new LiteHistogram(this.fullName(name), help, labelNames, buckets);
    this.registry.registerMetric(h as never);
    this.histograms.set(name, h);
  }

  observe(name: string, seconds: number, labels: Labels = {}): void {
    const series = this.series.get(name, labels);
    if (series) return series.observe(seconds);
    if (!this.histograms.has(name)) this.declareHistogram(name, name.replace(/_/g, ' '), Object.keys(labels));
    try {
      const s = this.histograms.get(name)!.seriesFor(labels);
      s.observe(seconds);
      this.series.set(name, labels, s);
    } catch (e) {
      this.warnOnce(name, e);
    }
  }

  /** A gauge whose value is read at scrape time (queue lengths, counts in the store). */
  collectGauge(name: string, help: string, labelNames: string[], collect: (g: Gauge) => void | Promise<void>): void {
    const full = this.fullName(name);
    if (this.registry.getSingleMetric(full)) return;
    new Gauge({ name: full, help, labelNames, registers: [this.registry], collect() { return collect(this); } });
  }

  private warnOnce(name: string, e: unknown): void {
    // A plugin using a metric with other labels must not break the caller.
    if (this.warned.has(name)) return;
    this.warned.add(name);
    process.emitWarning(`metric ${name}: ${(e as Error).message}`);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
