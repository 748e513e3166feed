import type * as http from 'node:http';
import { parseJsonText } from '../../core/validation/ajv';
import { HttpError } from './http-error';

/** Reads a JSON request body, refusing more than `limit` bytes before buffering them. */
export async function readJsonBody(req: http.IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new HttpError(413, `request body is larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `request body is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  const type = String(req.headers['content-type'] ?? '');
  if (!type.toLowerCase().startsWith('application/json')) throw new HttpError(415, 'request body must be application/json');
  return parseJsonText(Buffer.concat(chunks).toString('utf8'), 'request body');
}
