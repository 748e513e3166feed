import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { QueuedMessage, QueuedRecipient } from '../../../../shared';

/** Lines handled between two yields to the event loop, so 100k messages never stall it. */
const YIELD_EVERY = 500;
/** A `postqueue -j` line longer than this is refused unparsed (a message has at most a few thousand recipients). */
export const MAX_LINE_CHARS = 4 * 1024 * 1024;

export class PostqueueLineError extends Error {
  override readonly name = 'PostqueueLineError';
}

function str(o: Record<string, unknown>, key: string, line: number): string {
  const v = o[key];
  if (typeof v !== 'string') throw new PostqueueLineError(`postqueue -j line ${line}: "${key}" must be a string`);
  return v;
}

function num(o: Record<string, unknown>, key: string, line: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new PostqueueLineError(`postqueue -j line ${line}: "${key}" must be a non-negative number`);
  return v;
}

/**
 * One line of `postqueue -j` (Postfix 3.1+): one JSON object per message.
 * Unknown keys are ignored (newer Postfix adds some); a missing or mistyped
 * known key throws a PostqueueLineError naming the line and the key.
 */
export function parsePostqueueLine(text: string, line = 1): QueuedMessage {
  if (text.length > MAX_LINE_CHARS) throw new PostqueueLineError(`postqueue -j line ${line}: longer than ${MAX_LINE_CHARS} characters`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new PostqueueLineError(`postqueue -j line ${line}: not JSON (${(e as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new PostqueueLineError(`postqueue -j line ${line}: must be a JSON object`);
  const o = doc as Record<string, unknown>;
  const rcpts = o.recipients;
  if (!Array.isArray(rcpts)) throw new PostqueueLineError(`postqueue -j line ${line}: "recipients" must be an array`);
  const recipients: QueuedRecipient[] = rcpts.map((r, i) => {
    if (typeof r !== 'object' || r === null || typeof (r as { address?: unknown }).address !== 'string') {
      throw new PostqueueLineError(`postqueue -j line ${line}: "recipients[${i}].address" must be a string`);
    }
    const reason = (r as { delay_reason?: unknown }).delay_reason;
    return typeof reason === 'string' ? { address: (r as { address: string }).address, delayReason: reason } : { address: (r as { address: string }).address };
  });
  return {
    queueName: str(o, 'queue_name', line),
    queueId: str(o, 'queue_id', line),
    arrivalTime: num(o, 'arrival_time', line),
    messageSize: num(o, 'message_size', line),
    forcedExpire: o.forced_expire === true,
    sender: str(o, 'sender', line),
    recipients,
  };
}

export interface ReadOptions {
  /** Called for a line that cannot be parsed; the stream goes on. Default: ignore. */
  readonly onBadLine?: (error: PostqueueLineError) => void;
}

/** Parses a `postqueue -j` output stream message by message. */
export async function* readPostqueueJson(input: Readable, options: ReadOptions = {}): AsyncGenerator<QueuedMessage> {
  const rl = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const text of rl) {
      n++;
      if (n % YIELD_EVERY === 0) await new Promise<void>((r) => setImmediate(r));
      if (text.length === 0) continue;
      let m: QueuedMessage;
      try {
        m = parsePostqueueLine(text, n);
      } catch (e) {
        if (e instanceof PostqueueLineError) {
          options.onBadLine?.(e);
          continue;
        }
        throw e;
      }
      yield m;
    }
  } finally {
    rl.close();
  }
}

export interface PostqueueCommand {
  /** `postqueue` binary. */
  readonly postqueuePath: string;
  /** Postfix config directory of the instance (`-c`); absent: the default instance. */
  readonly configDir?: string;
}

/**
 * Runs `postqueue -j` and streams its messages. Stopping the iteration early
 * kills the process. A non-zero exit is thrown after the last message, with
 * postqueue's own words.
 */
export async function* postqueueMessages(cmd: PostqueueCommand, options: ReadOptions = {}): AsyncGenerator<QueuedMessage> {
  const args = [...(cmd.configDir ? ['-c', cmd.configDir] : []), '-j'];
  const child = spawn(cmd.postqueuePath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (stderr.length < 4096) stderr += d;
  });
  const exited = new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, error }));
    child.once('close', (code) => resolve({ code }));
  });
  let finished = false;
  try {
    yield* readPostqueueJson(child.stdout, options);
    finished = true;
  } finally {
    if (!finished) child.kill();
  }
  const r = await exited;
  if (r.error) throw new Error(`${cmd.postqueuePath} ${args.join(' ')}: ${r.error.message}`);
  if (r.code !== 0) throw new Error(`${cmd.postqueuePath} ${args.join(' ')} exited with ${r.code}: ${stderr.trim() || 'no message'}`);
}
