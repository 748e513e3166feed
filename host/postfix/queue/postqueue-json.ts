import { spawn } from 'node:child_process';
import * as path from 'node:path';

/** One message of `postqueue -j` (Postfix 3.1+). Unknown keys are ignored. */
export interface QueuedMessage {
  readonly queueName: string;
  readonly queueId: string;
  /** Epoch milliseconds. */
  readonly arrivalTime: number;
  readonly size: number;
  /** Envelope sender as Postfix stores it; '' is the null sender (bounces). */
  readonly sender: string;
  readonly recipients: ReadonlyArray<{ readonly address: string; readonly delayReason?: string }>;
}

export class PostqueueError extends Error {
  override readonly name = 'PostqueueError';
}

/** A line of the stream that is not a queue record (logged by the caller; the rest still counts). */
export interface BadRecord {
  readonly line: number;
  readonly reason: string;
}

/** A single record larger than this is refused rather than buffered. */
const MAX_LINE_BYTES = 32 * 1024 * 1024;

/** Turns one JSON line into a message, or a reason why it is not one. */
export function parseRecord(text: string): QueuedMessage | string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text);
  } catch (e) {
    return `not JSON (${(e as Error).message})`;
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return 'not a JSON object';
  const { queue_name: q, queue_id: id, arrival_time: at, message_size: size, sender, recipients } = o;
  if (typeof q !== 'string' || typeof id !== 'string' || id.length === 0) return 'queue_name or queue_id missing';
  if (typeof sender !== 'string') return `${id}: sender missing`;
  const rcpts: Array<{ address: string; delayReason?: string }> = [];
  if (Array.isArray(recipients)) {
    for (const r of recipients) {
      if (r && typeof r === 'object' && typeof (r as { address?: unknown }).address === 'string') {
        const dr = (r as { delay_reason?: unknown }).delay_reason;
        rcpts.push({ address: (r as { address: string }).address, ...(typeof dr === 'string' ? { delayReason: dr } : {}) });
      }
    }
  }
  return {
    queueName: q,
    queueId: id,
    arrivalTime: typeof at === 'number' ? at * 1000 : 0,
    size: typeof size === 'number' ? size : 0,
    sender,
    recipients: rcpts,
  };
}

/**
 * Splits a byte stream into lines and parses each as it arrives: memory stays
 * at one record however long the queue, and the caller sees the first
 * message before postqueue has finished.
 */
export async function* parsePostqueueStream(input: AsyncIterable<Buffer | string>, onBad?: (b: BadRecord) => void): AsyncGenerator<QueuedMessage> {
  let carry: Buffer[] = [];
  let carryLen = 0;
  let lineNo = 0;
  const emit = (buf: Buffer): QueuedMessage | undefined => {
    lineNo++;
    const text = buf.toString('utf8').trim();
    if (text.length === 0) return undefined;
    const r = parseRecord(text);
    if (typeof r === 'string') {
      onBad?.({ line: lineNo, reason: r });
      return undefined;
    }
    return r;
  };
  for await (const chunk of input) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    for (let nl = b.indexOf(10, start); nl >= 0; nl = b.indexOf(10, start)) {
      const piece = b.subarray(start, nl);
      const line = carryLen ? Buffer.concat([...carry, piece]) : piece;
      carry = [];
      carryLen = 0;
      start = nl + 1;
      const m = emit(line);
      if (m) yield m;
    }
    if (start < b.length) {
      carry.push(b.subarray(start));
      carryLen += b.length - start;
      if (carryLen > MAX_LINE_BYTES) throw new PostqueueError(`postqueue -j: record ${lineNo + 1} is longer than ${MAX_LINE_BYTES} bytes`);
    }
  }
  if (carryLen) {
    const m = emit(Buffer.concat(carry));
    if (m) yield m;
  }
}

export interface PostfixCommands {
  /** Where postqueue and postsuper live. */
  readonly commandDir: string;
  /** `-c DIR` for a Postfix instance other than the default. */
  readonly configDir?: string;
}

/** Runs `postqueue [-c DIR] -j` and yields its messages as they are printed. */
export async function* readQueue(pf: PostfixCommands, onBad?: (b: BadRecord) => void): AsyncGenerator<QueuedMessage> {
  const bin = path.join(pf.commandDir, 'postqueue');
  const args = [...(pf.configDir ? ['-c', pf.configDir] : []), '-j'];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', (e) => reject(new PostqueueError(`cannot run ${bin}: ${e.message}`)));
    child.on('close', (code) => resolve(code));
  });
  exited.catch(() => undefined); // awaited below; this only keeps an early spawn error from counting as unhandled
  try {
    yield* parsePostqueueStream(child.stdout, onBad);
    const code = await exited;
    if (code !== 0) throw new PostqueueError(`${bin} ${args.join(' ')} exited with ${code}: ${stderr.trim() || 'no message'}`);
  } finally {
    // The caller stopped early (or failed): do not leave postqueue writing to a closed pipe.
    if (child.exitCode === null) child.kill();
    await exited.catch(() => undefined);
  }
}
