/*
 * trusted-ips, the policy gateway and the open-relay checks against the real
 * Postfix. Three private instances:
 *   A  relay decided by mailwarden (policy_context=relay before
 *      reject_unauth_destination), hourly cap at END-OF-MESSAGE (policy_context=limits);
 *   B  mynetworks = the trusted-ips cidr: table, applied with `postfix reload`;
 *   C  an open relay (mynetworks = 0.0.0.0/0), for the probe and doctor.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MailEvent } from '../../shared';
import { App } from '../../host/core/app';
import { main } from '../../host/adapters/cli/main';
import { loadHostConfig } from '../../host/core/config/host-config';
import { PostfixPolicyGateway } from '../../host/adapters/gateways/postfix/policy-gateway';
import { SystemClock } from '../../host/core/services/clock';
import { createLogger } from '../../host/core/services/logger';
import { openStore } from '../../host/core/state/open-store';
import { describePostfix, PostfixInstance, unreachableNextHop } from '../harness/postfix';
import { captureIo } from '../helpers/cli-io';
import { tempDir } from '../helpers/plugin-fixture';
import { LogCapture } from '../helpers/test-app';
import { DIST_PLUGINS } from '../helpers/trusted-ips';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await main(args, { ...io, env: { USER: 'itest', MAILWARDEN_LOG_LEVEL: 'error' } });
  return { code, ...io.text };
}

/** Retries `send` until `ok` (Postfix picks up a reload and our cache expires within seconds). */
async function eventually<T>(send: () => Promise<T>, ok: (r: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await send();
    if (ok(r) || Date.now() > end) return r;
    await new Promise((res) => setTimeout(res, 250));
  }
}

describePostfix('trusted relays through the real Postfix', () => {
  let dir: string;
  let configFile: string;
  let app: App;
  let gateway: PostfixPolicyGateway;
  let policyPort: number;
  let a: PostfixInstance;
  let b: PostfixInstance;
  let c: PostfixInstance;
  let tableFile: string;
  const mail: MailEvent[] = [];
  const logs = new LogCapture();
  let flags: string[];

  beforeAll(async () => {
    dir = tempDir('mw-relay-it-');
    fs.chmodSync(dir, 0o755);
    tableFile = path.join(dir, 'trusted.cidr');
    const config = loadHostConfig({ dataDir: path.join(dir, 'data'), pluginDir: DIST_PLUGINS, env: {} });
    fs.mkdirSync(config.dataDir, { recursive: true });
    app = await App.open({ config, clock: new SystemClock(), store: openStore(config.state, config.dataDir), logger: createLogger('info', logs) });
    expect(await app.loadPlugins()).toEqual([]);
    const origOnMail = app.pipeline.onMail.bind(app.pipeline);
    app.pipeline.onMail = async (e) => {
      mail.push(e);
      return origOnMail(e);
    };
    gateway = new PostfixPolicyGateway(app, { host: '127.0.0.1', port: 0 });
    policyPort = (await gateway.start()).port;
    const policy = (ctx: string) => `check_policy_service { inet:127.0.0.1:${policyPort}, policy_context=${ctx} }`;
    // Relayed mail is for a server off the loopback (never reached): what relay audit counts as relaying.
    const remote = unreachableNextHop(['example.net']);
    a = await PostfixInstance.start({
      prefix: 'mw-pf-a-',
      mainCf: {
        mynetworks: '127.0.0.1/32',
        smtpd_relay_restrictions: `permit_mynetworks, permit_sasl_authenticated, ${policy('relay')}, reject_unauth_destination`,
        smtpd_end_of_data_restrictions: policy('limits'),
        ...remote.mainCf,
      },
      masterCf: remote.masterCf,
    });
    fs.writeFileSync(tableFile, '127.0.0.1/32 permit\n');
    b = await PostfixInstance.start({ prefix: 'mw-pf-b-', mainCf: { mynetworks: `cidr:${tableFile}`, smtpd_relay_restrictions: 'permit_mynetworks, reject_unauth_destination' } });
    c = await PostfixInstance.start({ prefix: 'mw-pf-c-', mainCf: { mynetworks: '0.0.0.0/0', smtpd_relay_restrictions: 'permit_mynetworks, reject_unauth_destination' } });
    configFile = path.join(dir, 'mailwarden.json');
    // The table file and reload command are host-level: the config file's trusted-ips section.
    fs.writeFileSync(configFile, JSON.stringify({ listen: { postfix: `127.0.0.1:${policyPort}` }, plugins: { 'trusted-ips': { tableFile, reloadCommand: ['postfix', '-c', b.dir, 'reload'] } } }));
    flags = ['--config', configFile, '--data-dir', config.dataDir, '--plugin-dir', DIST_PLUGINS];
    const set = await cli(['config', 'set', 'trusted-ips', 'cacheSeconds=1', ...flags]);
    expect(set).toMatchObject({ code: 0 });
  }, 120_000);

  afterAll(async () => {
    for (const pf of [a, b, c]) await pf?.stop();
    await gateway?.stop();
    await app?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  const send = (pf: PostfixInstance, from: string, extra: { sender?: string } = {}) =>
    pf.sendMail({ localAddress: from, from: extra.sender ?? 'app@example.com', to: ['someone@example.net'] });

  it('refuses relaying from an untrusted client (127.0.0.9) with "Relay access denied"', async () => {
    const r = await send(a, '127.0.0.9');
    expect(r.accepted).toBe(false);
    expect(r.last.code).toBe(554);
    expect(r.last.text).toContain('Relay access denied');
  });

  it('accepts relaying from 127.0.0.5 once it is trusted, and reports the message', async () => {
    const add = await cli(['trusted-ips', 'add', '127.0.0.5', '--label', 'crm server', '--max-per-hour', '2', '--sender-domains', 'example.com', ...flags]);
    expect(add).toMatchObject({ code: 0 });
    expect(add.out).toContain('trusted 127.0.0.5/32 for all domains');
    const r = await eventually(() => send(a, '127.0.0.5'), (x) => x.accepted);
    expect(r.accepted).toBe(true);
    const q = await a.waitForQueue((msgs) => msgs.some((m) => m.queue_id === r.queueId));
    expect(q.find((m) => m.queue_id === r.queueId)!.queue_name).not.toBe('hold');
    const ev = mail.find((m) => m.queueId === r.queueId);
    expect(ev).toMatchObject({ kind: 'accepted', clientAddress: '127.0.0.5', sender: 'app@example.com', recipients: ['someone@example.net'], domain: 'example.com' });
    // A sender domain it may not use gets no permit: Postfix refuses the relay itself.
    const foreign = await send(a, '127.0.0.5', { sender: 'ceo@bank.test' });
    expect(foreign.accepted).toBe(false);
    expect(foreign.last.text).toContain('Relay access denied');
  });

  it('holds the message over the hourly cap (kept in the hold queue) and alerts', async () => {
    // The cap is 2 per hour; the first message was sent above.
    const second = await send(a, '127.0.0.5');
    expect(second.accepted).toBe(true);
    const third = await send(a, '127.0.0.5');
    expect(third.accepted).toBe(true);
    const q = await a.waitForQueue((msgs) => msgs.some((m) => m.queue_id === third.queueId && m.queue_name === 'hold'));
    expect(q.find((m) => m.queue_id === second.queueId)!.queue_name).not.toBe('hold');
    expect(await a.waitForLog(`${third.queueId}: hold: END-OF-MESSAGE`)).toContain('over its cap of 2 messages per hour');
    const alerts = await app.notifier.recent();
    expect(alerts.some((x) => x.source === 'trusted-ips' && x.severity === 'critical' && (x.data as { queueId?: string }).queueId === third.queueId)).toBe(true);
  });

  it('refuses 127.0.0.5 again within seconds after trusted-ips remove, without restarting Postfix', async () => {
    const pid = fs.readFileSync(path.join(a.dir, 'queue', 'pid', 'master.pid'), 'utf8').trim();
    const rm = await cli(['trusted-ips', 'remove', '127.0.0.5', '--reason', 'compromised', ...flags]);
    expect(rm).toMatchObject({ code: 0 });
    const t0 = Date.now();
    const r = await eventually(() => send(a, '127.0.0.5'), (x) => !x.accepted);
    expect(r.accepted).toBe(false);
    expect(r.last.text).toContain('Relay access denied');
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(fs.readFileSync(path.join(a.dir, 'queue', 'pid', 'master.pid'), 'utf8').trim()).toBe(pid);
    const au = await cli(['trusted-ips', 'audit', '--json', ...flags]);
    expect(au.err).toBe('');
    const audit = JSON.parse(au.out);
    expect(audit[0]).toMatchObject({ action: 'trusted-ips.remove', actor: 'cli:itest', reason: 'compromised' });
  });

  it('applies the cidr: table to mynetworks with a reload: trusted, then refused after remove', async () => {
    expect((await send(b, '127.0.0.6')).accepted).toBe(false);
    const add = await cli(['trusted-ips', 'add', '127.0.0.6', ...flags]);
    expect(add).toMatchObject({ code: 0 });
    expect(add.out).toContain(`wrote ${tableFile}; ran postfix -c ${b.dir} reload`);
    expect(fs.readFileSync(tableFile, 'utf8')).toMatch(/^127\.0\.0\.6\/32\s+permit$/m);
    expect((await eventually(() => send(b, '127.0.0.6'), (x) => x.accepted)).accepted).toBe(true);
    // An exclusion carved out of a trusted network is refused too.
    await cli(['trusted-ips', 'add', '127.0.1.0/30', ...flags]);
    await cli(['trusted-ips', 'add', '!127.0.1.2', ...flags]);
    expect((await eventually(() => send(b, '127.0.1.1'), (x) => x.accepted)).accepted).toBe(true);
    expect((await send(b, '127.0.1.2')).last.text).toContain('Relay access denied');
    expect((await cli(['trusted-ips', 'remove', '127.0.0.6', ...flags])).code).toBe(0);
    const r = await eventually(() => send(b, '127.0.0.6'), (x) => !x.accepted);
    expect(r.last.text).toContain('Relay access denied');
  });

  it('relay probe says CLOSED for the guarded instance and OPEN for the open relay', async () => {
    const closed = await cli(['relay', 'probe', `127.0.0.1:${a.port}`, '--source', '127.0.0.9']);
    expect(closed.code).toBe(0);
    expect(closed.out).toMatch(/^CLOSED: .*Relay access denied/);
    const open = await cli(['relay', 'probe', `127.0.0.1:${c.port}`, '--source', '127.0.0.9', '--json']);
    expect(open.code).toBe(4);
    const j = JSON.parse(open.out);
    expect(j.verdict).toBe('OPEN');
    expect(j.reply.code).toBe(250);
    // The probe never sends a message.
    expect(c.queue()).toEqual([]);
  });

  it('doctor passes the wired instance and finds the open relay', async () => {
    const good = await cli(['doctor', '--postconf-dir', a.dir, '--no-dovecot', ...flags]);
    expect(good.err).toBe('');
    // Instance A lets mailwarden decide the relay (policy before reject_unauth_destination): a
    // supported setup, but not the generated wiring (\`mailwarden wiring postfix\`), so doctor warns.
    expect(good.out).toContain('WARNING  policy: smtpd_relay_restrictions asks mailwarden before reject_unauth_destination');
    expect(good.code).toBe(0);
    const bad = await cli(['doctor', '--postconf-dir', c.dir, '--no-dovecot', '--json', ...flags]);
    expect(bad.code).toBe(4);
    const j = JSON.parse(bad.out);
    expect(j.findings).toEqual(expect.arrayContaining([
      expect.objectContaining({ check: 'mynetworks', level: 'problem', message: expect.stringContaining('0.0.0.0/0 (the whole Internet)') }),
      expect.objectContaining({ check: 'policy', level: 'problem' }),
    ]));
  });

  it('relay audit lists who relayed without authentication from the instance log, flagging the removed entry', async () => {
    await a.waitForLog((l) => l.includes('postfix/smtp[') && l.includes('to=<someone@example.net>'), 30_000);
    const r = await cli(['relay', 'audit', a.maillog, '--json', ...flags]);
    expect(r.err).toBe('');
    const j = JSON.parse(r.out);
    const five = j.clients.find((x: { client: string }) => x.client === '127.0.0.5');
    expect(five).toBeDefined();
    expect(five.trusted).toBe(false);
    expect(five.flags.join(' ')).toMatch(/no longer trusted \(127\.0\.0\.5\/32 removed by cli:itest/);
    expect(r.code).toBe(4);
  });
});
