import { spawn } from 'node:child_process';
import { privilegedRoute } from '../../privileged/route';
import type { PostfixConfig } from '../postfix-config';

export type QueueOperation = 'hold' | 'release' | 'delete';

const FLAG: Record<QueueOperation, string> = { hold: '-h', release: '-H', delete: '-d' };
/** postsuper's closing line for each operation: "postsuper: Placed on hold: 3 messages". */
const SUMMARY: Record<QueueOperation, string> = { hold: 'Placed on hold: ', release: 'Released from hold: ', delete: 'Deleted: ' };

export interface PostsuperResult {
  /** Messages Postfix says it acted on. */
  readonly confirmed: number;
  /** What postsuper printed, for the admin. */
  readonly output: string;
}

export class PostsuperError extends Error {
  override readonly name = 'PostsuperError';
}

/**
 * A queue ID as postsuper reads it from stdin: letters and digits only.
 * `ALL` is refused outright: to postsuper it means every message in the queue.
 */
export function isQueueId(id: string): boolean {
  return id !== 'ALL' && id.length > 0 && id.length <= 32 && /^[0-9A-Za-z]+$/.test(id);
}

export function checkQueueId(id: string): string {
  if (!isQueueId(id)) throw new PostsuperError(`"${id.slice(0, 40)}" is not a queue ID`);
  return id;
}

/** Reads postsuper's own count from its summary line; 0 when it printed none (nothing matched). */
export function parseConfirmed(op: QueueOperation, output: string): number {
  let total = 0;
  for (const line of output.split('\n')) {
    const at = line.indexOf(SUMMARY[op]);
    if (at < 0) continue;
    const n = parseInt(line.slice(at + SUMMARY[op].length), 10);
    if (Number.isFinite(n)) total += n;
  }
  return total;
}

/**
 * Pipes queue IDs to `postsuper -h -` / `-H -` / `-d -` (never a shell, never
 * the IDs on the command line) and returns the count Postfix confirmed.
 */
export async function runPostsuper(pf: Pick<PostfixConfig, 'postsuperPath' | 'configDir'>, op: QueueOperation, ids: readonly string[]): Promise<PostsuperResult> {
  for (const id of ids) checkQueueId(id);
  if (ids.length === 0) return { confirmed: 0, output: '' };
  // Unprivileged under the unit: mailwarden-privd runs postsuper of its own config on these IDs.
  const via = privilegedRoute();
  if (via) {
    const output = await via.postsuper(op, ids).catch((e: Error) => Promise.reject(new PostsuperError(e.message)));
    return { confirmed: parseConfirmed(op, output), output: output.trim() };
  }
  const bin = pf.postsuperPath;
  const args = [...(pf.configDir ? ['-c', pf.configDir] : []), FLAG[op], '-'];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    const keep = (d: Buffer) => {
      // Per-message lines can be many; the summary comes last, so keep the tail.
      output += d.toString();
      if (output.length > 65536) output = output.slice(-32768);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (e) => reject(new PostsuperError(`cannot run ${bin}: ${e.message}`)));
    child.stdin.on('error', () => undefined); // postsuper exiting early shows in its exit code
    child.on('close', (code) => {
      if (code !== 0) reject(new PostsuperError(`${bin} ${args.join(' ')} exited with ${code}: ${output.trim().split('\n').slice(-3).join(' / ') || 'no message'}`));
      else resolve({ confirmed: parseConfirmed(op, output), output: output.trim() });
    });
    child.stdin.end(ids.join('\n') + '\n');
  });
}
