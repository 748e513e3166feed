import fs from 'node:fs';
import type pino from 'pino';
import type { Logger } from '../../../shared';

/**
 * Paths never written to a log whatever a caller passes: the log is read by
 * people and shipped to other machines.
 */
export const REDACT_PATHS = [
  'password', 'newPassword', 'pwhash', 'token', 'authorization', 'apiHeader',
  '*.password', '*.newPassword', '*.pwhash', '*.token', '*.authorization', '*.apiHeader',
  'req.headers.authorization', 'req.headers.cookie',
];

export type HostLogger = pino.Logger;

/** How log lines are written: JSON lines, the same with a syslog priority prefix for journald, or text for a person. */
export type LogFormat = 'json' | 'journal' | 'text';

interface LogStream {
  write(line: string): void;
  flush?(): void;
}

/** pino level → syslog priority (journald's `<N>` prefix; `journalctl -p warning` keeps 0–4). */
export function syslogPriority(level: number): number {
  if (level >= 60) return 2; // crit
  if (level >= 50) return 3; // err
  if (level >= 40) return 4; // warning
  if (level >= 30) return 6; // info
  return 7; // debug
}

const LABEL: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warning', 50: 'error', 60: 'fatal' };

/**
 * pino writes `{"level":N,` first: read N without parsing the line, since
 * this runs for every line the service logs.
 */
function levelOf(line: string): number {
  let n = 0;
  for (let i = 9; i < 12; i++) {
    const c = line.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    n = n * 10 + c;
  }
  return n;
}

/**
 * Whether `fd` is the stream systemd connected to the journal: systemd sets
 * JOURNAL_STREAM to its device:inode (systemd.exec(5)). Comparing them, not
 * only testing the variable, keeps a child whose output was redirected (a
 * pipe, a file) from writing priority prefixes there.
 */
export function isJournalStream(fd: number, env: NodeJS.ProcessEnv): boolean {
  const want = env.JOURNAL_STREAM;
  if (!want) return false;
  try {
    const st = fs.fstatSync(fd);
    return `${st.dev}:${st.ino}` === want;
  } catch {
    return false;
  }
}

/** journald's stdout stream reads a leading `<N>` as the line's priority (SyslogLevelPrefix=yes, the default). */
function journalStream(out: LogStream): LogStream {
  return {
    write: (line) => out.write(`<${syslogPriority(levelOf(line))}>${line}`),
    flush: () => out.flush?.(),
  };
}

/** One line a person reads: `mailwarden: warning: message (key=value, ...)`, like Postfix's own tools. */
export function textLine(line: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { level, msg, time: _t, name: _n, pid: _p, hostname: _h, ...rest } = rec;
  const fields = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `mailwarden: ${LABEL[level as number] ?? 'log'}: ${String(msg ?? '')}${fields.length ? ` (${fields.join(', ')})` : ''}\n`;
}

function textStream(out: LogStream): LogStream {
  return { write: (line) => out.write(textLine(line)), flush: () => out.flush?.() };
}

/**
 * The format for a log written to `fd`: priority-prefixed JSON under
 * journald, text on a terminal, plain JSON lines elsewhere (a pipe, a file,
 * a log shipper).
 */
export function logFormatFor(fd: number | undefined, isTTY: boolean, env: NodeJS.ProcessEnv): LogFormat {
  if (fd !== undefined && isJournalStream(fd, env)) return 'journal';
  return isTTY ? 'text' : 'json';
}

/** pino on first use: the quick commands log through createLightCliLogger and never load it. */
const loadPino = (): typeof pino => require('pino') as typeof pino;

function make(level: string, out: LogStream, format: LogFormat): HostLogger {
  const pino = loadPino();
  const stream = format === 'journal' ? journalStream(out) : format === 'text' ? textStream(out) : out;
  return pino(
    { level, base: { name: 'mailwarden' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, timestamp: pino.stdTimeFunctions.isoTime },
    stream as pino.DestinationStream,
  );
}

/**
 * The service's log on stdout: JSON lines, which journald stores as they are
 * (logrotate has nothing to do), each with its syslog priority when stdout is
 * the journal, so that `journalctl -p warning` filters by level.
 */
export function createLogger(level: string, destination?: pino.DestinationStream, o: { format?: LogFormat; env?: NodeJS.ProcessEnv } = {}): HostLogger {
  if (destination) return make(level, destination as LogStream, o.format ?? 'json');
  const format = o.format ?? logFormatFor(1, false, o.env ?? process.env);
  return make(level, loadPino().destination({ fd: 1, sync: false }) as unknown as LogStream, format);
}

/**
 * The CLI's log (warnings) on its stderr: text on a terminal, priority-prefixed
 * under journald (a systemd timer running a command), JSON lines otherwise.
 * pino's line format without pino, which costs a third of node's own start to
 * load: a command logs a few lines at most. What the host asks of its logger
 * (child loggers for plugins, a level a reload may change) is here; the rest of
 * pino's API is not, and nothing on the CLI's path uses it.
 */
export function createCliLogger(level: string, stderr: CliStderr, env: NodeJS.ProcessEnv): HostLogger {
  return lineLogger(level, cliStream(stderr, env), {}) as unknown as HostLogger;
}

const LEVEL_VALUE: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };
const REDACT_KEYS = new Set(REDACT_PATHS.filter((p) => !p.includes('.')));

function redacted(obj: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (REDACT_KEYS.has(k)) out[k] = '[redacted]';
    else if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Error)) out[k] = Object.fromEntries(Object.entries(v).map(([k2, v2]) => [k2, REDACT_KEYS.has(k2) ? '[redacted]' : plain(v2)]));
    else out[k] = plain(v);
  }
  return out;
}

/** The same lines as createCliLogger's, as the plain Logger of the contract (the quick commands that open only the store). */
export function createLightCliLogger(level: string, stderr: CliStderr, env: NodeJS.ProcessEnv): Logger {
  return lineLogger(level, cliStream(stderr, env), {});
}

type StderrStream = NodeJS.WritableStream & { isTTY?: boolean; fd?: number };
/** The stream, or a function giving it: node builds process.stderr on first use, which a command that logs nothing need not pay for. */
export type CliStderr = StderrStream | (() => StderrStream);

function cliStream(stderr: CliStderr, env: NodeJS.ProcessEnv): LogStream {
  let sink: LogStream | undefined;
  // The format (journal, text, JSON) is the stream's: looked at on the first line.
  return {
    write: (line) => {
      if (!sink) {
        const err = typeof stderr === 'function' ? stderr() : stderr;
        const fd = err === process.stderr ? 2 : err.fd;
        const format = logFormatFor(fd, err.isTTY === true, env);
        const out: LogStream = { write: (s) => void err.write(s) };
        sink = format === 'journal' ? journalStream(out) : format === 'text' ? textStream(out) : out;
      }
      sink.write(line);
    },
  };
}

/** A value as pino's default `err` serializer writes an Error; anything else as it is. */
function plain(v: unknown): unknown {
  return v instanceof Error ? { type: v.name, message: v.message, stack: v.stack } : v;
}

interface LineLogger extends Logger {
  level: string;
  child(bindings: object): LineLogger;
}

/** pino's JSON line (level, time, name, the child's bindings, the fields, msg), redacted as REDACT_PATHS say. */
function lineLogger(level: string, stream: LogStream, bindings: Record<string, unknown>, shared = { min: LEVEL_VALUE[level] ?? 40, level }): LineLogger {
  const at = (value: number) => (obj: object | string, msg?: string) => {
    if (value < shared.min) return;
    const fields = typeof obj === 'string' ? {} : obj;
    const text = typeof obj === 'string' ? obj : msg;
    stream.write(JSON.stringify({ level: value, time: new Date().toISOString(), name: 'mailwarden', ...bindings, ...redacted(fields), msg: text }) + '\n');
  };
  return {
    debug: at(20),
    info: at(30),
    warn: at(40),
    error: at(50),
    get level() {
      return shared.level;
    },
    set level(l: string) {
      shared.level = l;
      shared.min = LEVEL_VALUE[l] ?? 40;
    },
    // A child keeps its parent's level as pino's do once made.
    child: (b: object) => lineLogger(shared.level, stream, { ...bindings, ...redacted(b) }),
  };
}
