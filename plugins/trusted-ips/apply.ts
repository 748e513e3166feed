import { execFile } from 'node:child_process';
import type { SystemActions } from '../../shared';
import { GLOBAL_SCOPE, type TrustedIpsConfig } from './config';
import type { TrustedEntry } from './entry';
import { renderCidrTable, writeFileAtomic } from './table';

export interface ApplyResult {
  readonly file: string;
  readonly reloaded: boolean;
  readonly reloadOutput?: string;
}

/**
 * Writes the global table (Postfix's mynetworks is one list for the whole
 * server: a domain-scoped entry is enforced by the policy gateway only) and
 * runs the reload command. Throws with the command's own message on failure.
 */
export async function applyToPostfix(entries: readonly TrustedEntry[], config: TrustedIpsConfig, now: number, system?: SystemActions): Promise<ApplyResult> {
  const text = renderCidrTable(entries, [GLOBAL_SCOPE], now, `mynetworks = cidr:${config.tableFile}`);
  // The host's SystemActions write and reload through its privileged helper when the service runs unprivileged.
  if (system) {
    await system.replaceTable(config.tableFile, text);
    if (config.reloadCommand.length === 0) return { file: config.tableFile, reloaded: false };
    const out = await system.run(config.reloadCommand);
    return { file: config.tableFile, reloaded: true, ...(out ? { reloadOutput: out } : {}) };
  }
  writeFileAtomic(config.tableFile, text);
  const [cmd, ...args] = config.reloadCommand;
  if (!cmd) return { file: config.tableFile, reloaded: false };
  const output = await new Promise<string>((resolve, reject) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      const out = `${stdout}${stderr}`.trim();
      if (err) reject(new Error(`${config.reloadCommand.join(' ')} failed: ${out || err.message}`));
      else resolve(out);
    });
  });
  return { file: config.tableFile, reloaded: true, ...(output ? { reloadOutput: output } : {}) };
}
