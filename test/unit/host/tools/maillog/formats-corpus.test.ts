import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { PassThrough } from 'node:stream';
import { main } from '../../../../../host/adapters/cli/main';
import type { LoggedAuthFailure } from '../../../../../host/tools/maillog/auth-failures';
import { FailureLines } from '../../../../../host/tools/maillog/failure-lines';
import { LogTail } from '../../../../../host/tools/maillog/follow';
import { relayClients } from '../../../../../host/tools/maillog/relay-report';
import { scanFiles } from '../../../../../host/tools/maillog/scan';
import { buildReport } from '../../../../../host/tools/maillog/scan-report';
import { tempDir } from '../../../../helpers/plugin-fixture';

/*
 * The format corpus (test/fixtures/maillog/formats.log, see formats.md): every
 * format the module must read, with the counts worked out by hand. `logs scan`,
 * `relay audit` and the followers read it through the same module and must
 * agree with those counts and with each other.
 */

const FIXTURES = path.join(__dirname, '../../../../fixtures/maillog');
const LOG = path.join(FIXTURES, 'formats.log');
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'formats.expected.json'), 'utf8'));
const NOW = Date.UTC(2026, 11, 1);

function sum(failures: readonly LoggedAuthFailure[], key: (f: LoggedAuthFailure) => string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of failures) {
    const k = key(f);
    if (k !== undefined) out[k] = (out[k] ?? 0) + f.attempts;
  }
  return out;
}

describe('the format corpus', () => {
  test('logs scan counts what the corpus says, per client and per login', async () => {
    const stats = await scanFiles([LOG], { now: NOW, keepUnparsed: 10 });
    const r = buildReport(stats, 100);
    expect(r.lines).toBe(expected.lines);
    expect(r.unparsed).toBe(expected.unparsed);
    expect(r.unparsedSamples).toHaveLength(expected.unparsed);
    expect(r.authFailures.total).toBe(expected.authFailures);
    expect(r.authFailures.serverFaults).toBe(expected.serverFaults);
    expect(Object.fromEntries(r.authFailures.byClient.map((c) => [c.client, c.failures]))).toEqual(expected.failuresByClient);
    expect(Object.fromEntries(r.authFailures.byLogin.map((c) => [c.login, c.failures]))).toEqual(expected.failuresByLogin);
    expect(Object.fromEntries(r.senders.map((s) => [s.login, { messages: s.messages, recipients: s.recipients, clientAddresses: s.clientAddresses }]))).toEqual(expected.senders);
    const relayed = r.unauthenticated.filter((c) => c.relayed > 0);
    expect(Object.fromEntries(relayed.map((c) => [c.client, { names: c.names, recipients: c.relayed, sent: c.sent, deferred: c.deferred, bounced: c.bounced }]))).toEqual(
      Object.fromEntries(Object.entries(expected.relayed).map(([k, v]) => { const { messages: _m, ...rest } = v as Record<string, unknown>; return [k, rest]; })),
    );
    expect(Object.fromEntries(r.unauthenticated.map((c) => [c.client, c.messages]))).toEqual(expected.unauthenticatedMessages);
    expect(Object.fromEntries(r.relayDenied.map((c) => [c.client, c.rejects]))).toEqual(expected.relayDenied);
    expect(Object.fromEntries(r.localSubmissions.map((c) => [c.submitter, c.messages]))).toEqual(expected.local);
    expect(r.traffic).toMatchObject(expected.traffic);
  });

  test('logs scan, relay audit and the follower give the same counts (plain, gzip and stdin alike)', async () => {
    const dir = tempDir('mw-corpus-');
    const gz = path.join(dir, 'formats.log.1.gz');
    fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(LOG)));
    // logs scan
    const scanned = buildReport(await scanFiles([LOG], { now: NOW }), 100);
    const fromGzip = buildReport(await scanFiles([gz], { now: NOW }), 100);
    const stdin = new PassThrough();
    stdin.end(fs.readFileSync(LOG));
    const fromStdin = buildReport(await scanFiles(['-'], { now: NOW }, () => stdin), 100);
    expect(fromGzip).toEqual(scanned);
    expect(fromStdin).toEqual(scanned);
    // the follower, reading the file as it is appended to
    const log = path.join(dir, 'mail.log');
    fs.writeFileSync(log, '');
    const followed: LoggedAuthFailure[] = [];
    const lines = new FailureLines((f) => followed.push(f));
    const tail = new LogTail(log, (s, a, b) => lines.line(s, a, b));
    tail.poll();
    const text = fs.readFileSync(LOG, 'latin1');
    for (let at = 0; at < text.length; at += 997) {
      fs.appendFileSync(log, text.slice(at, at + 997), 'latin1');
      tail.poll();
    }
    tail.close();
    expect(sum(followed, (f) => f.remoteIp)).toEqual(Object.fromEntries(scanned.authFailures.byClient.map((c) => [c.client, c.failures])));
    expect(sum(followed, (f) => f.login)).toEqual(Object.fromEntries(scanned.authFailures.byLogin.map((c) => [c.login, c.failures])));
    // relay audit
    const audit = relayClients(await scanFiles([LOG], { now: NOW }), { isTrusted: () => true });
    expect(audit.map((c) => ({ client: c.client, recipients: c.recipients, sent: c.sent, deferred: c.deferred, bounced: c.bounced }))).toEqual(
      scanned.unauthenticated.filter((c) => c.relayed > 0).map((c) => ({ client: c.client, recipients: c.relayed, sent: c.sent, deferred: c.deferred, bounced: c.bounced })),
    );
    expect(audit[0]).toMatchObject({ client: '192.168.122.111', messages: expected.relayed['192.168.122.111'].messages, hours: [
      { hour: '2026-08-05T13:00', messages: 1, recipients: 3 },
      // 14:00: one recipient the smtp agent deferred, one it soft-bounced, and two qmgr and retry deferred without trying (its destination held as dead).
      { hour: '2026-08-05T14:00', messages: 2, recipients: 4 },
      // 18:00: through the content filter (amavis): the hand-off to it is not relaying, the re-injected message's delivery is the gateway's.
      { hour: '2026-08-05T18:00', messages: 1, recipients: 1 },
    ] });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the relay that is already blocklisted trips --max-relayed though little of its mail was sent', async () => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c) => (out += c));
    const code = await main(['logs', 'scan', LOG, '--json', '--max-relayed', '4'], { stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: {} });
    expect(code).toBe(4);
    expect(JSON.parse(out).suspects).toContainEqual({ kind: 'client', subject: '192.168.122.111', reasons: ['8 recipients relayed without authentication (1 sent, 4 deferred, 3 bounced): trusted network?'] });
  });

  test('the relay audit command reports the relay with the counts of logs scan', async () => {
    const dataDir = tempDir('mw-corpus-audit-');
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c) => (out += c));
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (c) => (err += c));
    const table = path.join(dataDir, 'trusted.cidr');
    fs.writeFileSync(table, '# no trusted relay\n');
    const code = await main(['relay', 'audit', LOG, '--json', '--data-dir', dataDir, '--plugin-dir', dataDir, '--table', table], { stdout, stderr, stdin: new PassThrough(), env: {} });
    expect(err).toBe('');
    expect(code).toBe(4);
    const j = JSON.parse(out);
    expect(j.linesRead).toBe(expected.lines);
    expect(j.clients).toEqual([expect.objectContaining({ client: '192.168.122.111', names: ['gateway'], ...expected.relayed['192.168.122.111'], trusted: false })]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('--local-domain: recipients in domains this server takes mail in for are inbound, not relayed; logs scan and relay audit agree', async () => {
    const run = async (args: string[]) => {
      const stdout = new PassThrough();
      let out = '';
      stdout.on('data', (c) => (out += c));
      const code = await main(args, { stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: {} });
      return { code, json: JSON.parse(out) };
    };
    const dataDir = tempDir('mw-corpus-local-');
    const table = path.join(dataDir, 'trusted.cidr');
    fs.writeFileSync(table, '# no trusted relay\n');
    const audit = (...more: string[]) => run(['relay', 'audit', LOG, '--json', '--data-dir', dataDir, '--plugin-dir', dataDir, '--table', table, ...more]);
    const scan = (...more: string[]) => run(['logs', 'scan', LOG, '--json', ...more]);
    // other.example had one recipient bounced and one soft-bounced (deferred): the relay keeps the rest.
    const counts = { messages: 4, sent: 1, deferred: 3, bounced: 2 };
    const scanned = await scan('--local-domain', 'Other.Example');
    expect(scanned.json.unauthenticated.filter((c: { relayed: number }) => c.relayed)).toEqual([{ client: '192.168.122.111', names: ['gateway'], relayed: 6, ...counts }]);
    const audited = await audit('--local-domain', 'other.example');
    expect(audited.code).toBe(4);
    expect(audited.json.clients).toEqual([expect.objectContaining({ client: '192.168.122.111', recipients: 6, ...counts })]);
    // Both of the relay's recipient domains ours (a list, or the flag twice): nothing relayed, nothing flagged.
    expect((await scan('--local-domain', 'remote.example,other.example')).json.unauthenticated.filter((c: { relayed: number }) => c.relayed)).toEqual([]);
    const none = await audit('--local-domain', 'remote.example', '--local-domain', 'other.example');
    expect(none.code).toBe(0);
    expect(none.json.clients).toEqual([]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
