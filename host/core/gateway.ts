import type { App } from './app';
import type { ListenAddress } from '../tools/listen-address';

/** A listener of `serve`: started in order, stopped in reverse. */
export interface Gateway {
  readonly name: string;
  /** Resolves with the address actually bound (port 0 → the chosen port). */
  start(): Promise<ListenAddress>;
  stop(): Promise<void>;
}

export type ListenerName = 'admin' | 'dovecot' | 'postfix';

export interface GatewayDefinition {
  readonly listener: ListenerName;
  create(app: App, address: ListenAddress): Gateway;
}
