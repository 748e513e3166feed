/*
 * A private Dovecot for tests: its own config, base_dir, state_dir and log in
 * a temp directory, IMAP on an ephemeral loopback port, users from a
 * passwd-file, and optionally the auth policy server and a SASL auth listener
 * for Postfix. Several can run at once (other suites run theirs in parallel).
 *
 *   const dc = await startDovecot({ users: [{ login: 'alice@example.com', password: 'pw' }],
 *                                   policy: { url: 'http://127.0.0.1:8441/', nonce: 'n', apiHeader: 'Authorization: Basic ...' } });
 *   await dc.imapLogin('alice@example.com', 'pw', { localAddress: '127.0.0.7' });  // → { ok: true, ... }
 *   await dc.stop();
 *
 * For Postfix SMTP AUTH through Dovecot SASL, pass `sasl: { inet: true }`
 * (then `smtpd_sasl_type = dovecot`, `smtpd_sasl_path = inet:127.0.0.1:<dc.saslPort>`;
 * works from a chrooted smtpd) or `sasl: { unixPath: '/abs/path' }` (mode 0666).
 * Needs root (Dovecot's master drops privileges itself), like the CI runs.
 */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, waitForPort } from './free-port';

export interface DovecotUser {
  readonly login: string;
  readonly password: string;
}

export interface DovecotOptions {
  readonly users: readonly DovecotUser[];
  /** Wires Dovecot's auth policy client to a policy server (the mailwarden gateway). */
  readonly policy?: {
    readonly url: string;
    readonly nonce?: string;
    /** `auth_policy_server_api_header`, e.g. `Authorization: Basic ...`. */
    readonly apiHeader?: string;
    readonly checkAfterAuth?: boolean;
    readonly timeoutMs?: number;
  };
  /** Exposes Dovecot's SASL auth service (`service auth`) for Postfix. */
  readonly sasl?: { readonly inet?: boolean; readonly unixPath?: string };
  /** Dovecot's delay after a failed login; 0 by default to keep tests quick. */
  readonly authFailureDelaySeconds?: number;
  /** Logs auth debugging (including the policy request JSON) to the log file. */
  readonly authDebug?: boolean;
  /**
   * Dovecot's own per-IP penalty (anvil) delays the next login after a failure
   * (2, 4, 8, up to 15 s). Off by default here, so that tests see only the
   * policy server's decisions: the auth process is denied the anvil-auth-penalty
   * socket, and Dovecot then runs without the penalty.
   */
  readonly dovecotPenalty?: boolean;
  /** Lines appended to dovecot.conf verbatim. */
  readonly extraConfig?: string;
}

export interface ImapLoginResult {
  readonly ok: boolean;
  /** The tagged reply line, e.g. `a1 NO [AUTHENTICATIONFAILED] Authentication failed.` */
  readonly line: string;
}

export interface DovecotInstance {
  readonly dir: string;
  readonly configFile: string;
  readonly logFile: string;
  readonly imapPort: number;
  readonly saslPort?: number;
  readonly saslSocket?: string;
  /** IMAP LOGIN over a fresh connection (from `localAddress`, e.g. 127.0.0.7); logs out after a success. */
  imapLogin(login: string, password: string, o?: { localAddress?: string; timeoutMs?: number }): Promise<ImapLoginResult>;
  /** The log so far. */
  log(): string;
  stop(): Promise<void>;
}

export function dovecotHash(password: string): string {
  // argv, never a shell; the test password is not secret, but doveadm reads it from the argument.
  return execFileSync('doveadm', ['pw', '-s', 'SHA512-CRYPT', '-p', password], { encoding: 'utf8' }).trim();
}

function quoteImap(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function configText(dir: string, o: DovecotOptions, imapPort: number, saslPort: number | undefined): string {
  const lines = [
    `instance_name = mw-${path.basename(dir)}`,
    `base_dir = ${dir}/run`,
    `state_dir = ${dir}/state`,
    `log_path = ${dir}/dovecot.log`,
    `info_log_path = ${dir}/dovecot.log`,
    'listen = 127.0.0.1',
    'protocols = imap',
    'ssl = no',
    'disable_plaintext_auth = no',
    'auth_mechanisms = plain login',
    `auth_failure_delay = ${o.authFailureDelaySeconds ?? 0} secs`,
    `auth_debug = ${o.authDebug ? 'yes' : 'no'}`,
    'first_valid_uid = 1',
    ...(o.dovecotPenalty ? [] : ['service anvil {\n  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n}']),
    `mail_location = maildir:${dir}/mail/%n`,
    'passdb {',
    '  driver = passwd-file',
    `  args = scheme=SHA512-CRYPT username_format=%Lu ${dir}/passwd`,
    '}',
    'userdb {',
    '  driver = static',
    `  args = uid=nobody gid=nogroup home=${dir}/home/%n`,
    '}',
    'service imap-login {',
    `  inet_listener imap {\n    address = 127.0.0.1\n    port = ${imapPort}\n  }`,
    '  inet_listener imaps {\n    port = 0\n  }',
    '}',
    'service pop3-login {\n  inet_listener pop3 {\n    port = 0\n  }\n  inet_listener pop3s {\n    port = 0\n  }\n}',
  ];
  if (o.sasl) {
    lines.push('service auth {');
    if (saslPort !== undefined) lines.push(`  inet_listener sasl {\n    address = 127.0.0.1\n    port = ${saslPort}\n  }`);
    if (o.sasl.unixPath) lines.push(`  unix_listener ${o.sasl.unixPath} {\n    mode = 0666\n  }`);
    lines.push('}');
  }
  if (o.policy) {
    lines.push(
      `auth_policy_server_url = ${o.policy.url}`,
      `auth_policy_hash_nonce = ${o.policy.nonce ?? 'mailwarden-test-nonce'}`,
      `auth_policy_check_after_auth = ${o.policy.checkAfterAuth === false ? 'no' : 'yes'}`,
      `auth_policy_server_timeout_msecs = ${o.policy.timeoutMs ?? 2000}`,
    );
    if (o.policy.apiHeader) lines.push(`auth_policy_server_api_header = ${o.policy.apiHeader}`);
  }
  if (o.extraConfig) lines.push(o.extraConfig);
  return lines.join('\n') + '\n';
}

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as NodeJS.ErrnoException & { code?: number }).code as unknown as number) ?? 1 : 0, out: `${stdout}${stderr}` });
    });
  });
}

/** Starts a private Dovecot; rejects with its log when it does not come up. */
export async function startDovecot(o: DovecotOptions): Promise<DovecotInstance> {
  let lastError: Error | undefined;
  // The free ports are only free when we looked: retry if another process took one.
  for (let tries = 0; tries < 3; tries++) {
    try {
      return await startOnce(o);
    } catch (e) {
      lastError = e as Error;
    }
  }
  throw lastError;
}

async function startOnce(o: DovecotOptions): Promise<DovecotInstance> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-dovecot-'));
  // The auth process runs as `dovecot` and the mail process as `nobody`: both must get in.
  fs.chmodSync(dir, 0o755);
  for (const sub of ['run', 'state']) fs.mkdirSync(path.join(dir, sub), { mode: 0o755 });
  for (const sub of ['mail', 'home']) fs.mkdirSync(path.join(dir, sub), { mode: 0o1777 });
  fs.chmodSync(path.join(dir, 'mail'), 0o1777);
  fs.chmodSync(path.join(dir, 'home'), 0o1777);
  const passwd = o.users.map((u) => `${u.login.toLowerCase()}:${dovecotHash(u.password)}`).join('\n') + '\n';
  fs.writeFileSync(path.join(dir, 'passwd'), passwd, { mode: 0o644 });
  const imapPort = await freePort();
  const saslPort = o.sasl?.inet ? await freePort() : undefined;
  const configFile = path.join(dir, 'dovecot.conf');
  fs.writeFileSync(configFile, configText(dir, o, imapPort, saslPort), { mode: 0o644 });
  const logFile = path.join(dir, 'dovecot.log');
  const readLog = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
  const started = await run('dovecot', ['-c', configFile]);
  if (started.code !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`dovecot -c ${configFile} failed: ${started.out.trim()}`);
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await run('doveadm', ['-c', configFile, 'stop']);
    const pidFile = path.join(dir, 'run', 'master.pid');
    for (let i = 0; i < 100 && fs.existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(imapPort);
    if (saslPort !== undefined) await waitForPort(saslPort);
  } catch (e) {
    const log = readLog();
    await stop();
    throw new Error(`${(e as Error).message}; dovecot log:\n${log}`);
  }
  return {
    dir,
    configFile,
    logFile,
    imapPort,
    ...(saslPort !== undefined ? { saslPort } : {}),
    ...(o.sasl?.unixPath ? { saslSocket: o.sasl.unixPath } : {}),
    imapLogin: (login, password, lo = {}) => imapLogin(imapPort, login, password, lo.localAddress, lo.timeoutMs ?? 15_000),
    log: readLog,
    stop,
  };
}

/** Speaks just enough IMAP: greeting, LOGIN, LOGOUT. */
function imapLogin(port: number, login: string, password: string, localAddress: string | undefined, timeoutMs: number): Promise<ImapLoginResult> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) });
    let buf = '';
    let stage: 'greeting' | 'login' | 'logout' = 'greeting';
    let result: ImapLoginResult | undefined;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`IMAP LOGIN ${login} timed out after ${timeoutMs} ms (stage ${stage}, got ${JSON.stringify(buf.slice(-200))})`));
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        if (stage === 'greeting' && line.startsWith('* OK')) {
          stage = 'login';
          sock.write(`a1 LOGIN ${quoteImap(login)} ${quoteImap(password)}\r\n`);
        } else if (stage === 'login' && line.startsWith('a1 ')) {
          result = { ok: line.startsWith('a1 OK'), line };
          stage = 'logout';
          sock.write('a2 LOGOUT\r\n');
        }
      }
    });
    sock.on('error', (e) => {
      if (result) return;
      clearTimeout(timer);
      reject(e);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      if (result) resolve(result);
      else reject(new Error(`IMAP connection closed before LOGIN finished (stage ${stage}, got ${JSON.stringify(buf.slice(-200))})`));
    });
  });
}

/**
 * One PLAIN authentication over Dovecot's auth (SASL) protocol, as Postfix's
 * `smtpd_sasl_type = dovecot` does it. `target` is the inet port or the unix
 * socket path of the `sasl` listener. Resolves with the server's verdict line.
 */
export function saslAuth(target: number | string, login: string, password: string, o: { remoteIp?: string; service?: string } = {}): Promise<{ ok: boolean; line: string }> {
  return new Promise((resolve, reject) => {
    const sock = typeof target === 'number' ? net.connect(target, '127.0.0.1') : net.connect(target);
    let buf = '';
    let sent = false;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`SASL auth of ${login} timed out`));
    }, 15_000);
    const done = (r: { ok: boolean; line: string }) => {
      clearTimeout(timer);
      sock.end();
      resolve(r);
    };
    sock.setEncoding('utf8');
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('connect', () => sock.write(`VERSION\t1\t2\nCPID\t${process.pid}\n`));
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!sent && line === 'DONE') {
          sent = true;
          const resp = Buffer.from(`\u0000${login}\u0000${password}`).toString('base64');
          const rip = o.remoteIp ? `\trip=${o.remoteIp}` : '';
          sock.write(`AUTH\t1\tPLAIN\tservice=${o.service ?? 'smtp'}${rip}\tnologin\tresp=${resp}\n`);
        } else if (sent && (line.startsWith('OK\t1') || line.startsWith('FAIL\t1'))) {
          done({ ok: line.startsWith('OK'), line });
        }
      }
    });
  });
}
