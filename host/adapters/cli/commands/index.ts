import type { CliCommand } from '../command';

/**
 * A host command as `--help` lists it; its module is loaded only when it runs
 * (or its help is asked for), so that a command starts without the code of
 * every other (ajv, prom-client, the gateways, the log scanner).
 */
export interface CommandEntry {
  readonly name: string;
  /** One line for `mailwarden --help`; the module's own `summary` must say the same (a test checks). */
  readonly summary: string;
  load(): Promise<CliCommand>;
}

/** The host's commands, in the order `mailwarden --help` lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'serve', summary: 'run mailwarden: load plugins, start the gateways and the admin listener', load: async () => (await import('./serve')).serveCommand },
  { name: 'domains', summary: 'list, add or remove the mail domains mailwarden manages', load: async () => (await import('./domains')).domainsCommand },
  { name: 'plugins', summary: 'list plugins (loaded or failed, enabled per domain); enable or disable one', load: async () => (await import('./plugins')).pluginsCommand },
  { name: 'config', summary: "check the config file or show the effective settings; show or change a plugin's config for a domain", load: async () => (await import('./config')).configCommand },
  { name: 'blocks', summary: 'list, add or lift blocks (placed by plugins such as brute force, or by hand)', load: async () => (await import('./blocks')).blocksCommand },
  { name: 'doctor', summary: 'check the Postfix and Dovecot wiring (no open relay, mynetworks, policy services) and mailwarden itself (listeners, store)', load: async () => (await import('./doctor')).doctorCommand },
  { name: 'wiring', summary: 'print the exact dovecot.conf or main.cf lines that wire this mailwarden into Dovecot or Postfix', load: async () => (await import('./wiring')).wiringCommand },
  { name: 'relay', summary: 'check that the server is not an open relay: probe it over SMTP, or audit who relayed in a log', load: async () => (await import('./relay')).relayCommand },
  { name: 'account', summary: 'lock, unlock or log out an account; list locked accounts', load: async () => (await import('./account')).accountCommand },
  { name: 'queue', summary: "list the Postfix queue; hold, release or delete one sender's mail exactly", load: async () => (await import('./queue')).queueCommand },
  { name: 'logs', summary: 'read mail logs: follow them for failed logins, or scan them for compromised accounts and relaying', load: async () => (await import('./logs')).logsCommand },
  { name: 'password', summary: "check a password against a domain's policy, or set it (password read from stdin)", load: async () => (await import('./password')).passwordCommand },
  { name: 'backup', summary: 'copy the SQLite state to FILE (online: the service may keep running)', load: async () => (await import('./backup')).backupCommand },
  { name: 'restore', summary: 'replace the SQLite state with a backup FILE (stop the service first)', load: async () => (await import('./backup')).restoreCommand },
  { name: 'migrate', summary: 'create the state store or bring its schema forward; create the admin token and Dovecot secret if missing', load: async () => (await import('./migrate')).migrateCommand },
];
