import * as path from 'node:path';
import type { HostStore } from './host-store';
import { MemoryStore } from './memory-store';
import { SqliteStore } from './sqlite-store';

export interface StateConfig {
  backend: 'memory' | 'sqlite' | 'redis';
  /** SQLite file; relative to the data directory. */
  file?: string;
  url?: string;
  keyPrefix?: string;
}

/** Opens the configured backend. Redis arrives with cluster mode. */
export function openStore(state: StateConfig, dataDir: string): HostStore {
  switch (state.backend) {
    case 'memory':
      return new MemoryStore();
    case 'sqlite':
      return new SqliteStore(path.resolve(dataDir, state.file ?? 'mailwarden.db'));
    case 'redis':
      throw new Error('state.backend "redis" is not available in this build');
  }
}
