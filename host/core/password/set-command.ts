import { spawn } from 'node:child_process';
import { privilegedRoute } from '../../tools/privileged/route';

export class PasswordSetError extends Error {
  override readonly name = 'PasswordSetError';
}

export interface SetCommandVars {
  readonly login: string;
  readonly local: string;
  readonly domain: string;
}

const STDERR_KEEP = 2000;

/** The argv with `{login}`, `{local}` and `{domain}` replaced; never a shell. */
export function setCommandArgv(template: readonly string[], v: SetCommandVars): string[] {
  return template.map((a) => a.split('{login}').join(v.login).split('{local}').join(v.local).split('{domain}').join(v.domain));
}

/**
 * Runs the admin's command that writes a password into the real directory.
 * The password goes to its standard input followed by a newline, never into
 * argv (which every local user can read in `ps`) nor the environment.
 * Resolves when it exits 0; otherwise rejects with its exit status and the
 * tail of its stderr.
 */
export function runSetCommand(template: readonly string[], vars: SetCommandVars, password: string, timeoutMs: number): Promise<void> {
  // Unprivileged under the unit: mailwarden-privd runs the password command of its own config.
  const via = privilegedRoute();
  if (via) return via.setPassword(vars.login, password).then(() => undefined, (e: Error) => Promise.reject(new PasswordSetError(e.message)));
  const [cmd, ...args] = setCommandArgv(template, vars);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      stderr = (stderr + s).slice(-STDERR_KEEP);
    });
    // A command that exits without reading its input must not crash us with EPIPE.
    child.stdin.on('error', () => undefined);
    child.on('error', (e) => reject(new PasswordSetError(`cannot run ${cmd}: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const why = signal ? `was killed by ${signal}${signal === 'SIGKILL' ? ` (timeout ${timeoutMs} ms?)` : ''}` : `exited with status ${code}`;
      const tail = stderr.trim();
      reject(new PasswordSetError(`${cmd} ${why}${tail ? `: ${tail}` : ''}`));
    });
    child.stdin.end(password + '\n', 'utf8');
  });
}
