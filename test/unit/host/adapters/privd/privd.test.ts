import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PrivilegedClient } from '../../../../../host/tools/privileged/client';
import { checkRootOwned, Privd } from '../../../../../host/adapters/privd/privd';
import { checkCidrTable, checkLogin, checkRequest, MAX_QUEUE_SASL_IDS } from '../../../../../host/tools/privileged/protocol';
import { queueFile } from '../../tools/postfix/queue/queue-file-fixture';

/** Every entry under `root`: type, mode, size, mtime, owner and content, to show that a read changed nothing. */
function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      const st = fs.lstatSync(p);
      out.push(`${path.relative(root, p)} ${st.mode.toString(8)} ${st.size} ${st.mtimeMs} ${st.uid}${e.isFile() ? ' ' + fs.readFileSync(p).toString('base64') : ''}`);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

/** A program that appends its argv and stdin to `log` as one JSON line, and prints `out`. */
function recorder(dir: string, name: string, log: string, out = '', exit = 0): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!${process.execPath}
const fs = require('fs');
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ argv: process.argv.slice(2), input }) + '\\n');
  process.stdout.write(${JSON.stringify(out)});
  process.exit(${exit});
});
`, { mode: 0o755 });
  return file;
}

describe('mailwarden-privd', () => {
  let dir: string;
  let calls: string;
  let table: string;
  let logs: Array<Record<string, unknown>>;
  let d: Privd;
  let client: PrivilegedClient;
  let spool: string;
  const recorded = () => (fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { argv: string[]; input: string }) : []);

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-privd-'));
    calls = path.join(dir, 'calls.jsonl');
    fs.mkdirSync(path.join(dir, 'postfix'), { mode: 0o755 });
    table = path.join(dir, 'postfix', 'trusted.cidr');
    const postsuper = recorder(dir, 'postsuper', calls, 'postsuper: Placed on hold: 2 messages\n');
    const doveadm = recorder(dir, 'doveadm', calls);
    const setpw = recorder(dir, 'setpw', calls);
    const reload = recorder(dir, 'reload', calls, 'reloaded');
    spool = path.join(dir, 'spool');
    for (const q of ['incoming', 'active', 'deferred', 'hold', 'maildrop']) fs.mkdirSync(path.join(spool, q), { recursive: true, mode: 0o700 });
    const config = path.join(dir, 'mailwarden.json');
    fs.writeFileSync(config, JSON.stringify({
      postfix: { postsuperPath: postsuper, configDir: '/etc/postfix-x', queueDirectory: spool },
      accounts: { kickCommand: [doveadm, 'kick', '{login}'] },
      passwords: { setCommand: [setpw, '{local}', '{domain}'] },
      privileged: { socket: path.join(dir, 'privd.sock'), tables: [table], commands: [[reload, '-c', 'dir']] },
    }));
    logs = [];
    d = new Privd({ configFile: config, skipOwnerChecks: true, log: (e) => logs.push(e) });
    await d.listen();
    client = new PrivilegedClient(path.join(dir, 'privd.sock'));
  });
  afterEach(async () => {
    await d.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the socket is created for owner and group only', () => {
    expect(fs.statSync(path.join(dir, 'privd.sock')).mode & 0o777).toBe(0o660);
  });

  test('postsuper gets the queue IDs on stdin, with the binary and -c of its own config', async () => {
    expect(await client.postsuper('hold', ['4ABC123', '3Pt2mN2VXxznjll'])).toContain('Placed on hold: 2');
    expect(recorded()).toEqual([{ argv: ['-c', '/etc/postfix-x', '-h', '-'], input: '4ABC123\n3Pt2mN2VXxznjll\n' }]);
  });

  test.each([
    [{ op: 'postsuper', mode: 'hold', ids: ['ALL'] }, 'ids[0] "ALL" is not a queue ID'],
    [{ op: 'postsuper', mode: 'hold', ids: ['-d'] }, 'ids[0] "-d" is not a queue ID'],
    [{ op: 'postsuper', mode: 'hold', ids: ['ABC\nDEF'] }, 'is not a queue ID'],
    [{ op: 'postsuper', mode: 'requeue', ids: ['ABC'] }, 'mode must be hold, release or delete'],
    [{ op: 'postsuper', mode: 'hold', ids: [] }, 'ids must be a list of 1 to'],
    [{ op: 'postsuper', mode: 'hold', ids: ['ABC'], postsuperPath: '/bin/sh' }, 'unexpected field "postsuperPath"'],
    [{ op: 'kick', login: '-A' }, 'is not a normalised login'],
    [{ op: 'kick', login: '*@example.com' }, 'is not a normalised login'],
    [{ op: 'kick', login: 'Alice@example.com' }, 'is not a normalised login'],
    [{ op: 'password-set', login: '../../etc/x@example.com', password: 'x' }, 'is not a normalised login'],
    [{ op: 'password-set', login: 'bob@example.com', password: 'a\nb' }, 'must not contain NUL, CR or LF'],
    [{ op: 'replace-table', file: '/etc/passwd', content: '' }, '/etc/passwd is not in privileged.tables'],
    [{ op: 'run', argv: ['/bin/sh', '-c', 'id'] }, 'is not in privileged.commands'],
    [{ op: 'exec', argv: ['id'] }, 'unknown op "exec"'],
    [{ op: 'queue-sasl', ids: ['ALL'] }, 'queue-sasl: ids[0] "ALL" is not a queue ID'],
    [{ op: 'queue-sasl', ids: ['../../etc/shadow'] }, 'queue-sasl: ids[0] "../../etc/shadow" is not a queue ID'],
    [{ op: 'queue-sasl', ids: ['A1B2C3', 'deferred/D/D00001'] }, 'queue-sasl: ids[1] "deferred/D/D00001" is not a queue ID'],
    [{ op: 'queue-sasl', ids: ['A'.repeat(33)] }, 'is not a queue ID'],
    [{ op: 'queue-sasl', ids: [42] }, 'queue-sasl: ids[0] "42" is not a queue ID'],
    [{ op: 'queue-sasl', ids: 'A1B2C3' }, 'queue-sasl: ids must be a list of 1 to 10000 queue IDs'],
    [{ op: 'queue-sasl', ids: [] }, 'queue-sasl: ids must be a list of 1 to 10000 queue IDs'],
    [{ op: 'queue-sasl', ids: ['A1B2C3'], queueDirectory: '/etc' }, 'queue-sasl: unexpected field "queueDirectory"'],
  ])('%j is refused (%s) and nothing runs', async (req, message) => {
    await expect(client.request(req as never)).rejects.toThrow(message);
    expect(recorded()).toEqual([]);
    expect(logs.at(-1)).toMatchObject({ level: 'warn', msg: 'refused' });
  });

  test('queue-sasl answers id → SASL login from the queue of its own config: only regular queue files of the queue\'s owner, envelope only; nothing changes', async () => {
    const put = (rel: string, content: Buffer) => {
      const f = path.join(spool, rel);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, content, { mode: 0o700 });
      return f;
    };
    put('active/A1B2C3', queueFile('a@example.com', 'alice@example.com'));
    put('deferred/D/D00001', queueFile('forged@example.net', 'bob@example.com'));
    put('deferred/E/E00002', queueFile('spam@example.com'));
    put('hold/H00004', queueFile('x@example.com', 'carol@example.com'));
    put('deferred/X/Y/Z00008', queueFile('y@example.com', 'dave@example.com')); // deeper hashing: found by a walk
    put('incoming/I00009', queueFile('z@example.com', 'x'.repeat(400) + '@example.com')); // no login is that long
    // Local submissions: no SASL login, files of the submitting user; not read.
    put('maildrop/M00005', queueFile('local@example.com', 'mallory@example.com'));
    // Not queue files: a symlink out of the queue, a FIFO (must not block the helper).
    const outside = path.join(dir, 'outside');
    fs.writeFileSync(outside, queueFile('s@example.com', 'secret@example.com'));
    fs.symlinkSync(outside, path.join(spool, 'incoming', 'L00006'));
    execFileSync('mkfifo', [path.join(spool, 'active', 'P00007')]);
    const ids = ['A1B2C3', 'D00001', 'E00002', 'H00004', 'Z00008', 'I00009', 'M00005', 'L00006', 'P00007', 'GONE1'];
    // Root can hand a file to another owner: one the queue's owner (Postfix's mail_owner) does not own is not read.
    if (process.getuid?.() === 0) {
      fs.chownSync(put('active/R00010', queueFile('r@example.com', 'root-placed@example.com')), 4242, 4242);
      ids.push('R00010');
    }
    const before = tree(spool);
    const answer = await client.queueSasl(ids);
    expect(Object.fromEntries(answer)).toEqual({ A1B2C3: 'alice@example.com', D00001: 'bob@example.com', H00004: 'carol@example.com', Z00008: 'dave@example.com' });
    expect(tree(spool)).toEqual(before);
    expect(logs.at(-1)).toEqual({ level: 'info', msg: 'done', op: 'queue-sasl', ids: ids.length });
    // The logins stay out of the helper's log.
    expect(JSON.stringify(logs)).not.toContain('alice@example.com');
    expect(recorded()).toEqual([]);
  });

  test('queue-sasl: the largest allowed request is answered; a larger one is refused before it is parsed', async () => {
    const many = Array.from({ length: MAX_QUEUE_SASL_IDS }, (_, i) => `Q${i.toString(36).toUpperCase().padStart(31, '0')}`);
    expect(Buffer.byteLength(JSON.stringify({ op: 'queue-sasl', ids: many }))).toBeGreaterThan(300_000);
    expect((await client.queueSasl(many)).size).toBe(0);
    await expect(client.queueSasl([...many, 'A1'])).rejects.toThrow('queue-sasl: ids must be a list of 1 to 10000 queue IDs');
    const net = await import('node:net');
    const reply = await new Promise<string>((resolve) => {
      const c = net.connect(path.join(dir, 'privd.sock'));
      let b = '';
      c.on('data', (x) => (b += x));
      c.on('close', () => resolve(b));
      c.on('error', () => undefined);
      c.write(JSON.stringify({ op: 'queue-sasl', ids: Array.from({ length: 13 }, () => many).flat() }));
    });
    expect(reply.trim().split('\n').map((l) => JSON.parse(l))).toEqual([{ ok: false, error: 'request: larger than 4194304 bytes' }]);
  });

  test('kick runs the config\'s command for the login; the password command gets the password on stdin and it is never logged', async () => {
    expect(await client.kick('alice@example.com')).toBe('sessions: closed');
    await client.setPassword('bob@example.com', 'S3cret-Passw0rd!');
    expect(recorded()).toEqual([
      { argv: ['kick', 'alice@example.com'], input: '' },
      { argv: ['bob', 'example.com'], input: 'S3cret-Passw0rd!\n' },
    ]);
    expect(JSON.stringify(logs)).not.toContain('S3cret');
  });

  test('a listed table is replaced with validated content; a bad line changes nothing', async () => {
    const good = '# header\n127.0.0.0/8                                 permit\n192.0.2.0/24 permit\n2001:db8::/32\tpermit\n';
    await client.request({ op: 'replace-table', file: table, content: good });
    expect(fs.readFileSync(table, 'utf8')).toBe(good);
    expect(fs.statSync(table).mode & 0o777).toBe(0o644);
    for (const [bad, why] of [
      ['192.0.2.1/24 permit\n', 'line 1: 192.0.2.1/24 has host bits set'],
      ['0.0.0.0/0 permit\nfoo\n', 'line 2: "foo" is not "NETWORK/PREFIX permit|OK|DUNNO"'],
      ['10.0.0.0/8 REJECT\n', 'line 1'],
      ['# a\rb\n', 'line 1: control character'],
      ['10.0.0.0/8 permit', 'must end with a newline'],
    ]) {
      await expect(client.request({ op: 'replace-table', file: table, content: bad })).rejects.toThrow(why);
    }
    expect(fs.readFileSync(table, 'utf8')).toBe(good);
    expect(fs.readdirSync(path.dirname(table))).toEqual(['trusted.cidr']);
  });

  test('run: exactly an allow-listed argv', async () => {
    const reload = path.join(dir, 'reload');
    expect(await client.request({ op: 'run', argv: [reload, '-c', 'dir'] })).toBe('reloaded');
    await expect(client.request({ op: 'run', argv: [reload, '-c', 'dir', 'x'] })).rejects.toThrow('not in privileged.commands');
    expect(recorded()).toEqual([{ argv: ['-c', 'dir'], input: '' }]);
  });

  test('not JSON, or no newline within the size cap, is refused', async () => {
    const net = await import('node:net');
    const reply = await new Promise<string>((resolve) => {
      const c = net.connect(path.join(dir, 'privd.sock'));
      let b = '';
      c.on('data', (x) => (b += x));
      c.on('end', () => resolve(b));
      c.end('{"op": "kick", login}\n');
    });
    expect(JSON.parse(reply)).toEqual({ ok: false, error: 'request: not JSON' });
  });
});

describe('privd checks', () => {
  test('the config must be root\'s alone', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-privd-own-'));
    try {
      const f = path.join(dir, 'c.json');
      fs.writeFileSync(f, '{}', { mode: 0o664 });
      fs.chmodSync(f, 0o664);
      expect(() => checkRootOwned(f)).toThrow(process.getuid?.() === 0 ? `${f} must not be writable by group or others (mode 664)` : 'must be owned by root');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('queue-sasl requests: queue IDs only, 1 to 10 000', () => {
    const allow = { tables: [], commands: [] };
    expect(checkRequest({ op: 'queue-sasl', ids: ['A1B2C3', '3Pt2mN2VXxznjll'] }, allow)).toEqual({ op: 'queue-sasl', ids: ['A1B2C3', '3Pt2mN2VXxznjll'] });
    expect(checkRequest({ op: 'queue-sasl', ids: Array(MAX_QUEUE_SASL_IDS).fill('A1') }, allow)).toMatchObject({ op: 'queue-sasl' });
    expect(() => checkRequest({ op: 'queue-sasl', ids: Array(MAX_QUEUE_SASL_IDS + 1).fill('A1') }, allow)).toThrow('queue-sasl: ids must be a list of 1 to 10000 queue IDs');
    expect(() => checkRequest({ op: 'queue-sasl', ids: ['A1', 'a b'] }, allow)).toThrow('queue-sasl: ids[1] "a b" is not a queue ID');
    expect(() => checkRequest({ op: 'queue-sasl', ids: [null] }, allow)).toThrow('queue-sasl: ids[0] "null" is not a queue ID');
  });

  test('logins and tables', () => {
    expect(checkLogin('o\'brien+tag@xn--bcher-kva.example', 'x')).toBe('o\'brien+tag@xn--bcher-kva.example');
    expect(() => checkLogin('a..b@example.com', 'x')).toThrow('not a normalised login');
    expect(() => checkLogin('a@example.com b', 'x')).toThrow('not a normalised login');
    expect(checkCidrTable('', 't')).toBe('');
  });
});

describe('privd size cap', () => {
  test('a request without a newline within the cap is refused once, and the helper keeps serving', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-privd-cap-'));
    const config = path.join(dir, 'c.json');
    fs.writeFileSync(config, JSON.stringify({ privileged: { socket: path.join(dir, 's.sock') } }));
    const d = new Privd({ configFile: config, skipOwnerChecks: true, log: () => undefined });
    await d.listen();
    try {
      const net = await import('node:net');
      const reply = await new Promise<string>((resolve) => {
        const c = net.connect(path.join(dir, 's.sock'));
        let b = '';
        c.on('data', (x) => (b += x));
        c.on('close', () => resolve(b));
        c.on('error', () => undefined);
        c.write('x'.repeat(5 * 1024 * 1024));
      });
      expect(reply.trim().split('\n').map((l) => JSON.parse(l))).toEqual([{ ok: false, error: 'request: larger than 4194304 bytes' }]);
      await expect(new PrivilegedClient(path.join(dir, 's.sock')).kick('-x')).rejects.toThrow('must not start with "-"');
    } finally {
      await d.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
