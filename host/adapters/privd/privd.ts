import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { loadHostConfig, type HostConfig } from '../../core/config/host-config';
import { runSetCommand } from '../../core/password/set-command';
import { runPostsuper } from '../../tools/postfix/queue/postsuper';
import { askQueueDirectory } from '../../tools/postfix/queue/queue-directory';
import { saslUsernamesOf } from '../../tools/postfix/queue/queue-file-finder';
import { checkRequest, MAX_REQUEST_BYTES, type PrivAllowLists, type PrivRequest, PrivRequestError, type PrivResponse } from '../../tools/privileged/protocol';

const COMMAND_TIMEOUT_MS = 60_000;
/** The kick's answer: whether there were sessions to close. */
export const KICK_CLOSED = 'sessions: closed';
export const KICK_NONE = 'sessions: none';
const IDLE_MS = 10_000;
const MAX_CONNECTIONS = 16;

export interface PrivdOptions {
  /** The root-owned config file; the only source of programs, paths and allow-lists. */
  readonly configFile: string;
  /** Group that may connect (the service's); default mailwarden. */
  readonly group?: string;
  /** Where to log (JSON lines); default stdout. */
  readonly log?: (entry: Record<string, unknown>) => void;
  /** Tests run the helper as a non-root user on a temp config: skip the ownership checks. */
  readonly skipOwnerChecks?: boolean;
}

/**
 * The config must be root's alone to change: otherwise whoever could write it
 * (the service's user, to begin with) could name the programs root runs.
 */
export function checkRootOwned(file: string): void {
  for (const p of [file, path.dirname(file)]) {
    const st = fs.statSync(p);
    if (st.uid !== 0) throw new Error(`${p} must be owned by root (it is owned by uid ${st.uid}); the helper runs what it names as root`);
    if (st.mode & 0o022) throw new Error(`${p} must not be writable by group or others (mode ${(st.mode & 0o777).toString(8)})`);
  }
}

function groupId(name: string): number {
  for (const line of fs.readFileSync('/etc/group', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f[2]) return Number(f[2]);
  }
  throw new Error(`group ${name} does not exist (the package creates it)`);
}

function runArgv(argv: readonly string[], input?: string): Promise<string> {
  const [cmd, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: COMMAND_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      const out = `${stdout}${stderr}`.trim();
      if (err) reject(Object.assign(new Error(`${argv.join(' ')} failed: ${out.slice(-2000) || err.message}`), { exitCode: err.code }));
      else resolve(out.slice(-2000));
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

/** Replaces the file as Postfix expects: a temp file in the same (root-only) directory, fsync, rename. */
function replaceFile(file: string, content: string): void {
  const dir = path.dirname(file);
  const st = fs.statSync(dir);
  // A directory others can write lets them swap names under us; refuse it.
  if (st.uid !== 0 || st.mode & 0o022) throw new Error(`${dir} must be owned by root and not writable by group or others`);
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export class Privd {
  private readonly config: HostConfig;
  private readonly allow: PrivAllowLists;
  private readonly server: net.Server;
  private readonly log: (entry: Record<string, unknown>) => void;
  readonly socket: string;
  private queueDir: Promise<string> | undefined;

  constructor(private readonly o: PrivdOptions) {
    if (!o.skipOwnerChecks) checkRootOwned(o.configFile);
    // The environment is not trusted either: only the file counts.
    this.config = loadHostConfig({ configFile: o.configFile, env: {} });
    const p = this.config.privileged;
    if (!p?.socket) throw new Error(`${o.configFile}: privileged.socket is not set; nothing to listen on`);
    this.socket = p.socket;
    this.allow = { tables: p.tables.map((t) => path.normalize(t)), commands: p.commands };
    this.log = o.log ?? ((e) => process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...e }) + '\n'));
    // allowHalfOpen: the client ends its side after the request and waits for the answer.
    this.server = net.createServer({ allowHalfOpen: true }, (c) => this.serve(c));
    this.server.maxConnections = MAX_CONNECTIONS;
  }

  async listen(): Promise<void> {
    fs.rmSync(this.socket, { force: true });
    const gid = this.o.skipOwnerChecks ? undefined : groupId(this.o.group ?? 'mailwarden');
    // Created 0600, then opened to the group: never a moment when others may connect.
    const old = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        this.server.once('error', reject);
        this.server.listen(this.socket, () => resolve());
      });
    } finally {
      process.umask(old);
    }
    if (gid !== undefined) fs.chownSync(this.socket, 0, gid);
    fs.chmodSync(this.socket, 0o660);
    this.log({ level: 'info', msg: 'listening', socket: this.socket, tables: this.allow.tables, commands: this.allow.commands.length });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private serve(c: net.Socket): void {
    let buf = '';
    c.setEncoding('utf8');
    c.setTimeout(IDLE_MS, () => c.destroy());
    c.on('error', () => undefined);
    const onData = (d: string) => {
      buf += d;
      if (buf.length > MAX_REQUEST_BYTES) {
        c.off('data', onData);
        this.log({ level: 'warn', msg: 'refused', error: 'request too large' });
        return this.answer(c, { ok: false, error: `request: larger than ${MAX_REQUEST_BYTES} bytes` });
      }
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      c.off('data', onData);
      c.setTimeout(0);
      void this.handle(buf.slice(0, nl)).then((r) => this.answer(c, r));
    };
    c.on('data', onData);
  }

  private answer(c: net.Socket, r: PrivResponse): void {
    c.end(JSON.stringify(r) + '\n');
  }

  /** One request: checked, performed, logged (without password or table content). */
  async handle(line: string): Promise<PrivResponse> {
    let req: PrivRequest;
    try {
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        throw new PrivRequestError('request: not JSON');
      }
      req = checkRequest(raw, this.allow);
    } catch (e) {
      const error = (e as Error).message;
      this.log({ level: 'warn', msg: 'refused', error });
      return { ok: false, error };
    }
    const what = describe(req);
    try {
      const output = await this.perform(req);
      this.log({ level: 'info', msg: 'done', ...what });
      return { ok: true, ...(output ? { output } : {}) };
    } catch (e) {
      const error = (e as Error).message;
      this.log({ level: 'error', msg: 'failed', ...what, error });
      return { ok: false, error };
    }
  }

  /** The queue of its own config (never a path from a request), asked from postconf once. */
  private queueDirectory(): Promise<string> {
    this.queueDir ??= askQueueDirectory(this.config.postfix).catch((e: Error) => {
      this.queueDir = undefined;
      throw e;
    });
    return this.queueDir;
  }

  private async perform(req: PrivRequest): Promise<string | undefined> {
    const c = this.config;
    switch (req.op) {
      case 'postsuper':
        return (await runPostsuper(c.postfix, req.mode, req.ids)).output;
      case 'queue-sasl':
        return JSON.stringify(await saslUsernamesOf(await this.queueDirectory(), req.ids));
      case 'kick':
        try {
          await runArgv(c.accounts.kickCommand.map((a) => a.split('{login}').join(req.login)));
          return KICK_CLOSED;
        } catch (e) {
          // doveadm kick's EX_NOUSER: the account had no session (host/core/services/account-actions.ts).
          if ((e as { exitCode?: unknown }).exitCode === 68) return KICK_NONE;
          throw e;
        }
      case 'password-set': {
        if (!c.passwords.setCommand) throw new Error('passwords.setCommand is not set in the helper\'s config');
        const at = req.login.lastIndexOf('@');
        const vars = { login: req.login, local: at < 0 ? req.login : req.login.slice(0, at), domain: at < 0 ? '' : req.login.slice(at + 1) };
        await runSetCommand(c.passwords.setCommand, vars, req.password, c.passwords.setTimeoutMs);
        return undefined;
      }
      case 'replace-table':
        replaceFile(req.file, req.content);
        return undefined;
      case 'run':
        return runArgv(req.argv);
    }
  }
}

function describe(req: PrivRequest): Record<string, unknown> {
  switch (req.op) {
    case 'postsuper':
      return { op: req.op, mode: req.mode, ids: req.ids.length };
    case 'queue-sasl':
      return { op: req.op, ids: req.ids.length };
    case 'kick':
    case 'password-set':
      return { op: req.op, login: req.login };
    case 'replace-table':
      return { op: req.op, file: req.file, bytes: Buffer.byteLength(req.content) };
    case 'run':
      return { op: req.op, argv: req.argv };
  }
}
