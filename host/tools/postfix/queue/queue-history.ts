import type { Clock, MailQueue, QueueName } from '../../../../shared';

export interface QueueSample {
  readonly at: number;
  readonly total: number;
  readonly byQueue: Readonly<Record<QueueName, number>>;
}

/**
 * Recent queue sizes for the console's chart: one sample per interval in a
 * ring of fixed size (a day at one per minute), in memory. Time comes from the
 * injected clock; the timer only calls sample(), which tests call directly.
 */
export class QueueHistory {
  private readonly samples: QueueSample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly queue: MailQueue, private readonly clock: Clock, private readonly size = 1440) {}

  async sample(): Promise<QueueSample> {
    const counts = await this.queue.counts();
    const byQueue = Object.fromEntries(Object.entries(counts).map(([q, c]) => [q, c.length])) as Record<QueueName, number>;
    const s: QueueSample = { at: this.clock.now(), total: Object.values(byQueue).reduce((a, b) => a + b, 0), byQueue };
    this.samples.push(s);
    if (this.samples.length > this.size) this.samples.splice(0, this.samples.length - this.size);
    return s;
  }

  recent(): readonly QueueSample[] {
    return this.samples;
  }

  start(intervalMs: number, onError: (e: Error) => void): void {
    this.timer = setInterval(() => void this.sample().catch(onError), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
