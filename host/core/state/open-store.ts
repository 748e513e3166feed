import path from 'node:path';
import type { Logger, Metrics } from '../../../shared';
import type { HostStore } from './host-store';
import { MemoryStore } from './memory-store';
import { openSqlite } from './open-sqlite';

export interface StateConfig {
  backend: 'memory' | 'sqlite' | 'redis';
  /** SQLite file; relative to the data directory. */
  file?: string;
  /** Redis: redis://, rediss://, redis-sentinel://, redis-cluster:// (docs/cluster.md). */
  url?: string;
  /** Redis: prepended to every key, so deployments can share one Redis. */
  keyPrefix?: string;
  /** Redis: keep deciding on a local store while Redis is down (default) or refuse (tempfail). */
  failOpen?: boolean;
  /** Redis: bound on how old the local read path's copy of blocks, locks and settings may be (ms; 0 = read Redis every time). */
  maxStalenessMs?: number;
  /** Redis: replicas that must hold a block, lock or setting before the write is acknowledged (WAIT). */
  ackReplicas?: number;
  /** Redis: how long that WAIT may take (ms). */
  ackTimeoutMs?: number;
}

export interface StoreServices {
  readonly logger?: Logger;
  readonly metrics?: Metrics;
}

/** Opens the configured backend. */
export function openStore(state: StateConfig, dataDir: string, services: StoreServices = {}): HostStore {
  switch (state.backend) {
    case 'memory':
      return new MemoryStore();
    case 'sqlite':
      return openSqlite(path.resolve(dataDir, state.file ?? 'mailwarden.db'), services);
    case 'redis':
      if (!state.url) throw new Error('state.url is required when state.backend is "redis" (e.g. "redis://127.0.0.1:6379")');
      {
        // Loaded only when configured: every CLI command opens a store, and most sites have no Redis.
        const { RedisStore } = require('./redis-store') as typeof import('./redis-store');
        return new RedisStore({
          url: state.url, keyPrefix: state.keyPrefix, failOpen: state.failOpen,
          maxStalenessMs: state.maxStalenessMs, ackReplicas: state.ackReplicas, ackTimeoutMs: state.ackTimeoutMs, ...services,
        });
      }
  }
}
