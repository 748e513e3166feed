import { PrivilegedClient } from './client';

let route: PrivilegedClient | undefined;

/**
 * Decides, once per process, whether root actions go to mailwarden-privd:
 * yes when the config names its socket and we are not root (the service
 * under its unit). Root (the admin's CLI) acts directly, as before.
 */
export function installPrivilegedRoute(config: { readonly privileged?: { readonly socket?: string } }): void {
  const socket = config.privileged?.socket;
  route = socket && process.getuid?.() !== 0 ? new PrivilegedClient(socket) : undefined;
}

/** The helper to go through, or undefined to act in-process. */
export function privilegedRoute(): PrivilegedClient | undefined {
  return route;
}
