import path from 'node:path';
import { parseCidr } from '../../../shared';
import { isQueueId, type QueueOperation } from '../postfix/queue/postsuper';

/*
 * What the unprivileged service may ask mailwarden-privd for: one JSON object
 * per connection, one line. Every field is checked here, on the root side;
 * programs and paths never come from a request (they come from the helper's
 * own root-owned config), only queue IDs, a login, a password, table lines
 * and the choice among allow-listed entries.
 *
 * `queue-sasl` is the one read: the SASL login of queued messages, which the
 * service needs to hold a hijacked account's mail by login (a spammer forges
 * envelope senders) but cannot read itself (queue files are 0700 postfix).
 * Its answer is `output`: a JSON object id → login, for the ids that have one.
 */
export type PrivRequest =
  | { readonly op: 'postsuper'; readonly mode: QueueOperation; readonly ids: readonly string[] }
  | { readonly op: 'queue-sasl'; readonly ids: readonly string[] }
  | { readonly op: 'kick'; readonly login: string }
  | { readonly op: 'password-set'; readonly login: string; readonly password: string }
  | { readonly op: 'replace-table'; readonly file: string; readonly content: string }
  | { readonly op: 'run'; readonly argv: readonly string[] };

export type PrivResponse = { readonly ok: true; readonly output?: string } | { readonly ok: false; readonly error: string };

export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
const MAX_IDS = 100_000;
/** Queue IDs per queue-sasl request: each is a file read as root; the service asks in batches. */
export const MAX_QUEUE_SASL_IDS = 10_000;
const MAX_TABLE_BYTES = 2 * 1024 * 1024;
const MAX_TABLE_LINE = 512;
const MAX_PASSWORD = 1024;

export class PrivRequestError extends Error {
  override readonly name = 'PrivRequestError';
}

/** What the helper's config allows beyond the fixed operations. */
export interface PrivAllowLists {
  readonly tables: readonly string[];
  readonly commands: ReadonlyArray<readonly string[]>;
}

function fail(msg: string): never {
  throw new PrivRequestError(msg);
}

const shown = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);

/**
 * A login as the host normalises it (`local@domain`, lower-case, IDN as
 * ASCII): it becomes an argument of doveadm or the password command, so
 * nothing that could read as an option, a second argument or a template.
 */
export function checkLogin(login: unknown, where: string): string {
  if (typeof login !== 'string') fail(`${where}: login must be a string`);
  if (login.length < 1 || login.length > 320) fail(`${where}: login must be 1 to 320 characters`);
  // A dot-atom local part (no leading, trailing or double dot, no "/"): it may become a path segment of the password command.
  if (!/^[a-z0-9!#$%&'+=^_`|~-]+(?:\.[a-z0-9!#$%&'+=^_`|~-]+)*(@[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)?$/.test(login)) fail(`${where}: login ${shown(login)} is not a normalised login (lower-case local@domain; no spaces, quotes, braces, "/", or the wildcards * and ? that doveadm kick would expand)`);
  if (login.startsWith('-')) fail(`${where}: login ${shown(login)} must not start with "-"`);
  return login;
}

/** Lines of a cidr: table: blank, a comment, or one network and a result (permit, OK or DUNNO). */
export function checkCidrTable(content: unknown, where: string): string {
  if (typeof content !== 'string') fail(`${where}: content must be a string`);
  if (Buffer.byteLength(content) > MAX_TABLE_BYTES) fail(`${where}: content exceeds ${MAX_TABLE_BYTES} bytes`);
  if (content.length > 0 && !content.endsWith('\n')) fail(`${where}: content must end with a newline`);
  const lines = content.split('\n');
  lines.pop();
  lines.forEach((line, i) => {
    const at = `${where}: line ${i + 1}`;
    if (line.length > MAX_TABLE_LINE) fail(`${at}: longer than ${MAX_TABLE_LINE} characters`);
    // Comments are written from labels admins typed: no control characters (a CR could hide a line).
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(line)) fail(`${at}: control character`);
    if (line.trim() === '' || line.startsWith('#')) return;
    const m = /^(\S+)[ \t]+(permit|OK|DUNNO)$/.exec(line);
    if (!m) fail(`${at}: ${shown(line)} is not "NETWORK/PREFIX permit|OK|DUNNO"`);
    const c = parseCidr(m[1]);
    if (!c.ok) fail(`${at}: ${c.error}`);
  });
  return content;
}

/** A list of 1 to `max` queue IDs (letters and digits, never ALL). */
function checkQueueIds(ids: unknown, max: number, op: string): string[] {
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > max) fail(`${op}: ids must be a list of 1 to ${max} queue IDs`);
  ids.forEach((id, i) => {
    if (typeof id !== 'string' || !isQueueId(id)) fail(`${op}: ids[${i}] ${shown(String(id))} is not a queue ID (letters and digits, at most 32, not ALL)`);
  });
  return ids as string[];
}

/** Parses and checks one request against the allow-lists; throws PrivRequestError naming the field. */
export function checkRequest(raw: unknown, allow: PrivAllowLists): PrivRequest {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('request: must be a JSON object');
  const r = raw as Record<string, unknown>;
  const keys = (...k: string[]) => {
    const extra = Object.keys(r).filter((x) => x !== 'op' && !k.includes(x));
    if (extra.length) fail(`${String(r.op)}: unexpected field "${extra[0]}"`);
  };
  switch (r.op) {
    case 'postsuper': {
      keys('mode', 'ids');
      if (r.mode !== 'hold' && r.mode !== 'release' && r.mode !== 'delete') fail('postsuper: mode must be hold, release or delete');
      return { op: 'postsuper', mode: r.mode, ids: checkQueueIds(r.ids, MAX_IDS, 'postsuper') };
    }
    case 'queue-sasl':
      keys('ids');
      return { op: 'queue-sasl', ids: checkQueueIds(r.ids, MAX_QUEUE_SASL_IDS, 'queue-sasl') };
    case 'kick':
      keys('login');
      return { op: 'kick', login: checkLogin(r.login, 'kick') };
    case 'password-set': {
      keys('login', 'password');
      const login = checkLogin(r.login, 'password-set');
      const p = r.password;
      // It goes to the command's stdin followed by a newline: one line, nothing hidden.
      if (typeof p !== 'string' || p.length < 1 || p.length > MAX_PASSWORD) fail(`password-set: password must be 1 to ${MAX_PASSWORD} characters`);
      if (/[\x00\r\n]/.test(p)) fail('password-set: password must not contain NUL, CR or LF');
      return { op: 'password-set', login, password: p };
    }
    case 'replace-table': {
      keys('file', 'content');
      if (typeof r.file !== 'string' || !path.isAbsolute(r.file) || path.normalize(r.file) !== r.file) fail('replace-table: file must be an absolute, normalised path');
      if (!allow.tables.includes(r.file)) fail(`replace-table: ${r.file} is not in privileged.tables of the helper's config (${allow.tables.join(', ') || 'none listed'})`);
      return { op: 'replace-table', file: r.file, content: checkCidrTable(r.content, `replace-table ${r.file}`) };
    }
    case 'run': {
      keys('argv');
      const argv = r.argv;
      if (!Array.isArray(argv) || argv.length === 0 || argv.some((a) => typeof a !== 'string')) fail('run: argv must be a non-empty list of strings');
      if (!allow.commands.some((c) => c.length === argv.length && c.every((a, i) => a === argv[i]))) fail(`run: ${JSON.stringify(argv).slice(0, 200)} is not in privileged.commands of the helper's config`);
      return { op: 'run', argv: argv as string[] };
    }
    default:
      fail(`request: unknown op ${shown(String(r.op))} (postsuper, queue-sasl, kick, password-set, replace-table, run)`);
  }
}
