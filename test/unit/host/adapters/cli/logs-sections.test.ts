import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../../../../host/adapters/cli/main';
import { buildFixturePlugin, manifestFor, tempDir } from '../../../../helpers/plugin-fixture';

async function cli(argv: string[], input?: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  stdin.end(input ?? '');
  const code = await main(argv, { stdout, stderr, stdin, env: { USER: 'tester' } });
  return { code, out, err };
}

const LOG = [
  'Nov 29 20:05:01 mx1 postfix/qmgr[123]: 4ABCDEF0123: from=<Alice@Example.com>, size=345, nrcpt=2 (queue active)',
  'Nov 29 20:05:02 mx1 postfix/smtp[124]: 4ABCDEF0123: to=<bob@example.net>, relay=mx.example.net[198.51.100.9]:25, delay=0.1, delays=0.01/0/0.05/0, dsn=5.7.1, status=bounced (host mx.example.net[198.51.100.9] said: 554 5.7.1 blocked using zen.spamhaus.org (in reply to RCPT TO command))',
  'Nov 29 20:05:03 mx1 postfix/smtp[124]: 4ABCDEF0123: to=<carol@example.org>, relay=mx.example.org[192.0.2.25]:25, delay=1, delays=1/0/0/0, dsn=4.7.0, status=deferred (host mx.example.org[192.0.2.25] said: 421 4.7.0 try later)',
  'Nov 30 09:00:00 mx1 postfix/smtp[1]: 5BCDEF01234: to=<dave@example.com>, relay=mx[192.0.2.1]:25, delay=1, delays=1/0/0/0, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 99)',
  'Nov 30 09:00:01 mx1 dovecot: imap-login: Login: user=<x@example.com>, method=PLAIN, rip=192.0.2.7',
].join('\n') + '\n';

describe('mailwarden logs scan: the plugins\' report sections', () => {
  let flags: string[];
  let logFile: string;
  beforeAll(() => {
    const pluginDir = tempDir('mw-plugins-');
    buildFixturePlugin(pluginDir, {
      manifest: manifestFor('counter', { contributes: { logReportSections: [{ id: 'deliveries', title: 'Deliveries by status' }, { id: 'fragile', title: 'Breaks' }, { id: 'refused', title: 'Refused', statuses: ['deferred', 'bounced'] }] } }),
      source: `
import { ContainerModule } from 'inversify';
import { LogReportContribution } from '@mailwarden/shared';
export default new ContainerModule(({ bind }) => {
  bind(LogReportContribution).toConstantValue({ id: 'deliveries', createSection() {
    const rows = [];
    return { add(e) { rows.push([e.kind, e.sender, e.recipients.join(','), e.relay ?? '-', e.dsn ?? '-', e.domain]); }, result() { return { columns: ['STATUS', 'SENDER', 'TO', 'RELAY', 'DSN', 'DOMAIN'], rows, summary: rows.length + ' deliveries' }; } };
  } });
  bind(LogReportContribution).toConstantValue({ id: 'refused', createSection() {
    const rows = [];
    return { add(e) { rows.push([e.kind, e.recipients.join(',')]); }, result() { return { columns: ['STATUS', 'TO'], rows }; } };
  } });
  bind(LogReportContribution).toConstantValue({ id: 'fragile', createSection() {
    return { add() { throw new Error('cannot count'); }, result() { return { columns: ['X'], rows: [] }; } };
  } });
});
`,
    });
    buildFixturePlugin(pluginDir, { manifest: manifestFor('bystander', { bootPolicy: 'abort' }), source: `throw new Error('loaded by a command that does not need it');` });
    const dir = tempDir('mw-logs-');
    logFile = path.join(dir, 'mail.log');
    fs.writeFileSync(logFile, LOG);
    flags = ['--data-dir', tempDir('mw-data-'), '--plugin-dir', pluginDir];
  });

  it('feeds each section the delivery events, prints it after the host\'s sections, and reports a failing one on stderr', async () => {
    const r = await cli(['logs', 'scan', logFile, ...flags]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('mailwarden: logs scan: section "fragile" of plugin counter failed: cannot count\n');
    const at = r.out.indexOf('\nDELIVERIES BY STATUS\n');
    expect(at).toBeGreaterThan(r.out.indexOf('TOP RECIPIENT DOMAINS'));
    const section = r.out.slice(at);
    expect(section.split('\n').slice(1, 4)).toEqual(['DELIVERIES BY STATUS', '3 deliveries', expect.stringMatching(/^STATUS\s+SENDER\s+TO\s+RELAY\s+DSN\s+DOMAIN$/)]);
    expect(section).toMatch(/bounced\s+alice@example\.com\s+bob@example\.net\s+mx\.example\.net\[198\.51\.100\.9\]:25\s+5\.7\.1\s+example\.com/);
    expect(section).toMatch(/sent\s+dave@example\.com\s+mx\[192\.0\.2\.1\]:25\s+2\.0\.0\s+localhost/);
    expect(r.out).not.toContain('BREAKS');
  });

  it('puts each under sections.<id> in --json, with every row; --since/--until apply to them too', async () => {
    const r = await cli(['logs', 'scan', logFile, '--json', '--until', '2026-11-30', ...flags]);
    const j = JSON.parse(r.out);
    expect(j.sections).toEqual({
      deliveries: {
        title: 'Deliveries by status', plugin: 'counter', columns: ['STATUS', 'SENDER', 'TO', 'RELAY', 'DSN', 'DOMAIN'], summary: '2 deliveries',
        rows: [
          ['bounced', 'alice@example.com', 'bob@example.net', 'mx.example.net[198.51.100.9]:25', '5.7.1', 'example.com'],
          ['deferred', 'alice@example.com', 'carol@example.org', 'mx.example.org[192.0.2.25]:25', '4.7.0', 'example.com'],
        ],
      },
      refused: { title: 'Refused', plugin: 'counter', columns: ['STATUS', 'TO'], rows: [['bounced', 'bob@example.net'], ['deferred', 'carol@example.org']] },
    });
    expect(j.lines).toBe(5);
  });

  it('reads stdin once, for the scan and the sections alike', async () => {
    const r = await cli(['logs', 'scan', '-', '--json', ...flags], LOG);
    const j = JSON.parse(r.out);
    expect(j.lines).toBe(5);
    expect(j.sections.deliveries.rows).toHaveLength(3);
    // A section that declares the statuses it reads gets those only (the sent one is not even decoded for it).
    expect(j.sections.refused.rows).toEqual([['bounced', 'bob@example.net'], ['deferred', 'carol@example.org']]);
  });

  it('a section that reads no sender (readsSender: false) gets events without one, unless another section reads them', async () => {
    const source = (id: string) => `
import { ContainerModule } from 'inversify';
import { LogReportContribution } from '@mailwarden/shared';
export default new ContainerModule(({ bind }) => {
  bind(LogReportContribution).toConstantValue({ id: '${id}', createSection() {
    const rows = [];
    return { add(e) { rows.push([e.kind, e.sender, e.domain]); }, result() { return { columns: ['STATUS', 'SENDER', 'DOMAIN'], rows }; } };
  } });
});
`;
    const alone = tempDir('mw-plugins-');
    buildFixturePlugin(alone, { manifest: manifestFor('blind', { contributes: { logReportSections: [{ id: 'blind', title: 'Blind', statuses: ['bounced'], readsSender: false }] } }), source: source('blind') });
    const r = await cli(['logs', 'scan', logFile, '--json', '--data-dir', tempDir('mw-data-'), '--plugin-dir', alone]);
    expect(JSON.parse(r.out).sections.blind.rows).toEqual([['bounced', '', 'localhost']]);
    // Beside a section that reads senders, they are remembered all the same, and it gets them too.
    const both = tempDir('mw-plugins-');
    buildFixturePlugin(both, { manifest: manifestFor('blind', { contributes: { logReportSections: [{ id: 'blind', title: 'Blind', statuses: ['bounced'], readsSender: false }] } }), source: source('blind') });
    buildFixturePlugin(both, { manifest: manifestFor('sighted', { contributes: { logReportSections: [{ id: 'sighted', title: 'Sighted', statuses: ['bounced'] }] } }), source: source('sighted') });
    const j = JSON.parse((await cli(['logs', 'scan', logFile, '--json', '--data-dir', tempDir('mw-data-'), '--plugin-dir', both])).out);
    expect(j.sections.sighted.rows).toEqual([['bounced', 'alice@example.com', 'example.com']]);
    expect(j.sections.blind.rows).toEqual([['bounced', 'alice@example.com', 'example.com']]);
  });

  it('without a plugin that has a section, the report is the host\'s alone', async () => {
    const r = await cli(['logs', 'scan', logFile, '--json', '--data-dir', tempDir('mw-data-'), '--plugin-dir', tempDir('mw-plugins-')]);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out).sections).toBeUndefined();
  });
});
