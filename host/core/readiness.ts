/**
 * Which listeners `serve` means to run and which are up, for /readyz. A
 * process-wide record (like process-faults) because the listeners are started
 * by serve after the admin listener, which answers /readyz, is already up.
 */
export class ListenerReadiness {
  private readonly expected = new Set<string>();
  private readonly up = new Set<string>();

  /** The listeners this process will start; until each is up, it is not ready. */
  expect(names: Iterable<string>): void {
    for (const n of names) this.expected.add(n);
  }

  started(name: string): void {
    this.up.add(name);
  }

  stopped(name: string): void {
    this.up.delete(name);
  }

  /** Listeners expected and not (or no longer) up. */
  missing(): string[] {
    return [...this.expected].filter((n) => !this.up.has(n));
  }

  reset(): void {
    this.expected.clear();
    this.up.clear();
  }
}

export const listenerReadiness = new ListenerReadiness();
