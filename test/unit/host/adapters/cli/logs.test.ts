import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { packageRoot } from '../../../../../host/core/paths';
import { tempDir } from '../../../../helpers/plugin-fixture';
import { runCli } from '../../../../helpers/run-cli';

const fixture = path.join(__dirname, '../../../../fixtures/maillog/shapes.log');

describe('mailwarden logs scan', () => {
  test('--json report; exit 0 without suspects', async () => {
    const r = await runCli(['logs', 'scan', fixture, '--json']);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.senders[0]).toMatchObject({ login: 'admin', messages: 2, recipients: 4 });
    expect(rep.suspects).toEqual([]);
  });

  test('table for people; suspects give exit 4; thresholds are flags', async () => {
    const r = await runCli(['logs', 'scan', fixture, '--min-auth-failures', '2']);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/^\d+ lines, \d+ from Postfix, 1 from Dovecot, 1 not understood\n/);
    expect(r.stdout).toContain('SUSPECTS (1)');
    expect(r.stdout).toMatch(/client\s+203\.0\.113\.9\s+2 failed SASL logins \(admin\): password guessing/);
    expect(r.stdout).toMatch(/AUTHENTICATED SENDERS[^\n]*\nLOGIN\s+MESSAGES\s+RECIPIENTS\s+CLIENT IPS\s+FIRST SEEN\s+LAST SEEN\nadmin\s+2\s+4\s+2\s+Jun  1 08:34:31/);
  });

  test('a progress bar on a terminal (stderr), cleared at the end; none otherwise', async () => {
    const tty = await runCli(['logs', 'scan', fixture, '--json'], { stderrTty: true });
    expect(tty.stderr).toMatch(/^\r\[#+\.*\]\s+\d+%\s+\d+ MB/);
    expect(tty.stderr.endsWith('\r\x1b[K')).toBe(true);
    expect(JSON.parse(tty.stdout).lines).toBeGreaterThan(0);
    expect((await runCli(['logs', 'scan', fixture, '--json'])).stderr).toBe('');
  });

  test('--since 2h and --since today: on this host\'s clock, as its syslog writes the time', async () => {
    // Lines written now by this host's syslog (local time, no zone): 3 h ago, 1 h ago, and now.
    const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const two = (n: number) => String(n).padStart(2, '0');
    const syslog = (t: Date, ip: string) =>
      `${MONTHS[t.getMonth()]} ${String(t.getDate()).padStart(2, ' ')} ${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())} mx postfix/smtpd[1]: warning: unknown[${ip}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6`;
    const now = Date.now();
    const dir = tempDir('mw-logscan-since-');
    const log = path.join(dir, 'mail.log');
    fs.writeFileSync(log, [syslog(new Date(now - 3 * 3_600_000), '192.0.2.3'), syslog(new Date(now - 3_600_000), '192.0.2.1'), syslog(new Date(now), '192.0.2.0'), ''].join('\n'));
    const clients = async (...args: string[]) => JSON.parse((await runCli(['logs', 'scan', log, '--json', ...args])).stdout).authFailures.byClient.map((c: { client: string }) => c.client).sort();
    expect(await clients()).toEqual(['192.0.2.0', '192.0.2.1', '192.0.2.3']);
    expect(await clients('--since', '2h')).toEqual(['192.0.2.0', '192.0.2.1']);
    expect(await clients('--since', '2h', '--until', '30m')).toEqual(['192.0.2.1']);
    // Since local midnight: the lines of today, whatever the hour now.
    const midnight = new Date(now);
    midnight.setHours(0, 0, 0, 0);
    const today = [[now - 3 * 3_600_000, '192.0.2.3'], [now - 3_600_000, '192.0.2.1'], [now, '192.0.2.0']].filter(([t]) => (t as number) >= midnight.getTime()).map(([, ip]) => ip).sort();
    expect(await clients('--since', 'today')).toEqual(today);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('relay audit takes the same window: --since 2h counts the relaying of the last two hours', async () => {
    const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const two = (n: number) => String(n).padStart(2, '0');
    const stamp = (t: Date) => `${MONTHS[t.getMonth()]} ${String(t.getDate()).padStart(2, ' ')} ${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}`;
    // An unauthenticated client's message relayed by smtp, at `t` on this host's clock.
    const relayed = (t: Date, qid: string, rcpt: string) => [
      `${stamp(t)} mx postfix/smtpd[1]: ${qid}: client=unknown[192.0.2.66]`,
      `${stamp(t)} mx postfix/qmgr[2]: ${qid}: from=<spam@example.org>, size=900, nrcpt=1 (queue active)`,
      `${stamp(t)} mx postfix/smtp[3]: ${qid}: to=<${rcpt}>, relay=mx.remote.example[203.0.113.9]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)`,
    ];
    const now = Date.now();
    const dir = tempDir('mw-relay-since-');
    const log = path.join(dir, 'mail.log');
    fs.writeFileSync(log, [...relayed(new Date(now - 3 * 3_600_000), '4AB1C2D3E1', 'a@remote.example'), ...relayed(new Date(now - 3_600_000), '4AB1C2D3E2', 'b@remote.example'), ''].join('\n'));
    const table = path.join(dir, 'trusted.cidr');
    fs.writeFileSync(table, '');
    const audit = async (...args: string[]) => {
      const r = JSON.parse((await runCli(['relay', 'audit', log, '--json', '--data-dir', dir, '--plugin-dir', dir, '--table', table, ...args])).stdout);
      expect(r.linesOutsideWindow).toBe(args.length ? 3 : 0);
      return r.clients;
    };
    expect(await audit()).toEqual([expect.objectContaining({ client: '192.0.2.66', messages: 2, recipients: 2 })]);
    expect(await audit('--since', '2h')).toEqual([expect.objectContaining({ client: '192.0.2.66', messages: 1, recipients: 1 })]);
    expect(await audit('--until', '2h')).toEqual([expect.objectContaining({ client: '192.0.2.66', messages: 1, recipients: 1 })]);
    expect((await runCli(['relay', 'audit', log, '--data-dir', dir, '--plugin-dir', dir, '--table', table, '--since', '2h'])).stdout).toMatch(/^1 client\(s\) relayed without authentication; 1 flagged \(trusted list: .*\); 3 lines outside --since\/--until\n/);
    const bad = await runCli(['relay', 'audit', log, '--data-dir', dir, '--plugin-dir', dir, '--since', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('relay audit: --since must be a date or time');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('--unparsed N shows the lines not understood', async () => {
    const r = await runCli(['logs', 'scan', fixture, '--unparsed', '3']);
    expect(r.stdout).toContain('LINES NOT UNDERSTOOD (first 1)\n  this is not a log line at all\n');
  });

  test('a log\'s rotations as the shell globs them (mail.log*) are read oldest first: a message spanning them is linked up', async () => {
    const dir = tempDir('mw-rotations-');
    const at = (f: string) => path.join(dir, f);
    // A trusted relay's message: received, then deferred for days across two rotations, then expired.
    fs.writeFileSync(at('mail.log.2.gz'), zlib.gzipSync([
      'Nov 27 10:00:00 mx1 postfix/smtpd[1]: 4A1B2C3D5E: client=gateway[192.0.2.50]',
      'Nov 27 10:00:01 mx1 postfix/qmgr[2]: 4A1B2C3D5E: from=<promo@example.com>, size=900, nrcpt=1 (queue active)',
      'Nov 27 10:00:31 mx1 postfix/smtp[3]: 4A1B2C3D5E: to=<v1@remote.example>, relay=none, delay=30, dsn=4.4.1, status=deferred (connect to mx.remote.example[192.0.2.9]:25: Connection timed out)',
    ].join('\n') + '\n'));
    fs.writeFileSync(at('mail.log.1'), 'Nov 28 10:00:31 mx1 postfix/smtp[3]: 4A1B2C3D5E: to=<v1@remote.example>, relay=none, delay=86430, dsn=4.4.1, status=deferred (connect to mx.remote.example[192.0.2.9]:25: Connection timed out)\n');
    fs.writeFileSync(at('mail.log'), [
      'Dec  2 10:00:31 mx1 postfix/qmgr[2]: 4A1B2C3D5E: from=<promo@example.com>, status=expired, returned to sender',
      'Dec  2 10:00:32 mx1 postfix/qmgr[2]: 4A1B2C3D5E: removed',
    ].join('\n') + '\n');
    const r = await runCli(['logs', 'scan', at('mail.log'), at('mail.log.1'), at('mail.log.2.gz'), '--json']);
    expect(r.stderr).toBe(`logs scan: reading each log's rotations oldest first: ${at('mail.log.2.gz')}, ${at('mail.log.1')}, ${at('mail.log')}\n`);
    expect(JSON.parse(r.stdout).unauthenticated).toEqual([expect.objectContaining({ client: '192.0.2.50', messages: 1, relayed: 1, deferred: 0, bounced: 1 })]);
    // Given oldest first, nothing to say.
    expect((await runCli(['logs', 'scan', at('mail.log.2.gz'), at('mail.log.1'), at('mail.log'), '--json'])).stderr).toBe('');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('stdin with "-"', async () => {
    const r = await runCli(['logs', 'scan', '-', '--json'], { stdin: fs.readFileSync(fixture, 'latin1') });
    expect(JSON.parse(r.stdout).relayDenied).toEqual([{ client: '198.51.100.77', rejects: 1 }]);
  });

  test.each([
    [['logs'], 'a subcommand is required'],
    [['logs', 'tail', 'x'], 'unknown subcommand "tail"'],
    [['logs', 'scan'], 'FILE is required'],
    [['logs', 'scan', '-', '-'], 'can be given once'],
    [['logs', 'scan', '/nonexistent/mail.log'], '/nonexistent/mail.log: no such file'],
    [['logs', 'scan', 'x', '--top', '0'], '--top must be a whole number'],
    [['logs', 'scan', 'x', '--max-client-ips', 'five'], '--max-client-ips must be a whole number'],
    [['logs', 'scan', 'x', '--unparsed', 'all'], '--unparsed must be a whole number of at least 0'],
    [['logs', 'scan', 'x', '--since', '2026-02-30'], '--since must be a date or time'],
    [['logs', 'scan', 'x', '--until', 'tomorrow'], '--until must be a date or time like 2026-06-21 or 2026-06-21T08:00 (optionally with Z or +01:00), today, yesterday or a time ago like 2h, not "tomorrow"'],
    [['logs', 'scan', 'x', '--since', '2x'], 'logs scan: --since "2x" is not a duration: "x" at position 2 is not a digit or a unit'],
    [['logs', 'scan', 'x', '--since', '0h'], 'logs scan: --since "0h" is not a duration: it is zero'],
    [['logs', 'scan', 'x', '--since', '2026-06-02', '--until', '2026-06-01'], '--until must be after --since'],
    [['logs', 'scan', 'x', '--since', '2026-06-01T08:00Z', '--until', '2026-06-02'], 'logs scan: --since and --until must both name a zone (Z, +01:00) or neither'],
    [['logs', 'scan', 'x', '--local-domain', 'example..com'], 'logs scan: --local-domain: "example..com" is not a valid domain name'],
    [['logs', 'scan', 'x', '--local-domain', 'example.com,'], 'logs scan: --local-domain: domain is empty'],
    [['relay', 'audit', 'x', '--local-domain', 'a..b'], 'relay audit: --local-domain: "a..b" is not a valid domain name'],
  ])('usage error %j', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  test('worker threads (two stages, or line-aligned byte ranges) give the same report as one thread (built bundle)', async () => {
    // The worker runs from dist (npm test builds first; MAILWARDEN_DIST: a build of one's own); messages straddling a cut are linked up.
    const built = process.env.MAILWARDEN_DIST ? path.resolve(process.env.MAILWARDEN_DIST) : path.join(packageRoot(), 'dist');
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const dist = require(path.join(built, 'app/host/tools/maillog/scan.js'));
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const report = require(path.join(built, 'app/host/tools/maillog/scan-report.js'));
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { generate } = require(path.join(packageRoot(), 'bench/gen-maillog.js'));
    const dir = tempDir('mw-logscan-par-');
    const file = path.join(dir, 'mail.log');
    generate(file, 30_000, 7);
    const one = report.buildReport(await dist.scanFiles([file], { threads: 1 }), 50);
    // Two threads are two stages (the worker tokenizes and recognises, this thread reads and counts), through a
    // ring of the default size and of a small one that makes the threads hand over thousands of times.
    // The lines counted reach onEvent (the plugins' report sections) in log order, as one thread recognises them.
    const seen = (into: string[]) => (b: Buffer, p: { qidStart: number; qidEnd: number }, e: { kind: number; addrStart: number; addrEnd: number; n: number }) =>
      void (p.qidStart >= 0 && into.push(`${e.kind} ${b.toString('latin1', p.qidStart, p.qidEnd)} ${b.toString('latin1', e.addrStart, e.addrEnd)} ${e.n}`));
    const events: string[] = [];
    await dist.scanFiles([file], { threads: 1, onEvent: seen(events) });
    expect(events.length).toBeGreaterThan(30_000 / 4);
    const size = fs.statSync(file).size;
    for (const ring of [undefined, { slots: 2, readBytes: 4096, slotLines: 8 }]) {
      let piped = -1;
      const twoEvents: string[] = [];
      const two = report.buildReport(await dist.scanFiles([file], { threads: 2, ring, parallelMinBytes: 1, onPipeline: (_f: string, bytes: number) => (piped = bytes), onEvent: seen(twoEvents) }), 50);
      expect(two).toEqual(one);
      expect(piped).toBe(size);
      expect(twoEvents).toEqual(events);
    }
    // This thread failing mid-scan (here its progress callback) fails the scan, and stops the worker wherever it waits.
    let calls = 0;
    const failing = dist.scanFiles([file], { threads: 2, ring: { slots: 2, readBytes: 4096, slotLines: 8 }, parallelMinBytes: 1, onProgress: () => {
      if (++calls === 3) throw new Error('progress failed');
    } });
    await expect(failing).rejects.toThrow('progress failed');
    // Three are ranges, scanned apart and merged.
    {
      const threads = 3;
      let ranges: Array<[number, number]> = [];
      const many = report.buildReport(await dist.scanFiles([file], { threads, parallelMinBytes: 1, awaitWorkers: true, onRanges: (_f: string, r: Array<[number, number]>) => (ranges = r) }), 50);
      expect(many).toEqual(one);
      // Every thread had a range; together they are the file, cut at line starts.
      expect(ranges).toHaveLength(threads);
      const bytes = fs.readFileSync(file);
      expect(ranges[0][0]).toBe(0);
      expect(ranges[threads - 1][1]).toBe(size);
      for (let k = 1; k < threads; k++) {
        expect(ranges[k][0]).toBe(ranges[k - 1][1]);
        expect(bytes[ranges[k][0] - 1]).toBe(10);
      }
    }
    // --local-domain reaches every thread: recipients at gmail.test are not relayed, on one thread as on three.
    {
      const relayedBy = (r: { unauthenticated: Array<{ client: string; relayed: number }> }) => r.unauthenticated.find((c) => c.client === '192.168.122.111')?.relayed ?? 0;
      const localDomains = ['gmail.test'];
      const oneLocal = report.buildReport(await dist.scanFiles([file], { threads: 1, localDomains }), 50);
      const manyLocal = report.buildReport(await dist.scanFiles([file], { threads: 3, parallelMinBytes: 1, awaitWorkers: true, localDomains }), 50);
      expect(manyLocal).toEqual(oneLocal);
      expect(relayedBy(oneLocal)).toBeGreaterThan(0);
      expect(relayedBy(oneLocal)).toBeLessThan(relayedBy(one) * 0.9);
    }
    // A small file without waiting: this thread is done before a worker has loaded, and no worker has a range.
    let ranges: Array<[number, number]> = [];
    const alone = report.buildReport(await dist.scanFiles([file], { threads: 3, parallelMinBytes: 1, onRanges: (_f: string, r: Array<[number, number]>) => (ranges = r) }), 50);
    expect(alone).toEqual(one);
    expect(ranges.length).toBeGreaterThanOrEqual(1);
    expect(one.lines).toBeGreaterThanOrEqual(30_000);
    expect(one.senders.find((s: { login: string }) => s.login === 'admin@example.com').recipients).toBeGreaterThan(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
