import { PeriodicTask } from '../../../shared';
import { ManualClock } from '../../../shared/testing';

const settle = () => new Promise((r) => setImmediate(r));

describe('PeriodicTask', () => {
  test('runs a round each interval of the injected clock, reading the interval after each round; stop ends it', async () => {
    const clock = new ManualClock();
    let interval = 60_000;
    const rounds: number[] = [];
    const task = new PeriodicTask({ clock, run: async () => void rounds.push(clock.now()), intervalMs: () => interval, onError: () => undefined });
    task.start();
    clock.advance(59_999);
    await settle();
    expect(rounds).toEqual([]);
    clock.advance(1);
    await settle();
    expect(rounds).toHaveLength(1);
    interval = 10_000;
    clock.advance(60_000);
    await settle();
    expect(rounds).toHaveLength(2);
    clock.advance(10_000);
    await settle();
    expect(rounds).toHaveLength(3);
    await task.stop();
    clock.advance(600_000);
    await settle();
    expect(rounds).toHaveLength(3);
    expect(clock.pending).toBe(0);
  });

  test('a failed round is reported and the loop goes on; overlapping ticks share one round', async () => {
    const clock = new ManualClock();
    const errors: unknown[] = [];
    let n = 0;
    const task = new PeriodicTask({ clock, run: async () => { n++; if (n === 1) throw new Error('queue unreadable'); return n; }, intervalMs: () => 1000, onError: (e) => errors.push(e) });
    task.start();
    clock.advance(1000);
    await settle();
    expect((errors[0] as Error).message).toBe('queue unreadable');
    clock.advance(1000);
    await settle();
    expect(n).toBe(2);
    const [a, b] = [task.tick(), task.tick()];
    expect(await a).toBe(3);
    expect(await b).toBe(3);
    await task.stop();
  });
});
