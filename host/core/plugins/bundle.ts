import { createRequire } from 'node:module';
import * as inversify from 'inversify';
import * as contract from '../../../shared';
import { runCached } from '../code-cache';
import { lazyBuiltin } from './lazy-builtins';

/** The package name plugins import the contract by; bundlers mark it external. */
export const CONTRACT_MODULE = '@mailwarden/shared';

/**
 * Modules every plugin gets from the host rather than from its own folder:
 * one inversify (so its ContainerModule and the host's container agree) and
 * one contract (so service Symbols are the host's). This is how a plugin built
 * anywhere, dropped into the plugin directory, plugs into this host.
 */
const HOST_MODULES: Readonly<Record<string, unknown>> = {
  // A plain copy of the contract's exports: tsc's `export *` makes each one a
  // getter, and plugins call some (parseIp…) on every request. Same values,
  // same Symbols.
  [CONTRACT_MODULE]: Object.freeze({ ...contract }),
  inversify,
  'reflect-metadata': {},
};

/**
 * Evaluates a CommonJS plugin bundle with the host's modules injected; returns its exports.
 * In this realm (not a vm context), so plugin code shares the host's globals and built-ins;
 * with the bundle's code cache when build.mjs made one (host/core/code-cache.ts).
 */
export function evaluateBundle(file: string): unknown {
  const ownRequire = createRequire(file);
  const pluginRequire = (id: string): unknown =>
    Object.prototype.hasOwnProperty.call(HOST_MODULES, id) ? HOST_MODULES[id] : (lazyBuiltin(id) ?? ownRequire(id));
  return runCached(file, pluginRequire).exports;
}
