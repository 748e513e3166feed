import type { LoadedPlugin, PluginFailure } from './loaded-plugin';

/**
 * The plugin set the host runs now. Swapped whole on reload, so a request
 * sees either the old set or the new one, never half of each.
 */
export class PluginRegistry {
  private current: readonly LoadedPlugin[] = [];
  private failed: readonly PluginFailure[] = [];
  private gen = 0;
  private readonly listeners = new Set<() => void>();

  get active(): readonly LoadedPlugin[] {
    return this.current;
  }
  get failures(): readonly PluginFailure[] {
    return this.failed;
  }
  /** Bumped on every swap; caches keyed on the plugin set compare it. */
  get generation(): number {
    return this.gen;
  }

  get(id: string): LoadedPlugin | undefined {
    return this.current.find((p) => p.manifest.id === id);
  }

  swap(active: readonly LoadedPlugin[], failures: readonly PluginFailure[]): void {
    this.current = active;
    this.failed = failures;
    this.gen++;
    for (const l of this.listeners) l();
  }

  onSwap(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
