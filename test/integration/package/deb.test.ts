/*
 * The Debian package, end to end, on this machine (CI runs as root): build it
 * (and, from the same build, a package of the previous SQLite schema), install
 * the old one and fill its state from the CLI, upgrade, check every block,
 * lock, trusted entry and setting survived; then run the helper and the
 * service exactly as their units start them (the service as the mailwarden
 * user) against the real private Postfix and Dovecot, and watch a trusted-ips
 * change and a suspected compromise act through the privileged helper.
 * Finally purge and check nothing is left. One build per file: the tests run
 * in order and share the installed package.
 */
import Database from 'better-sqlite3';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { type DovecotInstance, startDovecot } from '../../harness/dovecot';
import { freePort, PostfixInstance, requirePostfix } from '../../harness/postfix';
import { hasBinary } from '../../harness/system-binary';
import { PrivilegedClient } from '../../../host/tools/privileged/client';

const ROOT = path.resolve(__dirname, '../../..');
const CONF = '/etc/mailwarden/mailwarden.json';
const TABLE = '/etc/postfix/mailwarden/trusted.cidr';
const PATH = '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin';
const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const suite = 'Debian package: build, install, upgrade, unprivileged service with the privileged helper, purge';

function sh(cmd: string, args: readonly string[], o: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): { code: number; out: string; err: string } {
  const r = spawnSync(cmd, args, { cwd: o.cwd ?? '/', env: o.env ?? { PATH, LANG: 'C.UTF-8' }, input: o.input, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, out: r.stdout ?? '', err: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}
function ok(cmd: string, args: readonly string[], o: Parameters<typeof sh>[2] = {}): string {
  const r = sh(cmd, args, o);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.err || r.out}`);
  return r.out;
}

/** `mailwarden …` as the admin types it: /usr/bin, root, a working directory that has nothing to do with mailwarden. */
function mw(cwd: string, ...args: string[]) {
  return sh('/usr/bin/mailwarden', args, { cwd });
}

/** User, Environment= and ExecStart= of an installed unit. */
function unit(name: string): { user?: string; env: Record<string, string>; exec: string[] } {
  const text = fs.readFileSync(`/lib/systemd/system/${name}`, 'utf8');
  const env: Record<string, string> = {};
  let user: string | undefined;
  let exec: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\w+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === 'User') user = m[2];
    if (m[1] === 'Environment') {
      const [k, ...v] = m[2].split('=');
      env[k] = v.join('=');
    }
    if (m[1] === 'ExecStart') exec = m[2].split(/\s+/);
  }
  return { user, env, exec };
}

function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  return (async () => {
    for (;;) {
      const v = await probe();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
}

/** `--json` listings print one JSON object per line. */
function jsonLines(text: string): Array<Record<string, unknown>> {
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The JSON log lines of a process so far (a line still being written is skipped). */
function logLines(text: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const l of text.split('\n')) {
    if (!l.startsWith('{')) continue;
    try {
      out.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      // incomplete: the rest has not arrived yet
    }
  }
  return out;
}

/** Stops a child we started, unless it is already gone (by exit or by signal). */
async function stop(p: ChildProcess | undefined): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await gone;
}

function rss(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

/** An IMAP session left open (as a logged-in mail client would): resolves `closed` when the server hangs up. */
async function imapSession(port: number, login: string, password: string): Promise<{ closed: Promise<void>; socket: net.Socket }> {
  const socket = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.41' });
  let buf = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (buf += d));
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  await waitFor('IMAP greeting', () => buf.includes('* OK'), 15_000);
  socket.write(`a1 LOGIN "${login}" "${password}"\r\n`);
  await waitFor(`IMAP login of ${login}`, () => /^a1 (OK|NO|BAD)/m.test(buf), 15_000);
  if (!/^a1 OK/m.test(buf)) throw new Error(`IMAP login failed: ${buf}`);
  return { closed, socket };
}

const needs = ['dpkg-deb', 'dpkg', 'runuser', 'systemd-analyze', 'man', '/usr/sbin/dovecot', '/usr/bin/doveadm'];
const missing = needs.filter((b) => !hasBinary(b, ['--version']));
const canRun = missing.length === 0 && process.getuid?.() === 0;
if (!canRun && process.env.CI === 'true') {
  describe(suite, () => {
    test('needs root and ' + needs.join(', '), () => {
      throw new Error(`missing: ${missing.join(', ') || 'root'} (see .ci/debian-packages.txt); CI=true, so this fails instead of skipping`);
    });
  });
} else if (!canRun || !requirePostfix(suite)) {
  process.stderr.write(`\n[skipped] ${suite}: needs root, ${needs.join(', ')}, Postfix and Dovecot\n`);
  describe.skip(suite, () => undefined);
} else {
  describe(suite, () => {
    let out: string;
    let deb: string;
    let prev: string;
    let elsewhere: string;
    let pf: PostfixInstance | undefined;
    let dc: DovecotInstance | undefined;
    let helper: ChildProcess | undefined;
    let service: ChildProcess | undefined;
    let serviceLog = '';
    let helperLog = '';
    let saslDir: string | undefined;
    const ports = { admin: 0, dovecot: 0, postfix: 0 };

    beforeAll(() => {
      // A machine that has the package already (an aborted run) starts clean.
      sh('dpkg', ['--purge', 'mailwarden']);
      out = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-deb-'));
      elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-cwd-'));
      const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;
      const started = Date.now();
      const log = ok(process.execPath, [path.join(ROOT, 'packaging/build-deb.mjs'), '--out', out, '--previous', '0.0.1~schema1:1'], { cwd: ROOT, env: { ...process.env, PATH: process.env.PATH } });
      process.stderr.write(`package build: ${Math.round((Date.now() - started) / 1000)} s\n${log}`);
      const arch = ok('dpkg', ['--print-architecture']).trim();
      deb = path.join(out, `mailwarden_${version}_${arch}.deb`);
      prev = path.join(out, `mailwarden_0.0.1~schema1_${arch}.deb`);
    }, 600_000);

    afterAll(async () => {
      await stop(service);
      await stop(helper);
      await pf?.stop();
      await dc?.stop();
      sh('dpkg', ['--purge', 'mailwarden']);
      for (const d of [out, elsewhere, saslDir]) if (d) fs.rmSync(d, { recursive: true, force: true });
    }, 120_000);

    test('the package: control fields and file list', () => {
      const size = fs.statSync(deb).size;
      process.stderr.write(`package size: ${(size / 1024 / 1024).toFixed(2)} MiB (${size} bytes)\n`);
      const field = (f: string) => ok('dpkg-deb', ['-f', deb, f]).trim();
      expect(field('Package')).toBe('mailwarden');
      expect(field('Architecture')).toBe(ok('dpkg', ['--print-architecture']).trim());
      expect(field('Depends')).toMatch(/^nodejs \(>= 20\)/);
      expect(field('Recommends')).toBe('postfix, dovecot-core');
      expect(Number(field('Installed-Size'))).toBeGreaterThan(1000);
      const files = ok('dpkg-deb', ['-c', deb]).split('\n').map((l) => l.split(/\s+/).slice(5).join(' ')).filter(Boolean);
      for (const f of [
        './usr/bin/mailwarden -> ../lib/mailwarden/bin/mailwarden.js',
        './usr/lib/mailwarden/bin/mailwarden.js',
        './usr/lib/mailwarden/dist/app/host/adapters/cli/main.js',
        './usr/lib/mailwarden/dist/app/host/adapters/privd/privd-main.js',
        './usr/lib/mailwarden/dist/plugins/trusted-ips/manifest.json',
        './usr/lib/mailwarden/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
        './lib/systemd/system/mailwarden.service',
        './lib/systemd/system/mailwarden-privd.service',
        './etc/mailwarden/mailwarden.json',
        './usr/share/man/man8/mailwarden.8.gz',
        './usr/share/bash-completion/completions/mailwarden',
      ]) expect(files).toContain(f);
      // Production dependencies only: no compiler, test runner or browser driver.
      for (const dev of ['typescript', 'jest', 'esbuild', 'playwright-core', 'ts-jest']) expect(files.filter((f) => f.startsWith(`./usr/lib/mailwarden/node_modules/${dev}/`))).toEqual([]);
      expect(files.some((f) => f.includes('better-sqlite3/deps/'))).toBe(false);
      expect(ok('dpkg-deb', ['-f', deb, 'Version']).trim()).not.toBe(ok('dpkg-deb', ['-f', prev, 'Version']).trim());
      const conffiles = sh('sh', ['-c', `dpkg-deb --ctrl-tarfile '${deb}' | tar -xO ./conffiles`]).out;
      expect(conffiles).toBe(`${CONF}\n`);
    });

    test('install the previous schema, fill its state from an unrelated directory, upgrade: everything is kept and the schema moves forward', () => {
      ok('dpkg', ['-i', prev], { env: { PATH, DEBIAN_FRONTEND: 'noninteractive' } });
      expect(mw(elsewhere, '--version').out).toBe('mailwarden 0.0.1~schema1\n');
      const schemaOf = () => {
        const db = new Database('/var/lib/mailwarden/mailwarden.db', { readonly: true });
        try {
          return db.pragma('user_version', { simple: true });
        } finally {
          db.close();
        }
      };
      expect(schemaOf()).toBe(1);
      expect(mw(elsewhere, 'domains', 'add', 'example.com')).toMatchObject({ code: 0 });
      const lock = mw(elsewhere, 'account', 'lock', 'carol@example.com', '--reason', 'before the upgrade');
      expect(lock).toMatchObject({ code: 0, out: 'locked carol@example.com until unlocked\n' });
      expect(lock.err).toContain('changed locks in data directory /var/lib/mailwarden');
      expect(mw(elsewhere, 'blocks', 'add', '--ip', '203.0.113.0/24', '--for', '2d', '--reason', 'before the upgrade')).toMatchObject({ code: 0 });
      // A domain's entry: enforced by the policy gateway, so no table to apply yet.
      expect(mw(elsewhere, 'trusted-ips', 'add', '198.51.100.0/24', '--domain', 'example.com', '--label', 'before the upgrade')).toMatchObject({ code: 0 });
      expect(mw(elsewhere, 'config', 'set', 'sender-ratelimit', 'recipientsPerHour=4', 'messagesPerHour=10', 'compromiseFactor=2', 'trustedClients=[]')).toMatchObject({ code: 0 });
      // Nothing was created in the working directory.
      expect(fs.readdirSync(elsewhere)).toEqual([]);

      ok('dpkg', ['-i', deb], { env: { PATH, DEBIAN_FRONTEND: 'noninteractive' } });
      expect(mw(elsewhere, '--version').out).toMatch(/^mailwarden \d+\.\d+\.\d+\n$/);
      expect(schemaOf()).toBeGreaterThan(1);
      expect(fs.existsSync('/var/lib/mailwarden/mailwarden.db.schema-1.bak')).toBe(true);
      expect(jsonLines(mw(elsewhere, 'account', 'list', '--json').out)).toEqual([expect.objectContaining({ login: 'carol@example.com', reason: 'before the upgrade' })]);
      expect(mw(elsewhere, 'blocks', 'list').out).toContain('203.0.113.0/24');
      expect(mw(elsewhere, 'trusted-ips', 'list', '--domain', 'example.com').out).toContain('198.51.100.0/24');
      expect(JSON.parse(mw(elsewhere, 'config', 'get', 'sender-ratelimit', '--json').out)).toMatchObject({ config: { recipientsPerHour: 4, messagesPerHour: 10, compromiseFactor: 2 } });
      expect(mw(elsewhere, 'domains', 'list').out).toContain('example.com');
    }, 300_000);

    test('installed as the package lays it out', () => {
      expect(mw(elsewhere, '--version')).toMatchObject({ code: 0, out: expect.stringMatching(/^mailwarden /) });
      const st = (p: string) => fs.statSync(p);
      const uid = Number(ok('id', ['-u', 'mailwarden']).trim());
      expect(st('/var/lib/mailwarden')).toMatchObject({ uid });
      expect(st('/var/lib/mailwarden').mode & 0o777).toBe(0o750);
      expect(st(CONF)).toMatchObject({ uid: 0 });
      expect(st(CONF).mode & 0o777).toBe(0o640);
      for (const f of ['admin.token', 'dovecot.secret', 'mailwarden.db']) expect(st(`/var/lib/mailwarden/${f}`)).toMatchObject({ uid });
      expect(ok('id', ['-nG', 'mailwarden']).trim().split(' ')).toContain('mailwarden');
      // systemd need not run: verify reads the unit files and checks what they name.
      expect(sh('systemd-analyze', ['verify', '/lib/systemd/system/mailwarden.service', '/lib/systemd/system/mailwarden-privd.service'])).toMatchObject({ code: 0, err: '' });
      const conf = JSON.parse(fs.readFileSync(CONF, 'utf8'));
      // The table the helper may write is the one trusted-ips writes; the service's unit does not need it writable.
      expect(conf.privileged.tables).toEqual([conf.plugins['trusted-ips'].tableFile]);
      expect(unit('mailwarden.service')).toMatchObject({ user: 'mailwarden', exec: ['/usr/bin/mailwarden', 'serve'] });
      expect(fs.readFileSync('/lib/systemd/system/mailwarden.service', 'utf8')).toContain('ReadWritePaths=/var/lib/mailwarden\n');
      expect(sh('man', ['-w', 'mailwarden']).out.trim()).toBe('/usr/share/man/man8/mailwarden.8.gz');
      expect(sh('bash', ['-c', 'source /usr/share/bash-completion/completions/mailwarden; COMP_WORDS=(mailwarden acc); COMP_CWORD=1; _mailwarden; echo "${COMPREPLY[@]}"']).out.trim()).toBe('account');
    });

    test('helper and service started as their units start them; a lock made from an unrelated directory is seen by the service', async () => {
      // The real private servers the service looks after, and free ports for its listeners.
      ports.admin = await freePort();
      ports.dovecot = await freePort();
      ports.postfix = await freePort();
      const secret = fs.readFileSync('/var/lib/mailwarden/dovecot.secret', 'utf8').trim();
      const apiHeader = 'Authorization: Basic ' + Buffer.from(`dovecot:${secret}`).toString('base64');
      saslDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-deb-sasl-'));
      const sasl = path.join(saslDir, 'auth');
      fs.chmodSync(path.dirname(sasl), 0o755);
      dc = await startDovecot({
        users: [{ login: ALICE, password: 'alice-pw' }, { login: BOB, password: 'bob-pw' }],
        policy: { url: `http://127.0.0.1:${ports.dovecot}/`, apiHeader },
        sasl: { unixPath: sasl },
      });
      const policy = (ctx: string) => `check_policy_service { inet:127.0.0.1:${ports.postfix}, policy_context=${ctx} }`;
      pf = await PostfixInstance.start({
        prefix: 'mw-pf-deb-',
        saslDovecotSocket: sasl,
        mainCf: { smtpd_recipient_restrictions: policy('ratelimit'), smtpd_end_of_data_restrictions: policy('ratelimit') },
      });
      // The admin edits the installed config: this instance of Postfix and Dovecot, free ports.
      const reload = ['postfix', '-c', pf.dir, 'reload'];
      const conf = JSON.parse(fs.readFileSync(CONF, 'utf8'));
      conf.listen = { admin: `127.0.0.1:${ports.admin}`, dovecot: `127.0.0.1:${ports.dovecot}`, postfix: `127.0.0.1:${ports.postfix}` };
      conf.postfix = { ...conf.postfix, configDir: pf.dir };
      conf.accounts = { kickCommand: ['doveadm', '-c', dc.configFile, 'kick', '{login}'] };
      conf.plugins['trusted-ips'] = { ...conf.plugins['trusted-ips'], reloadCommand: reload };
      conf.privileged.commands = [reload];
      fs.writeFileSync(CONF, JSON.stringify(conf, null, 2));

      const lock = mw(elsewhere, 'account', 'lock', 'dave@example.com');
      expect(lock).toMatchObject({ code: 0 });
      expect(fs.readdirSync(elsewhere)).toEqual([]);

      // systemd would make the RuntimeDirectory; the helper runs as root, the service as mailwarden.
      fs.mkdirSync('/run/mailwarden-privd', { recursive: true, mode: 0o755 });
      const h = unit('mailwarden-privd.service');
      expect(h.user).toBeUndefined();
      helper = spawn(h.exec[0], h.exec.slice(1), { cwd: '/', env: { PATH, ...h.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      helper.stdout!.on('data', (d) => (helperLog += d));
      helper.stderr!.on('data', (d) => (helperLog += d));
      await waitFor('the helper socket', () => fs.existsSync('/run/mailwarden-privd/privd.sock'), 30_000).catch((e) => Promise.reject(new Error(`${e.message}: ${helperLog}`)));
      const sock = fs.statSync('/run/mailwarden-privd/privd.sock');
      expect(sock.mode & 0o777).toBe(0o660);
      expect(sock.gid).toBe(Number(ok('id', ['-g', 'mailwarden']).trim()));

      const s = unit('mailwarden.service');
      service = spawn('runuser', ['-u', s.user!, '--', 'env', '-i', `PATH=${PATH}`, ...Object.entries(s.env).map(([k, v]) => `${k}=${v}`), ...s.exec], { cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
      service.stdout!.on('data', (d) => (serviceLog += d));
      service.stderr!.on('data', (d) => (serviceLog += d));
      await waitFor('the service to be ready', () => serviceLog.includes('"msg":"ready"') || service!.exitCode !== null, 90_000);
      expect(service.exitCode).toBeNull();
      const pid = Number(/"pid":(\d+),"msg":"ready"/.exec(serviceLog)![1]);
      expect(ok('ps', ['-o', 'user=', '-p', String(pid)]).trim()).toBe('mailwarden');
      expect(serviceLog).toContain('"dataDir":"/var/lib/mailwarden"');

      const ask = async (login: string) => {
        const r = await fetch(`http://127.0.0.1:${ports.dovecot}/?command=allow`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: apiHeader.slice('Authorization: '.length) },
          body: JSON.stringify({ login, remote: '192.0.2.9', protocol: 'imap', pwhash: 'abc', tls: '0' }),
        });
        return (await r.json()) as { status: number; msg: string };
      };
      expect(await ask('dave@example.com')).toMatchObject({ status: -1, msg: expect.stringContaining('locked') });
      expect(await ask('carol@example.com')).toMatchObject({ status: -1 });
      expect(await ask(BOB)).toMatchObject({ status: 0 });
      // A lock made now, while it runs, is seen too.
      mw(elsewhere, 'account', 'lock', 'erin@example.com');
      await waitFor('the new lock', async () => (await ask('erin@example.com')).status === -1, 20_000);
      await new Promise((r) => setTimeout(r, 5000));
      process.stderr.write(`service idle RSS: ${(rss(pid) / 1024 / 1024).toFixed(1)} MiB\n`);
    }, 240_000);

    test('under that unprivileged service, a trusted-ips change rewrites the table and reloads Postfix', async () => {
      const token = fs.readFileSync('/var/lib/mailwarden/admin.token', 'utf8').trim();
      const reloadsBefore = (fs.readFileSync(pf!.maillog, 'utf8').match(/reload -- version/g) ?? []).length;
      const r = await fetch(`http://127.0.0.1:${ports.admin}/api/plugins/trusted-ips/entries`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ network: '192.0.2.0/24', label: 'gateway' }),
      });
      const body = await r.json();
      expect({ status: r.status, body }).toMatchObject({ status: expect.any(Number), body: { applied: true } });
      expect(fs.readFileSync(TABLE, 'utf8')).toMatch(/^192\.0\.2\.0\/24\s+permit$/m);
      expect(fs.statSync(TABLE).uid).toBe(0);
      await waitFor('Postfix to log its reload', () => (fs.readFileSync(pf!.maillog, 'utf8').match(/reload -- version/g) ?? []).length > reloadsBefore, 30_000);
    }, 60_000);

    test('under that unprivileged service, a suspected compromise holds the account\'s queued mail and closes its Dovecot sessions', async () => {
      const p = pf!;
      const submit = (user: string, password: string, to: string[], localAddress = '127.0.0.31') => p.sendMail({ port: p.submissionPort!, localAddress, auth: { user, password }, from: user, to });
      const session = await imapSession(dc!.imapPort, ALICE, 'alice-pw');
      expect(await submit(ALICE, 'alice-pw', ['a1@remote.test', 'a2@remote.test'])).toMatchObject({ accepted: true });
      expect(await submit(ALICE, 'alice-pw', ['a3@remote.test', 'a4@remote.test'])).toMatchObject({ accepted: true });
      expect(await submit(BOB, 'bob-pw', ['b1@remote.test'], '127.0.0.32')).toMatchObject({ accepted: true });
      await p.waitForQueue((q) => q.length === 3);
      // Recipients 5-9 against a limit of 4 × factor 2: a compromise.
      expect((await submit(ALICE, 'alice-pw', ['a5@remote.test', 'a6@remote.test'])).accepted).toBe(false);
      expect((await submit(ALICE, 'alice-pw', ['a7@remote.test', 'a8@remote.test', 'a9@remote.test'])).accepted).toBe(false);
      await waitFor('alice\'s mail on hold', () => p.queue().filter((m) => m.sender === ALICE && m.queue_name === 'hold').length === 2, 60_000).catch((e) => Promise.reject(new Error(`${e.message}\n${serviceLog.slice(-3000)}`)));
      expect(p.queue().filter((m) => m.sender === BOB).map((m) => m.queue_name)).not.toContain('hold');
      await Promise.race([session.closed, new Promise((_, rej) => setTimeout(() => rej(new Error(`alice's IMAP session was not closed\n${serviceLog.slice(-3000)}`)), 30_000))]);
      expect(jsonLines(mw(elsewhere, 'account', 'list', '--json').out).map((l) => l.login)).toContain(ALICE);
      // The hold went by SASL login (a spammer forges envelope senders): the service cannot
      // read Postfix's queue files (0700 postfix), so it asked the helper, which read them
      // as root from its own queue directory; no fallback to the envelope sender, no refusal.
      const handled = await waitFor('the compromise to be handled', () => logLines(serviceLog).find((l) => l.msg === 'suspected compromise handled'), 30_000);
      expect(handled).toMatchObject({ sender: ALICE, steps: expect.arrayContaining([expect.stringMatching(/^\d+ queued message\(s\) put on hold$/)]) });
      expect((handled.steps as string[]).join('\n')).not.toMatch(/FAILED|envelope sender/);
      const asked = logLines(helperLog).filter((l) => l.op === 'queue-sasl');
      expect(asked.length).toBeGreaterThanOrEqual(1);
      for (const a of asked) expect(a).toMatchObject({ msg: 'done', ids: expect.any(Number) });
      expect(Math.max(...asked.map((a) => a.ids as number))).toBeGreaterThanOrEqual(3);
      expect(serviceLog + helperLog).not.toMatch(/EACCES|EPERM|privileged helper refused|refused or failed/);
      // What the helper answers from the real queue: each message's SASL login.
      const queued = p.queue().filter((m) => m.sender === ALICE || m.sender === BOB);
      expect(queued.length).toBe(3);
      const logins = await new PrivilegedClient('/run/mailwarden-privd/privd.sock').queueSasl([...queued.map((m) => m.queue_id), 'NOSUCHID1']);
      expect(Object.fromEntries(logins)).toEqual(Object.fromEntries(queued.map((m) => [m.queue_id, m.sender])));
      session.socket.destroy();
    }, 180_000);

    test('dpkg --remove keeps the state, the config and the user; dpkg --purge leaves nothing behind', async () => {
      await stop(service);
      await stop(helper);
      ok('dpkg', ['--remove', 'mailwarden']);
      expect(fs.existsSync('/usr/lib/mailwarden/dist')).toBe(false);
      expect(fs.existsSync('/usr/bin/mailwarden')).toBe(false);
      for (const kept of [CONF, '/var/lib/mailwarden/mailwarden.db', '/var/lib/mailwarden/admin.token', '/var/lib/mailwarden/dovecot.secret', TABLE]) expect([kept, fs.existsSync(kept)]).toEqual([kept, true]);
      expect(sh('getent', ['passwd', 'mailwarden']).code).toBe(0);
      ok('dpkg', ['--purge', 'mailwarden']);
      for (const p of ['/usr/lib/mailwarden', '/usr/bin/mailwarden', '/etc/mailwarden', '/var/lib/mailwarden', '/etc/postfix/mailwarden', '/run/mailwarden-privd', '/lib/systemd/system/mailwarden.service', '/lib/systemd/system/mailwarden-privd.service', '/usr/share/man/man8/mailwarden.8.gz', '/usr/share/bash-completion/completions/mailwarden']) {
        expect([p, fs.existsSync(p)]).toEqual([p, false]);
      }
      expect(sh('getent', ['passwd', 'mailwarden']).code).not.toBe(0);
      expect(sh('getent', ['group', 'mailwarden']).code).not.toBe(0);
      expect(sh('dpkg-query', ['-W', 'mailwarden']).code).not.toBe(0);
    }, 120_000);
  });
}
