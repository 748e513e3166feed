import * as fs from 'node:fs';
import { DEFAULT_MAIN_CF, describePostfix, editAlternateDirs, PostfixInstance, privateMasterCf } from '../harness/postfix';
import { FakeDovecotSasl } from '../harness/fake-dovecot-sasl';

describe('privateMasterCf', () => {
  it('moves smtp inet to the given address and turns chroot off, keeping -o lines', () => {
    const src = 'smtp      inet  n       -       y       -       -       smtpd\n#  -o x=y\npickup    unix  n       -       y       60      1       pickup\n  -o content_filter=\n';
    const out = privateMasterCf(src, '127.0.0.1:2525', ['extra line']);
    const lines = out.split('\n');
    expect(lines[0].split(/\s+/)).toEqual(['127.0.0.1:2525', 'inet', 'n', '-', 'n', '-', '-', 'smtpd']);
    expect(lines[1]).toBe('#  -o x=y');
    expect(lines[2].split(/\s+/)[4]).toBe('n');
    expect(lines[3]).toBe('  -o content_filter=');
    expect(lines[4]).toBe('extra line');
  });
});

describe('editAlternateDirs', () => {
  it('adds idempotently, keeps other entries and removes only its own', () => {
    const tmp = fs.mkdtempSync('/tmp/mw-altcf-');
    const other = fs.mkdtempSync('/tmp/mw-altcf-other-');
    const mine = fs.mkdtempSync('/tmp/mw-altcf-mine-');
    const cf = `${tmp}/main.cf`;
    fs.writeFileSync(cf, `# keep me\nmyhostname = x\nalternate_config_directories = ${other},\n  /nonexistent/stale-dir\n`);
    try {
      editAlternateDirs('add', mine, cf);
      editAlternateDirs('add', mine, cf);
      let text = fs.readFileSync(cf, 'utf8');
      expect(text).toContain('# keep me\nmyhostname = x\n');
      expect(text).toContain(`alternate_config_directories = ${other}, ${mine}\n`);
      expect(text).not.toContain('stale-dir');
      editAlternateDirs('remove', mine, cf);
      text = fs.readFileSync(cf, 'utf8');
      expect(text).toContain(`alternate_config_directories = ${other}\n`);
      expect(text).not.toContain(mine);
    } finally {
      for (const d of [tmp, other, mine]) fs.rmSync(d, { recursive: true, force: true });
    }
  });

  it('keeps every entry when many processes edit at once', async () => {
    const tmp = fs.mkdtempSync('/tmp/mw-altcf-');
    const cf = `${tmp}/main.cf`;
    const dirs = Array.from({ length: 8 }, () => fs.mkdtempSync('/tmp/mw-altcf-par-'));
    try {
      const { spawn } = await import('node:child_process');
      const path = await import('node:path');
      await Promise.all(dirs.map((d) => new Promise<void>((resolve, reject) => {
        const p = spawn('flock', ['-w', '30', `${cf}.lock`, process.execPath, path.join(__dirname, '../harness/alternate-dirs.js'), 'add', d, cf]);
        p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
      })));
      const text = fs.readFileSync(cf, 'utf8');
      for (const d of dirs) expect(text).toContain(d);
    } finally {
      for (const d of [tmp, ...dirs]) fs.rmSync(d, { recursive: true, force: true });
    }
  });
});

describePostfix('PostfixInstance (real Postfix)', () => {
  let pf: PostfixInstance;
  beforeAll(async () => {
    pf = await PostfixInstance.start();
  }, 60_000);
  afterAll(async () => {
    const dir = pf?.dir;
    await pf?.stop();
    if (dir) {
      expect(fs.existsSync(dir)).toBe(false);
      expect(fs.readFileSync(DEFAULT_MAIN_CF, 'utf8')).not.toContain(dir);
    }
  }, 60_000);

  it('is listed in the default main.cf while running', () => {
    expect(fs.readFileSync(DEFAULT_MAIN_CF, 'utf8')).toContain(pf.dir);
  });

  it('accepts mail from mynetworks and keeps it queued (relayhost is closed)', async () => {
    const r = await pf.sendMail({ localAddress: '127.0.0.1', from: 'alice@example.com', to: ['bob@example.net'] });
    expect(r.accepted).toBe(true);
    expect(r.queueId).toMatch(/^[0-9A-Za-z]+$/);
    const q = await pf.waitForQueue((msgs) => msgs.some((m) => m.queue_id === r.queueId && m.queue_name === 'deferred'), 30_000);
    const m = q.find((x) => x.queue_id === r.queueId)!;
    expect(m.sender).toBe('alice@example.com');
    expect(m.recipients.map((x) => x.address)).toEqual(['bob@example.net']);
    expect(await pf.waitForLog(`${r.queueId}: client=`)).toContain('[127.0.0.1]');
  });

  it('refuses relaying from outside mynetworks', async () => {
    const r = await pf.sendMail({ localAddress: '127.0.0.9', from: 'mallory@example.org', to: ['victim@example.net'] });
    expect(r.accepted).toBe(false);
    expect(r.last.code).toBe(554);
    expect(r.last.text).toContain('Relay access denied');
  });

  it('applies main.cf changes on reload, without a restart', async () => {
    pf.setMainCf({ mynetworks: '127.0.0.1/32, 127.0.0.9/32' });
    expect(pf.getMainCf('mynetworks')).toBe('127.0.0.1/32, 127.0.0.9/32');
    const deadline = Date.now() + 10_000;
    let r;
    do {
      r = await pf.sendMail({ localAddress: '127.0.0.9', from: 'gw@example.org', to: ['x@example.net'] });
      if (!r.accepted) await new Promise((res) => setTimeout(res, 300));
    } while (!r.accepted && Date.now() < deadline);
    expect(r.accepted).toBe(true);
  });

  it('holds and deletes with postsuper', async () => {
    const r = await pf.sendMail({ from: 'carol@example.com', to: ['dan@example.net'] });
    await pf.waitForQueue((q) => q.some((m) => m.queue_id === r.queueId));
    pf.postsuper(['-h', '-'], `${r.queueId}\n`);
    await pf.waitForQueue((q) => q.some((m) => m.queue_id === r.queueId && m.queue_name === 'hold'));
    pf.postsuper(['-d', '-'], `${r.queueId}\n`);
    await pf.waitForQueue((q) => !q.some((m) => m.queue_id === r.queueId));
  });
});

describePostfix('PostfixInstance with SMTP AUTH through a Dovecot SASL socket', () => {
  let pf: PostfixInstance;
  let sasl: FakeDovecotSasl;
  beforeAll(async () => {
    sasl = await FakeDovecotSasl.start({ 'alice@example.com': 'correct horse' });
    pf = await PostfixInstance.start({ saslDovecotSocket: sasl.socketPath });
  }, 60_000);
  afterAll(async () => {
    await pf?.stop();
    await sasl?.stop();
  }, 60_000);

  it('relays for an authenticated client on the submission port and logs sasl_username', async () => {
    const r = await pf.sendMail({ port: pf.submissionPort, localAddress: '127.0.0.7', auth: { user: 'alice@example.com', password: 'correct horse' }, from: 'alice@example.com', to: ['bob@example.net'] });
    expect(r.accepted).toBe(true);
    expect(r.transcript.join('\n')).not.toContain('correct horse');
    expect(await pf.waitForLog(`${r.queueId}: client=`)).toContain('sasl_username=alice@example.com');
  });

  it('refuses a wrong password, and relaying without AUTH', async () => {
    const bad = await pf.sendMail({ port: pf.submissionPort, localAddress: '127.0.0.7', auth: { user: 'alice@example.com', password: 'wrong' }, from: 'alice@example.com', to: ['bob@example.net'] });
    expect(bad.accepted).toBe(false);
    expect(bad.last.code).toBe(535);
    const anon = await pf.sendMail({ port: pf.submissionPort, localAddress: '127.0.0.7', from: 'alice@example.com', to: ['bob@example.net'] });
    expect(anon.accepted).toBe(false);
    expect(anon.last.text).toContain('Relay access denied');
  });
});
