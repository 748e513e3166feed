/*
 * A private, loopback-only Postfix for tests: its own config directory,
 * queue, data directory and log, an SMTP listener on an ephemeral port, and a
 * relayhost on a closed port so accepted mail stays in the queue. Several of
 * these run at once on one machine (parallel jest workers, other suites), so
 * nothing here is fixed: ports are picked free, directories are mkdtemp'd,
 * and the one shared file (the default main.cf's alternate_config_directories)
 * is edited under an exclusive lock.
 *
 *   const pf = await PostfixInstance.start({ mainCf: { mynetworks: '127.0.0.1/32' } });
 *   const r = await pf.sendMail({ localAddress: '127.0.0.5', from: 'a@x.test', to: ['b@y.test'] });
 *   await pf.waitForQueue((q) => q.some((m) => m.queue_name === 'hold'));
 *   await pf.stop();
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { sendMail, type SendMailOptions, type SendMailResult } from '../../host/tools/postfix/smtp-client';
import { hasSystemBinary } from '../helpers/system';

export const DEFAULT_MAIN_CF = '/etc/postfix/main.cf';
const LOCK_FILE = '/etc/postfix/.mailwarden-test-alternate-dirs.lock';
const ALT_SCRIPT = path.join(__dirname, 'alternate-dirs.js');

export interface PostfixOptions {
  /** Extra or overriding main.cf parameters. */
  readonly mainCf?: Readonly<Record<string, string>>;
  /**
   * Path of a Dovecot SASL socket: enables SMTP AUTH through it and adds a
   * submission-style listener (`submissionPort`) with smtpd_sasl_auth_enable=yes.
   */
  readonly saslDovecotSocket?: string;
  /** Prefix of the temp directory name. */
  readonly prefix?: string;
  /** Extra master.cf lines (a content filter's re-injection listener). */
  readonly masterCf?: readonly string[];
  /** Milliseconds to wait for the listener after start. */
  readonly startTimeoutMs?: number;
}

/** One message as `postqueue -j` prints it (unknown keys kept). */
export interface QueuedMessage {
  readonly queue_name: 'incoming' | 'active' | 'deferred' | 'hold' | 'maildrop' | string;
  readonly queue_id: string;
  readonly arrival_time: number;
  readonly message_size: number;
  readonly sender: string;
  readonly recipients: ReadonlyArray<{ address: string; delay_reason?: string }>;
  readonly [key: string]: unknown;
}

/** True when the Postfix binaries are installed. */
/**
 * Mail for `domains` goes to a next hop off the loopback that is never
 * reached: the smtp agent's source address (TEST-NET-3) is not this
 * machine's, so it defers (`relay=none, … status=deferred (server
 * configuration error)`) before any connection, and no packet leaves the
 * loopback. What a relay attempt to a remote server looks like in the log,
 * where every server a test reaches is on the loopback (which is this
 * machine, not relaying). Spread into PostfixOptions (mainCf and masterCf).
 */
export function unreachableNextHop(domains: readonly string[]): { mainCf: Record<string, string>; masterCf: string[] } {
  return {
    mainCf: { transport_maps: `inline:{ ${domains.map((d) => `${d}=smtp-out:[192.0.2.50]:25`).join(', ')} }` },
    masterCf: ['smtp-out unix - - n - - smtp', '  -o smtp_bind_address=203.0.113.250', '  -o smtp_bind_address_enforce=yes'],
  };
}

export function postfixInstalled(): boolean {
  return ['/usr/sbin/postfix', '/usr/sbin/postconf', '/usr/sbin/postqueue', '/usr/sbin/postsuper'].every((f) => fs.existsSync(f));
}

/**
 * Whether a suite needing the real Postfix may run. Missing Postfix fails the
 * suite when CI=true (the CI installs it), and is a visible skip otherwise.
 */
export function requirePostfix(suite: string): boolean {
  if (!['/usr/sbin/postfix', '/usr/sbin/postconf', '/usr/sbin/postqueue', '/usr/sbin/postsuper'].every((f) => hasSystemBinary(f, 'postfix'))) return false;
  if (process.getuid?.() === 0) return true;
  if (process.env.CI === 'true') throw new Error(`${suite}: starting a Postfix instance needs root, and CI=true`);
  // eslint-disable-next-line no-console
  console.warn(`skipping ${suite}: starting a Postfix instance needs root`);
  return false;
}

/** `describe` when Postfix can run here, a visible skip otherwise (a failure under CI=true). */
export function describePostfix(name: string, fn: () => void): void {
  (requirePostfix(name) ? describe : describe.skip)(name, fn);
}

/** A port nobody listens on right now (the kernel picks; we close at once). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Adds or removes `dir` in the default main.cf's alternate_config_directories, under an exclusive flock. */
export function editAlternateDirs(op: 'add' | 'remove', dir: string, mainCf = DEFAULT_MAIN_CF): void {
  fs.mkdirSync(path.dirname(mainCf), { recursive: true });
  const lock = mainCf === DEFAULT_MAIN_CF ? LOCK_FILE : `${mainCf}.lock`;
  const r = spawnSync('flock', ['-w', '60', lock, process.execPath, ALT_SCRIPT, op, dir, mainCf], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`editing alternate_config_directories in ${mainCf} (${op} ${dir}) failed: ${r.stderr || r.error?.message || `exit ${r.status}`}`);
}

/** Copy of master.cf with `smtp inet` on our port, no chroot (the temp queue has no /etc copy), plus optional extra services. */
export function privateMasterCf(source: string, smtpListen: string, extra: readonly string[] = []): string {
  const out: string[] = [];
  const lines = source.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    if (line.length === 0 || /^\s|^#/.test(line)) {
      out.push(line);
      continue;
    }
    const f = line.trim().split(/\s+/);
    if (f.length >= 8) {
      if (f[0] === 'smtp' && f[1] === 'inet') f[0] = smtpListen;
      f[4] = 'n';
      out.push(`${f.slice(0, 8).join('  ')}${f.length > 8 ? ' ' + f.slice(8).join(' ') : ''}`);
    } else out.push(line);
  }
  return [...out, ...extra].join('\n') + '\n';
}

function run(cmd: string, args: readonly string[], input?: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(err.stderr || err.stdout || err.message).trim()}`);
  }
}

async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined | false | Promise<T | undefined | false>, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export class PostfixInstance {
  private running = false;

  private constructor(
    /** The config directory (pass as `-c DIR` / MAIL_CONFIG). */
    readonly dir: string,
    readonly host: string,
    readonly port: number,
    /** Port of the SASL submission listener, when `saslDovecotSocket` was given. */
    readonly submissionPort: number | undefined,
    readonly maillog: string,
  ) {}

  /** Creates, configures and starts an instance; waits until its SMTP port answers. */
  static async start(o: PostfixOptions = {}): Promise<PostfixInstance> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), o.prefix ?? 'mw-postfix-'));
    fs.chmodSync(dir, 0o755);
    const host = '127.0.0.1';
    const port = await freePort(host);
    const submissionPort = o.saslDovecotSocket ? await freePort(host) : undefined;
    const maillog = path.join(dir, 'maillog');
    const queue = path.join(dir, 'queue');
    const data = path.join(dir, 'data');
    fs.mkdirSync(queue, { mode: 0o755 });
    fs.mkdirSync(data, { mode: 0o700 });
    const pw = run('id', ['-u', 'postfix']).trim();
    const gr = run('id', ['-g', 'postfix']).trim();
    fs.chownSync(data, Number(pw), Number(gr));
    const name = path.basename(dir).toLowerCase().replace(/[^a-z0-9-]/g, '-');
    const params: Record<string, string> = {
      compatibility_level: '3.6',
      queue_directory: queue,
      data_directory: data,
      meta_directory: '/etc/postfix',
      mail_owner: 'postfix',
      setgid_group: 'postdrop',
      inet_interfaces: host,
      inet_protocols: 'ipv4',
      myhostname: `${name}.localdomain`,
      mydomain: 'localdomain',
      mydestination: '$myhostname, localhost',
      mynetworks: '127.0.0.1/32',
      // Port 1 is privileged and closed: delivery fails and mail stays deferred.
      relayhost: '[127.0.0.1]:1',
      smtpd_relay_restrictions: 'permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination',
      maillog_file: maillog,
      maillog_file_prefixes: dir,
      alias_maps: '',
      alias_database: '',
      local_recipient_maps: '',
      biff: 'no',
      smtputf8_enable: 'no',
      smtpd_peername_lookup: 'no',
      smtp_dns_support_level: 'disabled',
      // Instances share the machine: never look up or touch another's state.
      smtpd_banner: '$myhostname ESMTP',
    };
    const extra: string[] = [];
    if (o.saslDovecotSocket) {
      Object.assign(params, {
        smtpd_sasl_type: 'dovecot',
        smtpd_sasl_path: o.saslDovecotSocket,
        smtpd_sasl_auth_enable: 'no',
        broken_sasl_auth_clients: 'no',
      });
      extra.push(
        `${host}:${submissionPort} inet n - n - - smtpd`,
        '  -o syslog_name=postfix/submission',
        '  -o smtpd_sasl_auth_enable=yes',
        '  -o smtpd_tls_security_level=none',
        '  -o smtpd_tls_auth_only=no',
      );
    }
    extra.push(...(o.masterCf ?? []));
    Object.assign(params, o.mainCf ?? {});
    fs.writeFileSync(path.join(dir, 'main.cf'), Object.entries(params).map(([k, v]) => `${k} = ${v}`).join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'master.cf'), privateMasterCf(fs.readFileSync('/etc/postfix/master.cf', 'utf8'), `${host}:${port}`, extra));
    const pf = new PostfixInstance(dir, host, port, submissionPort, maillog);
    editAlternateDirs('add', dir);
    try {
      run('postfix', ['-c', dir, 'set-permissions']);
      run('postfix', ['-c', dir, 'start']);
      pf.running = true;
      await pf.waitForPort(port, o.startTimeoutMs ?? 20_000);
      if (submissionPort) await pf.waitForPort(submissionPort, o.startTimeoutMs ?? 20_000);
    } catch (e) {
      await pf.stop();
      throw e;
    }
    return pf;
  }

  private waitForPort(port: number, timeoutMs: number): Promise<true> {
    return until(`Postfix to listen on ${this.host}:${port}`, timeoutMs, () =>
      new Promise<boolean>((resolve) => {
        const s = net.connect({ host: this.host, port }, () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      }),
    );
  }

  /** `postfix -c DIR ARGS…` */
  postfix(...args: string[]): string {
    return run('postfix', ['-c', this.dir, ...args]);
  }

  /** Sets main.cf parameters (`postconf -c DIR -e k=v …`), then reloads unless told not to. */
  setMainCf(params: Readonly<Record<string, string>>, options: { reload?: boolean } = {}): void {
    run('postconf', ['-c', this.dir, '-e', ...Object.entries(params).map(([k, v]) => `${k}=${v}`)]);
    if (options.reload !== false) this.reload();
  }

  /** A main.cf parameter's effective value (`postconf -c DIR -h NAME`). */
  getMainCf(name: string): string {
    return run('postconf', ['-c', this.dir, '-h', name]).trim();
  }

  /** `postconf -c DIR -n`: the explicitly set parameters, as `doctor` reads them. */
  postconfN(): string {
    return run('postconf', ['-c', this.dir, '-n']);
  }

  reload(): void {
    this.postfix('reload');
  }

  /** The queue as `postqueue -c DIR -j` prints it. */
  queue(): QueuedMessage[] {
    const out = run('postqueue', ['-c', this.dir, '-j']);
    return out.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as QueuedMessage);
  }

  /** `postsuper -c DIR ARGS…`, with optional stdin (e.g. queue ids for `-d -`). */
  postsuper(args: readonly string[], input?: string): string {
    return run('postsuper', ['-c', this.dir, ...args], input);
  }

  /** Polls the queue until `predicate` holds; returns the queue then. */
  waitForQueue(predicate: (q: QueuedMessage[]) => boolean, timeoutMs = 15_000): Promise<QueuedMessage[]> {
    return until('the queue to match', timeoutMs, () => {
      const q = this.queue();
      return predicate(q) ? q : undefined;
    }, 200);
  }

  /** The instance's log so far. */
  readLog(): string {
    try {
      return fs.readFileSync(this.maillog, 'utf8');
    } catch {
      return '';
    }
  }

  /** Polls the log until a line contains `needle` (or matches the predicate); returns that line. */
  waitForLog(needle: string | ((line: string) => boolean), timeoutMs = 15_000): Promise<string> {
    const match = typeof needle === 'string' ? (l: string) => l.includes(needle) : needle;
    return until(`a log line ${typeof needle === 'string' ? JSON.stringify(needle) : 'matching'} in ${this.maillog}`, timeoutMs,
      () => this.readLog().split('\n').find(match), 200);
  }

  /** Sends one message over SMTP to this instance (defaults: its host and SMTP port). */
  sendMail(o: Omit<SendMailOptions, 'host' | 'port'> & { host?: string; port?: number }): Promise<SendMailResult> {
    return sendMail({ host: this.host, port: this.port, ...o });
  }

  /** Stops Postfix, removes the directory and its alternate_config_directories entry. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.running) {
      this.running = false;
      try {
        this.postfix('stop');
      } catch {
        try {
          this.postfix('abort');
        } catch {
          /* already gone */
        }
      }
      const pidFile = path.join(this.dir, 'queue', 'pid', 'master.pid');
      await until('the Postfix master to exit', 15_000, () => {
        try {
          const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
          if (!pid) return true;
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      }).catch(() => undefined);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    editAlternateDirs('remove', this.dir);
  }
}
