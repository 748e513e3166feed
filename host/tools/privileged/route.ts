import type { PrivilegedClient } from './client';

let route: PrivilegedClient | undefined;

/**
 * Decides, once per process, whether root actions go to mailwarden-privd:
 * yes when the config names its socket and we are not root (the service
 * under its unit). Root (the admin's CLI) acts directly, as before.
 */
export function installPrivilegedRoute(config: { readonly privileged?: { readonly socket?: string } }): void {
  const socket = config.privileged?.socket;
  // The client (node:net) is loaded only when it is used: every command's App installs the route, most without a socket.
  route = socket && process.getuid?.() !== 0 ? new (require('./client') as typeof import('./client')).PrivilegedClient(socket) : undefined;
}

/** The helper to go through, or undefined to act in-process. */
export function privilegedRoute(): PrivilegedClient | undefined {
  return route;
}
