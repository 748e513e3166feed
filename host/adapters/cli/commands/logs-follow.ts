import fs from 'node:fs';
import { UsageError } from '../../../../shared';
import { AuthLogFollower } from '../../logs/auth-log-follower';
import type { LoggedAuthFailure } from '../../../tools/maillog/auth-failures';
import { CliContext, type Io, parse } from '../cli-context';

/**
 * `mailwarden logs follow FILE…`: reports failed logins read from mail logs to
 * the plugins until interrupted, printing each one. For servers where
 * Dovecot's policy hook is not wired; `serve --follow-log` does the same
 * inside the server.
 */
export async function runLogsFollow(argv: readonly string[], io: Io): Promise<number> {
  const p = parse(argv, { 'from-start': { type: 'boolean' }, 'poll-ms': { type: 'string' }, once: { type: 'boolean' } }, 'logs follow');
  const files = p.positionals;
  if (files.length === 0) throw new UsageError('logs follow: at least one FILE is required');
  const pollText = p.values['poll-ms'] as string | undefined;
  const pollMs = pollText === undefined ? 500 : Number(pollText);
  if (!Number.isInteger(pollMs) || pollMs < 50 || pollMs > 60_000) throw new UsageError(`logs follow: --poll-ms must be an integer from 50 to 60000, not "${pollText}"`);
  // A typo in the path would otherwise follow nothing, silently, until interrupted.
  for (const file of files) {
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(`logs follow: ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
    }
    if (!st.isFile()) throw new UsageError(`logs follow: ${file}: not a regular file`);
  }
  const ctx = new CliContext(io, p);
  const followers: AuthLogFollower[] = [];
  try {
    const app = await ctx.open();
    const print = (file: string) => (f: LoggedAuthFailure, reported: boolean) => {
      if (ctx.json) io.stdout.write(JSON.stringify({ file, login: f.login ?? null, remoteIp: f.remoteIp, protocol: f.protocol, attempts: f.attempts, source: f.source, reported }) + '\n');
      else ctx.out(`${f.source} ${f.protocol} ${f.login ?? '(no login)'} from ${f.remoteIp}: ${f.attempts} failed attempt(s)${reported ? ' reported' : ', not reported (no usable login)'}`);
    };
    for (const file of files) followers.push(new AuthLogFollower(app, file, { pollMs, fromStart: p.values['from-start'] === true, onFailure: print(file) }));
    for (const f of followers) await f.start();
    // --once: read what is there and stop (scripts, tests); otherwise follow until a signal.
    if (p.values.once !== true) {
      // The followers' timers are unref'd (inside serve they must not hold the process
      // open); here something must, or node exits at once with nothing followed.
      const keepAlive = setInterval(() => undefined, 60_000);
      try {
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
      } finally {
        clearInterval(keepAlive);
      }
    }
    return 0;
  } finally {
    for (const f of followers) await f.stop();
    await ctx.close();
  }
}
