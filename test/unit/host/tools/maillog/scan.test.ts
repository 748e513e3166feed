import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { readStream } from '../../../../../host/tools/maillog/byte-source';
import { LogStats } from '../../../../../host/tools/maillog/log-stats';
import { scanFiles } from '../../../../../host/tools/maillog/scan';
import { buildReport } from '../../../../../host/tools/maillog/scan-report';
import { tempDir } from '../../../../helpers/plugin-fixture';

const fixture = path.join(__dirname, '../../../../fixtures/maillog/shapes.log');
const NOW = Date.UTC(2026, 11, 1);
const text = fs.readFileSync(fixture, 'latin1');

async function scanText(t: string, chunk = 1 << 20): Promise<LogStats> {
  const s = new LogStats({ now: NOW });
  const chunks: Buffer[] = [];
  const b = Buffer.from(t, 'latin1');
  for (let i = 0; i < b.length; i += chunk) chunks.push(b.subarray(i, i + chunk));
  await readStream(Readable.from(chunks), s);
  return s;
}

describe('logs scan statistics', () => {
  test('every question of the report, from lines of every shape', async () => {
    const r = buildReport(await scanText(text), 20);
    expect(r.lines).toBe(text.trimEnd().split('\n').length);
    expect(r.unparsed).toBe(1);
    expect(r.postfixLines).toBe(r.lines - 2);
    expect(r.dovecotLines).toBe(1);
    expect(r.senders).toEqual([{
      login: 'admin', messages: 2, recipients: 4, clients: 2, clientAddresses: ['46.48.93.60', '2001:db8::7'],
      firstSeen: 'Jun  1 08:34:31', lastSeen: '2021-03-13T12:04:09.755361+01:00',
    }]);
    expect(r.authFailures).toEqual({ total: 2, serverFaults: 0, byClient: [{ client: '203.0.113.9', failures: 2, logins: ['admin'] }], byLogin: [{ login: 'admin', failures: 1 }] });
    expect(r.unauthenticated).toEqual([{ client: '192.168.122.111', names: ['gateway'], messages: 1, relayed: 1, sent: 1, deferred: 0, bounced: 0 }]);
    expect(r.relayDenied).toEqual([{ client: '198.51.100.77', rejects: 1 }]);
    expect(r.localSubmissions).toEqual([{ submitter: '33 <www-data>', messages: 2 }]);
    expect(r.suspects).toEqual([]);
  });

  test('the same result whatever the chunk size (lines cut anywhere)', async () => {
    const whole = buildReport(await scanText(text), 20);
    for (const size of [1, 3, 17, 100]) expect(buildReport(await scanText(text, size), 20)).toEqual(whole);
  });

  test('suspects, each with its reason', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 25; i++) lines.push(`Jun  1 08:00:${String(i).padStart(2, '0')} mx postfix/smtpd[1]: warning: unknown[46.48.93.60]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=admin`);
    lines.push('Jun  1 08:01:00 mx postfix/smtpd[2]: 1A2B3C4D5E: client=unknown[46.48.93.60], sasl_method=LOGIN, sasl_username=admin');
    for (let i = 0; i < 7; i++) lines.push(`Jun  1 08:02:0${i} mx postfix/smtpd[3]: ABCDE${i}: client=unknown[198.51.100.${i}], sasl_method=LOGIN, sasl_username=bob@example.com`);
    for (let i = 0; i < 20; i++) lines.push(`Jun  1 08:03:00 mx postfix/smtpd[4]: NOQUEUE: reject: RCPT from unknown[192.0.2.66]: 554 5.7.1 <v${i}@x.test>: Relay access denied; from=<a@b> to=<v${i}@x.test> proto=ESMTP helo=<h>`);
    const r = buildReport(await scanText(lines.join('\n') + '\n'), 20);
    const by = Object.fromEntries(r.suspects.map((s) => [s.subject, s.reasons]));
    expect(by['46.48.93.60']).toEqual(['25 failed SASL logins (admin): password guessing']);
    expect(by.admin).toEqual(['logged in from 46.48.93.60, which also failed 25 logins: a guessed password']);
    expect(by['bob@example.com']).toEqual(['sent from 7 different client addresses']);
    expect(by['192.0.2.66']).toEqual(['20 "Relay access denied" rejects: probing for an open relay']);
    expect(r.suspects[0].kind).toBe('login');
  });

  test('10k-character lines, binary junk and a 1 MB line without newline are counted as unparsed, nothing else', async () => {
    const junk = Buffer.alloc(5000);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919) % 256 === 10 ? 0 : (i * 7919) % 256;
    const t = [
      'Jun  1 08:34:31 mx1 postfix/smtpd[1]: 4F2A01C3B: client=unknown[1.2.3.4], sasl_method=LOGIN, sasl_username=' + 'a'.repeat(10_000),
      'Jun  1 08:34:31 mx1 postfix/smtpd[1]: warning: unknown[' + '['.repeat(10_000),
      junk.toString('latin1'),
      'x'.repeat(1 << 20),
      'Jun  1 08:34:31 mx1 postfix/smtpd[1]: 4F2A01C3C: client=unknown[1.2.3.5], sasl_method=LOGIN, sasl_username=carol',
    ].join('\n');
    const s = await scanText(t, 4096);
    expect(s.lines).toBe(5);
    expect(s.unparsed).toBe(2);
    expect([...s.senders.keys()]).toEqual(['a'.repeat(10_000), 'carol']);
    expect(s.authFailures).toBe(0);
  });

  test('tables are bounded: a flood of distinct clients is counted, not itemised without end', async () => {
    const s = new LogStats({ limits: { maxKeys: 100, maxMembers: 5, maxOpen: 50 } });
    for (let i = 0; i < 1000; i++) {
      const line = `Jun  1 08:00:00 mx postfix/smtpd[1]: warning: unknown[10.0.${i >> 8}.${i & 255}]: SASL LOGIN authentication failed: x, sasl_username=u${i}`;
      s.line(line, 0, line.length);
    }
    expect(s.authFailures).toBe(1000);
    expect(s.authByClient.size).toBe(100);
    expect(s.authByLogin.size).toBe(100);
    expect(s.dropped).toBe(1800);
  });

  test('plain, gzip and stdin inputs in order; a missing file is a clear error', async () => {
    const dir = tempDir('mw-logscan-');
    const lines = text.split('\n');
    const half = lines.length >> 1;
    fs.writeFileSync(path.join(dir, 'mail.log.1.gz'), gzipSync(Buffer.from(lines.slice(0, half).join('\n') + '\n', 'latin1')));
    fs.writeFileSync(path.join(dir, 'mail.log'), lines.slice(half).join('\n'));
    const s = await scanFiles([path.join(dir, 'mail.log.1.gz'), path.join(dir, 'mail.log')], { threads: 1, now: NOW });
    expect(buildReport(s, 20)).toEqual(buildReport(await scanText(text), 20));
    const fromStdin = await scanFiles(['-'], { now: NOW }, () => Readable.from([Buffer.from(text, 'latin1')]));
    expect(buildReport(fromStdin, 20)).toEqual(buildReport(await scanText(text), 20));
    await expect(scanFiles([path.join(dir, 'nope.log')])).rejects.toThrow('nope.log: no such file');
    await expect(scanFiles([dir])).rejects.toThrow('not a regular file');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('--since/--until count only the lines inside the window; the rest are reported as outside', async () => {
    const s = await scanFiles([fixture], { now: NOW, since: Date.UTC(2026, 10, 28, 20, 43, 4), until: Date.UTC(2026, 10, 28, 20, 43, 6) }, () => Readable.from([]));
    const r = buildReport(s, 20);
    // 20:43:04 to 20:43:05: two deliveries and two pickups.
    expect(r.traffic).toMatchObject({ received: 2, delivered: 2 });
    expect(r.localSubmissions).toEqual([{ submitter: '33 <www-data>', messages: 2 }]);
    expect(r.outsideWindow).toBe(r.lines - r.unparsed - 4);
  });

  test('a window without a zone is in the log\'s own clock (the time lines write, offsets aside); with a zone it is a moment', async () => {
    // rsyslog's high-precision format (Debian 12's default) on a host at UTC+2, and a zone-less line of the same clock.
    const fail = (stamp: string, ip: string) => `${stamp} mx postfix/smtpd[1]: warning: unknown[${ip}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6`;
    const log = [fail('2026-08-05T07:59:59.900000+02:00', '192.0.2.1'), fail('2026-08-05T08:00:00.100000+02:00', '192.0.2.2'), fail('Aug  5 08:30:00', '192.0.2.3'), fail('2026-08-05T09:00:00+02:00', '192.0.2.4'), ''].join('\n');
    const clients = async (o: { since?: number; until?: number; windowZoned?: boolean }) => {
      const st = await scanFiles(['-'], { now: NOW, ...o }, () => Readable.from([Buffer.from(log, 'latin1')]));
      return buildReport(st, 20).authFailures.byClient.map((c) => c.client).sort();
    };
    // --since 2026-08-05T08:00 --until 2026-08-05T09:00: 08:00 as the lines write it.
    expect(await clients({ since: Date.UTC(2026, 7, 5, 8), until: Date.UTC(2026, 7, 5, 9) })).toEqual(['192.0.2.2', '192.0.2.3']);
    // --since 2026-08-05T06:00Z: 08:00 at UTC+2 is 06:00Z (the zone-less line is read as UTC: 08:30Z).
    expect(await clients({ since: Date.UTC(2026, 7, 5, 6), until: Date.UTC(2026, 7, 5, 7), windowZoned: true })).toEqual(['192.0.2.2']);
    expect(await clients({ since: Date.UTC(2026, 7, 5, 6), windowZoned: true })).toEqual(['192.0.2.2', '192.0.2.3', '192.0.2.4']);
  });

  test('hours are the log\'s own (as pflogsumm counts): lines with an offset and without fall in the hour they write', async () => {
    const log = [
      '2026-08-05T08:10:00.000000+02:00 mx postfix/smtpd[1]: 4AB1C2D3E4: client=a.example[192.0.2.9]',
      'Aug  5 08:20:00 mx postfix/smtpd[1]: 4AB1C2D3E5: client=b.example[192.0.2.10]',
      '2026-08-05T09:05:00-04:00 mx postfix/smtpd[1]: 4AB1C2D3E6: client=c.example[192.0.2.11]',
      '',
    ].join('\n');
    const r = buildReport(await scanText(log), 20);
    expect(r.traffic.perHour.map((h) => [h.hour, h.received])).toEqual([['2026-08-05T08:00', 2], ['2026-08-05T09:00', 1]]);
  });

  test('progress moves on gzip input (compressed bytes) up to the file size', async () => {
    const dir = tempDir('mw-logscan-gz-');
    const gz = path.join(dir, 'big.log.gz');
    // Random message IDs keep it from compressing to less than one read.
    const lines = Array.from({ length: 20_000 }, (_, i) => `Jun  1 08:34:31 mx1 postfix/cleanup[1]: 4F2A${(i + 0x10000).toString(16).toUpperCase()}: message-id=<${randomBytes(24).toString('hex')}@x>`);
    fs.writeFileSync(gz, gzipSync(Buffer.from(lines.join('\n'), 'latin1'), { level: 1 }));
    const seen: number[] = [];
    await scanFiles([gz], { onProgress: (p) => seen.push(p.bytes), now: NOW });
    const size = fs.statSync(gz).size;
    const inside = seen.filter((b) => b > 0 && b < size);
    expect(inside.length).toBeGreaterThan(0);
    expect(seen[seen.length - 1]).toBe(size);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
