import type { Logger, Metrics, Notification, Notifier } from '../services';

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly obj: Readonly<Record<string, unknown>>;
}

/** A Logger that keeps every entry for assertions: `logger.find('plugin error')`. */
export class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];
  debug(obj: object, msg = ''): void {
    this.entries.push({ level: 'debug', msg, obj: obj as Record<string, unknown> });
  }
  info(obj: object, msg = ''): void {
    this.entries.push({ level: 'info', msg, obj: obj as Record<string, unknown> });
  }
  warn(obj: object, msg = ''): void {
    this.entries.push({ level: 'warn', msg, obj: obj as Record<string, unknown> });
  }
  error(obj: object, msg = ''): void {
    this.entries.push({ level: 'error', msg, obj: obj as Record<string, unknown> });
  }
  /** The fields of the entries whose message contains `text`. */
  find(text: string): Array<Readonly<Record<string, unknown>>> {
    return this.entries.filter((e) => e.msg.includes(text)).map((e) => e.obj);
  }
  /** The entries at `level`. */
  at(level: LogEntry['level']): LogEntry[] {
    return this.entries.filter((e) => e.level === level);
  }
}

/** A Notifier that keeps what was sent, with `source` filled in as the host does for a plugin. */
export class RecordingNotifier implements Notifier {
  readonly sent: Notification[] = [];
  /** Set to make `notify` reject (a mail relay that is down). */
  failure: Error | undefined;
  constructor(private readonly source?: string) {}
  async notify(n: Notification): Promise<void> {
    if (this.failure) throw this.failure;
    this.sent.push(this.source === undefined ? n : { ...n, source: this.source });
  }
}

/** Metrics kept in plain maps: `metrics.counter('blocks', { reason: 'pair' })`. */
export class RecordingMetrics implements Metrics {
  readonly counters = new Map<string, number>();
  readonly gauges = new Map<string, number>();
  readonly observations: Array<{ name: string; seconds: number; labels?: Readonly<Record<string, string>> }> = [];
  increment(name: string, labels?: Readonly<Record<string, string>>, by = 1): void {
    const k = metricKey(name, labels);
    this.counters.set(k, (this.counters.get(k) ?? 0) + by);
  }
  setGauge(name: string, value: number, labels?: Readonly<Record<string, string>>): void {
    this.gauges.set(metricKey(name, labels), value);
  }
  observe(name: string, seconds: number, labels?: Readonly<Record<string, string>>): void {
    this.observations.push(labels ? { name, seconds, labels } : { name, seconds });
  }
  /** A counter's value for exactly these labels (0 when never incremented). */
  counter(name: string, labels?: Readonly<Record<string, string>>): number {
    return this.counters.get(metricKey(name, labels)) ?? 0;
  }
  gauge(name: string, labels?: Readonly<Record<string, string>>): number | undefined {
    return this.gauges.get(metricKey(name, labels));
  }
}

/** `name{a="1",b="2"}` with labels sorted, as Prometheus prints them. */
function metricKey(name: string, labels?: Readonly<Record<string, string>>): string {
  if (!labels) return name;
  const parts = Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return parts.length ? `${name}{${parts.join(',')}}` : name;
}
