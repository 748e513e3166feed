import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Metrics } from '../../shared';

type Labels = Readonly<Record<string, string>>;

/** Request durations from a fast policy answer (1 ms) to a stuck backend (10 s). */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Counters and gauges on one prom-client registry, served at /metrics. Names
 * get the `mailwarden_` prefix; a metric's label names are fixed by its first use.
 */
export class PromMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly counters = new Map<string, Counter>();
  /** Bound children by metric and label values: inc() on them skips prom-client's label hashing. */
  private readonly children = new Map<string, { inc(by: number): void }>();
  private readonly gauges = new Map<string, Gauge>();
  private readonly histograms = new Map<string, Histogram>();
  private readonly warned = new Set<string>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'mailwarden_process_' });
  }

  private fullName(name: string): string {
    return name.startsWith('mailwarden_') || name.startsWith('postfix_') ? name : `mailwarden_${name}`;
  }

  increment(name: string, labels: Labels = {}, by = 1): void {
    let key = name;
    for (const k in labels) key += '\u0001' + labels[k];
    const child = this.children.get(key);
    if (child) return child.inc(by);
    let c = this.counters.get(name);
    if (!c) {
      const full = this.fullName(name);
      c = new Counter({ name: full.endsWith('_total') ? full : `${full}_total`, help: name.replace(/_/g, ' '), labelNames: Object.keys(labels), registers: [this.registry] });
      this.counters.set(name, c);
    }
    try {
      const bound = c.labels(labels as Record<string, string>);
      bound.inc(by);
      // Bounded: label values come from a fixed vocabulary, but never trust that blindly.
      if (this.children.size < 10_000) this.children.set(key, bound);
    } catch (e) {
      this.warnOnce(name, e);
    }
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
    const full = this.fullName(name);
    this.counters.set(name, new Counter({ name: full.endsWith('_total') ? full : `${full}_total`, help, labelNames, registers: [this.registry] }));
  }

  /** Declares a histogram of durations in seconds; `observe` creates one with default buckets otherwise. */
  declareHistogram(name: string, help: string, labelNames: string[], buckets = DURATION_BUCKETS): void {
    if (this.histograms.has(name)) return;
    this.histograms.set(name, new Histogram({ name: this.fullName(name), help, labelNames, buckets, registers: [this.registry] }));
  }

  observe(name: string, seconds: number, labels: Labels = {}): void {
    if (!this.histograms.has(name)) this.declareHistogram(name, name.replace(/_/g, ' '), Object.keys(labels));
    try {
      this.histograms.get(name)!.observe(labels, seconds);
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
