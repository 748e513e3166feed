/**
 * A plugin's host-level settings (`"hostLevel": true` in its configSchema):
 * programs, argv, file paths and guard-rail bounds, read only from the host's
 * config file (`plugins.<id>`), defaults filled in. The same for every
 * domain, and there even when the plugin is enabled for none (a CLI command
 * still needs its table path). Injected into the plugin's container.
 */
export const HostSettings = Symbol('mailwarden.HostSettings');
export type HostSettings = Readonly<Record<string, unknown>>;
