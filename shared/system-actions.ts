export const SystemActions = Symbol('mailwarden.SystemActions');
/**
 * Changes to the mail system outside mailwarden's own state: replacing a
 * lookup table Postfix reads and running a configured command. Plugins pass
 * host-level settings (paths, argvs from the root-owned config file) as they
 * are; the host performs them directly, or, when the service runs
 * unprivileged, through its privileged helper, which checks each against the
 * config's allow-lists and refuses anything else with a message naming it.
 */
export interface SystemActions {
  /** Replaces `file` whole (readers never see half of it) with `content`, a Postfix cidr: table. */
  replaceTable(file: string, content: string): Promise<void>;
  /** Runs `argv` (no shell); resolves with its output, rejects with its message. */
  run(argv: readonly string[]): Promise<string>;
}
