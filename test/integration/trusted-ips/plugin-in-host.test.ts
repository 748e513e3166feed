import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../../../shared';
import type { App } from '../../../host/core/app';
import type { ManualClock } from '../../../host/core/services/clock';
import { tempDir } from '../../helpers/plugin-fixture';
import { testApp } from '../../helpers/test-app';
import { DIST_PLUGINS, relayRequest, runPluginCommand } from '../../helpers/trusted-ips';

/** The config file's section for trusted-ips (its host-level settings). */
function hostLevel(section: Record<string, unknown>) {
  return { plugins: { 'trusted-ips': section } };
}

describe('trusted-ips plugin (loaded from dist)', () => {
  let app: App;
  let clock: ManualClock;
  let dir: string;
  const cli = (...argv: string[]) => runPluginCommand(app, 'trusted-ips', argv);
  const rcpt = (client: string, o: Record<string, unknown> = {}) => app.pipeline.checkRelay(relayRequest({ clientAddress: client, ...o }, clock.now()));
  const eom = (client: string, o: Record<string, unknown> = {}) => rcpt(client, { protocolState: 'END-OF-MESSAGE', recipient: '', queueId: 'Q1', ...o });

  beforeEach(async () => {
    dir = tempDir('mw-tips-');
    // Tests never touch /etc/postfix: the table goes to a temp dir and "reload" is `true` (host-level: the config file's section).
    const t = await testApp({ pluginDir: DIST_PLUGINS, config: hostLevel({ tableFile: path.join(dir, 'trusted.cidr'), reloadCommand: ['true'] }) });
    app = t.app;
    clock = t.clock;
    expect(await app.loadPlugins()).toEqual([]);
    await app.settings.addDomain('example.com', 'test');
    const pl = app.registry.active.find((p) => p.manifest.id === 'trusted-ips')!;
    await app.settings.setConfig('*', pl, { cacheSeconds: 0 }, 'test');
  });
  afterEach(async () => {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('has no opinion about anyone while the list is empty', async () => {
    expect(await rcpt('127.0.0.5')).toBeUndefined();
  });

  it('permits a trusted client at RCPT and stays silent for others', async () => {
    expect((await cli('add', '127.0.0.5', '--label', 'app server')).code).toBe(0);
    expect(await rcpt('127.0.0.5')).toMatchObject({ action: 'allow', plugin: 'trusted-ips', reason: 'trusted relay 127.0.0.5/32 (app server)' });
    expect(await rcpt('127.0.0.9')).toBeUndefined();
    expect(await rcpt('127.0.0.5', { saslUsername: 'alice@example.com' })).toBeUndefined();
    expect(await rcpt('127.0.0.5', { policyContext: 'limits' })).toBeUndefined();
    expect(await rcpt('127.0.0.5', { policyContext: 'relay' })).toMatchObject({ action: 'allow' });
  });

  it('honours exclusions inside a trusted network', async () => {
    await cli('add', '10.0.0.0/24');
    expect((await cli('add', '!10.0.0.5', '--label', 'the compromised one')).code).toBe(0);
    expect(await rcpt('10.0.0.4')).toMatchObject({ action: 'allow' });
    expect(await rcpt('10.0.0.5')).toBeUndefined();
    expect(await rcpt('10.0.0.6')).toMatchObject({ action: 'allow' });
  });

  it('scopes an entry to its domain (the sender\'s)', async () => {
    await cli('add', '192.0.2.0/28', '--domain', 'example.com');
    expect(await rcpt('192.0.2.3', { domain: 'example.com' })).toMatchObject({ action: 'allow' });
    expect(await rcpt('192.0.2.3', { domain: 'other.test' })).toBeUndefined();
  });

  it('lets an entry send only for its allowed sender domains', async () => {
    await cli('add', '192.0.2.10', '--sender-domains', 'example.com,shop.example');
    expect(await rcpt('192.0.2.10', { sender: 'news@Example.COM' })).toMatchObject({ action: 'allow' });
    expect(await rcpt('192.0.2.10', { sender: 'ceo@bank.test' })).toBeUndefined();
    expect(await rcpt('192.0.2.10', { sender: '' })).toBeUndefined();
    // Past the relay check (through mynetworks alone) a foreign sender domain is held.
    expect(await eom('192.0.2.10', { sender: 'ceo@bank.test' })).toMatchObject({ action: 'hold', reason: expect.stringContaining('sender domain not allowed') });
  });

  it('stops trusting an entry when it expires', async () => {
    await cli('add', '192.0.2.20', '--expires', '2h');
    expect(await rcpt('192.0.2.20')).toMatchObject({ action: 'allow' });
    clock.advance(2 * 3_600_000);
    expect(await rcpt('192.0.2.20')).toBeUndefined();
    expect((await cli('list', '--json')).out).not.toContain('192.0.2.20');
  });

  it('holds messages over the hourly cap and alerts once per window', async () => {
    await cli('add', '127.0.0.5', '--max-per-hour', '3');
    for (let i = 0; i < 3; i++) expect(await eom('127.0.0.5')).toBeUndefined();
    const v = await eom('127.0.0.5', { queueId: 'OVER1' });
    expect(v).toMatchObject({ action: 'hold', reason: 'trusted relay 127.0.0.5/32 is over its cap of 3 messages per hour' });
    expect(await eom('127.0.0.5')).toMatchObject({ action: 'hold' });
    await new Promise((r) => setImmediate(r));
    const alerts = await app.notifier.recent();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: 'critical', source: 'trusted-ips', data: expect.objectContaining({ network: '127.0.0.5/32', queueId: 'OVER1', cap: 3, countThisHour: 4 }) });
    // The RCPT relay decision is unaffected: the message is accepted, then held.
    expect(await rcpt('127.0.0.5')).toMatchObject({ action: 'allow' });
    // An hour later the window has moved on.
    clock.advance(3_600_000);
    expect(await eom('127.0.0.5')).toBeUndefined();
  });

  it('counts only in the limit context', async () => {
    await cli('add', '127.0.0.5', '--max-per-hour', '1');
    expect(await eom('127.0.0.5', { policyContext: 'relay' })).toBeUndefined();
    expect(await eom('127.0.0.5', { policyContext: 'relay' })).toBeUndefined();
    expect(await eom('127.0.0.5', { policyContext: 'limits' })).toBeUndefined();
    expect(await eom('127.0.0.5', { policyContext: 'limits' })).toMatchObject({ action: 'hold' });
  });

  describe('CLI', () => {
    it('refuses bad input with a clear message and changes nothing', async () => {
      await expect(cli('add', '10.0.0.1/24')).rejects.toThrow(new UsageError('trusted-ips add: "10.0.0.1/24": 10.0.0.1/24 has host bits set; the network is 10.0.0.0/24 (write 10.0.0.0/24 if that is what you mean)'));
      await expect(cli('add', '300.1.1.1')).rejects.toThrow(/is not an IPv4 or IPv6 address/);
      await expect(cli('add', '10.0.0.0/40')).rejects.toThrow(/out of range/);
      await expect(cli('add')).rejects.toThrow(/NETWORK is required/);
      await expect(cli('add', '10.0.0.1', '--max-per-hour', 'lots')).rejects.toThrow(/--max-per-hour/);
      await expect(cli('frobnicate')).rejects.toThrow(/unknown subcommand "frobnicate"/);
      await expect(cli('add', '10.0.0.1', '--bogus')).rejects.toThrow(/Unknown option '--bogus'/);
      expect(JSON.parse((await cli('list', '--json')).out)).toEqual([]);
      expect(JSON.parse((await cli('audit', '--json')).out)).toEqual([]);
    });

    it('refuses duplicates and contradictions', async () => {
      await cli('add', '10.0.0.0/24');
      await expect(cli('add', '10.0.0.0/24')).rejects.toThrow(/10.0.0.0\/24 is already trusted for all domains \(added by cli:tester at /);
      await expect(cli('add', '!10.0.0.0/24')).rejects.toThrow(/remove that entry first/);
      expect((await cli('add', '10.0.0.0/24', '--domain', 'example.com')).code).toBe(0);
    });

    it('guards against broad entries unless forced with a reason, which is audited', async () => {
      const r = await cli('add', '0.0.0.0/0');
      expect(r.code).toBe(3);
      expect(r.err).toContain('every IPv4 address on the Internet, an open relay');
      expect((await cli('add', '10.0.0.0/8', '--force')).code).toBe(3);
      expect(JSON.parse((await cli('list', '--json')).out)).toEqual([]);
      const ok = await cli('add', '10.0.0.0/8', '--force', '--reason', 'old flat office network, INC-7');
      expect(ok.code).toBe(0);
      const audit = JSON.parse((await cli('audit', '--json')).out);
      expect(audit[0]).toMatchObject({ actor: 'cli:tester', action: 'trusted-ips.add', reason: 'old flat office network, INC-7', after: expect.objectContaining({ network: '10.0.0.0/8', forceReason: 'old flat office network, INC-7' }) });
    });

    it('audits every change with who, when, before and after', async () => {
      await cli('add', '192.0.2.7', '--label', 'crm');
      clock.advance(60_000);
      await cli('remove', '192.0.2.7', '--reason', 'decommissioned');
      const audit = JSON.parse((await cli('audit', '--json')).out);
      expect(audit.map((a: { action: string }) => a.action)).toEqual(['trusted-ips.remove', 'trusted-ips.add']);
      expect(audit[0]).toMatchObject({ actor: 'cli:tester', at: new Date(clock.now()).toISOString(), reason: 'decommissioned', before: expect.objectContaining({ network: '192.0.2.7/32', label: 'crm' }), after: null });
      expect(audit[1]).toMatchObject({ before: null, after: expect.objectContaining({ label: 'crm', addedBy: 'cli:tester' }) });
      const text = (await cli('audit')).out;
      expect(text).toContain('WHEN');
      expect(text).toContain('decommissioned');
      await expect(cli('remove', '192.0.2.7')).rejects.toThrow(/192.0.2.7\/32 is not an entry for all domains/);
    });

    it('says where an entry lives when removed from the wrong scope', async () => {
      await cli('add', '192.0.2.8', '--domain', 'example.com');
      await expect(cli('remove', '192.0.2.8')).rejects.toThrow(/it is one for --domain example.com/);
      expect((await cli('remove', '192.0.2.8', '--domain', 'example.com')).code).toBe(0);
    });

    it('lists entries as a table or JSON, filtered by domain', async () => {
      await cli('add', '192.0.2.1', '--label', 'global gw');
      await cli('add', '198.51.100.0/24', '--domain', 'example.com', '--max-per-hour', '500', '--sender-domains', 'example.com');
      const t = (await cli('list')).out;
      expect(t.split('\n')[0]).toMatch(/^NETWORK\s+DOMAIN\s+LABEL/);
      expect(t).toContain('198.51.100.0/24');
      const only = JSON.parse((await cli('list', '--domain', 'example.com', '--json')).out);
      expect(only.map((e: { network: string }) => e.network)).toEqual(['192.0.2.1/32', '198.51.100.0/24']);
      expect(only[1]).toMatchObject({ scope: 'example.com', maxMessagesPerHour: 500, allowedSenderDomains: ['example.com'] });
    });

    it('renders the cidr table with loopback and exclusions carved out, and writes it atomically on change', async () => {
      await cli('add', '10.0.0.0/29', '--label', 'apps');
      await cli('add', '!10.0.0.5');
      await cli('add', '203.0.113.9', '--domain', 'example.com');
      const r = await cli('render');
      expect(r.out).toMatch(/^127\.0\.0\.1\/32\s+permit$/m);
      expect(r.out).toMatch(/^::1\/128\s+permit$/m);
      const nets = r.out.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/\s+/)[0]);
      expect(nets).toEqual(['127.0.0.1/32', '::1/128', '10.0.0.0/30', '10.0.0.4/32', '10.0.0.6/31']);
      expect(r.out).toContain('# 10.0.0.0/29: "apps", all domains, by cli:tester; except 10.0.0.5/32');
      expect((await cli('render', '--domain', 'example.com')).out).toContain('203.0.113.9/32');
      const file = fs.readFileSync(path.join(dir, 'trusted.cidr'), 'utf8');
      expect(file).toBe(r.out);
      expect(fs.readdirSync(dir)).toEqual(['trusted.cidr']);
    });

    it('reports a failing reload command but keeps the saved change', async () => {
      const failing = await testApp({ pluginDir: DIST_PLUGINS, config: hostLevel({ tableFile: path.join(dir, 'trusted.cidr'), reloadCommand: ['false'] }) });
      try {
        expect(await failing.app.loadPlugins()).toEqual([]);
        const r = await runPluginCommand(failing.app, 'trusted-ips', ['add', '192.0.2.44']);
        expect(r.code).toBe(1);
        expect(r.err).toContain('the list is saved, but applying it to Postfix failed: false failed');
        expect(JSON.parse((await runPluginCommand(failing.app, 'trusted-ips', ['list', '--json'])).out)).toHaveLength(1);
      } finally {
        await failing.app.close();
      }
    });
  });
});

describe('trusted-ips table keeper (serve)', () => {
  it('takes an expired entry out of the table on disk and reloads', async () => {
    const dir = tempDir('mw-tips-keep-');
    const marker = path.join(dir, 'reloaded');
    const { app, clock } = await testApp({ pluginDir: DIST_PLUGINS, config: hostLevel({ tableFile: path.join(dir, 't.cidr'), reloadCommand: ['touch', marker] }) });
    try {
      expect(await app.loadPlugins()).toEqual([]);
      const pl = app.registry.active.find((p) => p.manifest.id === 'trusted-ips')!;
      await runPluginCommand(app, 'trusted-ips', ['add', '192.0.2.99', '--expires', '1h']);
      expect(fs.readFileSync(path.join(dir, 't.cidr'), 'utf8')).toContain('192.0.2.99/32');
      fs.rmSync(marker);
      const keeper = pl.services[0] as unknown as { check(ctx: unknown): Promise<boolean> };
      const ctx = app.serviceContext(pl);
      expect(await keeper.check(ctx)).toBe(false);
      clock.advance(3_600_000);
      expect(await keeper.check(ctx)).toBe(true);
      expect(fs.readFileSync(path.join(dir, 't.cidr'), 'utf8')).not.toContain('192.0.2.99');
      expect(fs.existsSync(marker)).toBe(true);
      expect(await keeper.check(ctx)).toBe(false);
    } finally {
      await app.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
