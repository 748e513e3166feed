import type { StateStore } from '../../../shared';

/** Channels on which a store tells every process/node that shared state changed. */
export type ChangeChannel = 'settings' | 'blocks' | 'locks' | 'plugin-data';

/** Hears a change; `source` only for a change this process made with a known source (see publish). */
export type ChangeListener = (channel: ChangeChannel, source?: string) => void;

/**
 * The host's view of a store: the plugin-facing StateStore plus change
 * notification (so caches in other processes or nodes drop stale copies) and
 * a lifecycle. Plugins only ever see a namespaced StateStore.
 */
export interface HostStore extends StateStore {
  readonly backend: 'memory' | 'sqlite' | 'redis';
  /**
   * Tells every process/node (this one included) that `channel` changed.
   * `source`, when given, is the one source (plugin id) of every block the
   * change touched; only listeners in this process hear it, elsewhere the
   * change comes without one and may have touched anything.
   */
  publish(channel: ChangeChannel, source?: string): Promise<void>;
  subscribe(listener: ChangeListener): () => void;
  close(): Promise<void>;
}

/** Implemented by stores that can refuse calls (a networked backend that is down and fails closed). */
export interface StoreHealth {
  /** True while calls are refused; the pipeline then answers tempfail without asking plugins. */
  unavailable(): boolean;
}

export function storeHealth(store: HostStore): () => boolean {
  const h = store as Partial<StoreHealth>;
  return typeof h.unavailable === 'function' ? () => h.unavailable!.call(store) : () => false;
}
