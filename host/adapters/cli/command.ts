import type { Io } from './cli-context';

/** A `mailwarden <name> …` command of the host. Plugins contribute theirs through the contract. */
export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  /** Full usage text, shown by `--help` and after a usage error. */
  readonly usage: string;
  run(argv: readonly string[], io: Io): Promise<number>;
}

export const EXIT = { ok: 0, runtime: 1, usage: 2, refused: 3, problem: 4 } as const;
