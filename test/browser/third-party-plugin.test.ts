/// <reference lib="dom" />
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../helpers/browser';
import { BIN, runCli, type ServeProcess, startServe } from '../helpers/cli';
import { fakePostfixCommands } from '../helpers/fake-postfix-commands';
import { tempDir } from '../helpers/plugin-fixture';

/*
 * Issue 16's promise: a third-party plugin is one folder. The plugin in
 * test/fixtures/third-party-plugin/ (plain CommonJS, no build step, nothing
 * installed beside it) is copied to a folder outside the repository, as its
 * author would have it, then dropped into a plugin directory beside the
 * bundled plugins as built. A real `mailwarden serve` and the real CLI must
 * show each thing its manifest declares working, and nothing of it once the
 * folder is gone.
 */

const REPO = path.resolve(__dirname, '..', '..');
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'third-party-plugin');
/** The bundled plugins as built beside the CLI under test (MAILWARDEN_TEST_BIN may point at a private build). */
const BUILT_PLUGINS = path.join(path.dirname(BIN), '..', 'dist', 'plugins');
const ID = 'acme-blocklist';
const MANIFEST = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'manifest.json'), 'utf8'));
const DOVECOT_AUTH = `Basic ${Buffer.from('dovecot:third-party').toString('base64')}`;

/** A day of Postfix log: one authenticated message with two deliveries, a deferral and a bounce. */
const MAIL_LOG = `Nov 29 10:00:00 mx1 postfix/submission/smtpd[600]: 4A1B2C3D5E: client=laptop.example.net[192.0.2.30], sasl_method=PLAIN, sasl_username=alice@example.org
Nov 29 10:00:01 mx1 postfix/cleanup[601]: 4A1B2C3D5E: message-id=<m1@example.org>
Nov 29 10:00:02 mx1 postfix/qmgr[602]: 4A1B2C3D5E: from=<alice@example.org>, size=1200, nrcpt=4 (queue active)
Nov 29 10:00:03 mx1 postfix/smtp[603]: 4A1B2C3D5E: to=<x@remote.example>, relay=mx.remote.example[192.0.2.50]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4Xyz)
Nov 29 10:00:03 mx1 postfix/smtp[603]: 4A1B2C3D5E: to=<w@remote.example>, relay=mx.remote.example[192.0.2.50]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4Xyz)
Nov 29 10:00:03 mx1 postfix/smtp[603]: 4A1B2C3D5E: to=<y@remote.example>, relay=mx.remote.example[192.0.2.50]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=5.1.1, status=bounced (host mx.remote.example[192.0.2.50] said: 550 5.1.1 no such user (in reply to RCPT TO command))
Nov 29 10:00:31 mx1 postfix/smtp[604]: 4A1B2C3D5E: to=<z@other.example>, relay=none, delay=30, delays=0/0/30/0, dsn=4.4.1, status=deferred (connect to mx.other.example[192.0.2.60]:25: Connection timed out)
`;

// Every step runs a real node process (serve, the CLI) or drives Chromium: slow on a loaded machine, not a hang.
jest.setTimeout(120_000);
const inChromium = chromiumAvailable() ? test : test.skip;

describe('a third-party plugin is one folder dropped into the plugin directory', () => {
  let authorDir: string;
  let pluginDir: string;
  let dataDir: string;
  let configFile: string;
  let logFile: string;
  let served: ServeProcess | undefined;
  let token: string;
  const dirs = () => ['--data-dir', dataDir, '--plugin-dir', pluginDir, '--config', configFile];
  const admin = () => `http://127.0.0.1:${served!.ports.admin}`;

  async function serve(): Promise<ServeProcess> {
    served = await startServe([...dirs(), '--listen-postfix', 'off']);
    token = fs.readFileSync(path.join(dataDir, 'admin.token'), 'utf8').trim();
    return served;
  }

  /** What Dovecot asks before checking a password (auth_policy_server_url, command=allow): its `status`. */
  async function dovecotAllow(login: string, remote = '203.0.113.9'): Promise<{ status: number; msg: string }> {
    const r = await fetch(`http://127.0.0.1:${served!.ports.dovecot}/?command=allow`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: DOVECOT_AUTH },
      body: JSON.stringify({ login, remote, protocol: 'imap', tls: 'false' }),
    });
    expect(r.status).toBe(200);
    return (await r.json()) as { status: number; msg: string };
  }

  /** One admin API call; `token: null` sends none. */
  async function request(method: string, url: string, o: { token: string | null; headers?: Record<string, string> }): Promise<{ status: number; body: any }> {
    const r = await fetch(admin() + url, { method, headers: { ...(o.token === null ? {} : { authorization: `Bearer ${o.token}` }), ...o.headers } });
    const text = await r.text();
    return { status: r.status, body: (r.headers.get('content-type') ?? '').startsWith('application/json') ? JSON.parse(text) : text };
  }

  const cli = (args: string[], timeoutMs = 40_000) => runCli([...args, ...dirs()], { timeoutMs });

  beforeAll(async () => {
    // The author's folder: outside the repository, holding only what the author wrote.
    authorDir = path.join(tempDir('acme-author-'), ID);
    fs.cpSync(FIXTURE, authorDir, { recursive: true });
    expect(path.relative(REPO, authorDir).startsWith('..')).toBe(true);
    expect(fs.readdirSync(authorDir).sort()).toEqual(['index.js', 'manifest.json', 'view.js']);

    dataDir = tempDir('mw-3p-data-');
    pluginDir = tempDir('mw-3p-plugins-');
    for (const id of fs.readdirSync(BUILT_PLUGINS)) fs.cpSync(path.join(BUILT_PLUGINS, id), path.join(pluginDir, id), { recursive: true });
    expect(fs.existsSync(path.join(pluginDir, 'password-bruteforce', 'manifest.json'))).toBe(true);
    fs.cpSync(authorDir, path.join(pluginDir, ID), { recursive: true });

    const fake = fakePostfixCommands(path.join(__dirname, '../fixtures/postqueue-j.jsonl'));
    configFile = path.join(dataDir, 'mailwarden.json');
    fs.writeFileSync(configFile, JSON.stringify({
      dovecot: { apiHeader: `Authorization: ${DOVECOT_AUTH}` },
      postfix: { postqueuePath: fake.postqueuePath, postsuperPath: fake.postsuperPath },
      // Bundled plugins that write Postfix files keep to the test's own folder.
      plugins: { 'trusted-ips': { tableFile: path.join(dataDir, 'trusted.cidr'), reloadCommand: ['true'] } },
    }));
    logFile = path.join(dataDir, 'mail.log');
    fs.writeFileSync(logFile, MAIL_LOG);
    await serve();
  }, 60_000);

  afterAll(async () => {
    await served?.stop();
    for (const d of [dataDir, pluginDir, authorDir && path.dirname(authorDir)]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  describe('dropped in', () => {
    test('serve loads it beside the bundled plugins', () => {
      const loaded = served!.logs.find((l) => l.msg === 'plugins loaded');
      expect(loaded?.plugins).toEqual(expect.arrayContaining([ID, 'password-bruteforce', 'trusted-ips']));
    });

    test('its beforeAuth hook refuses a listed login through the Dovecot policy endpoint, and raises its notification kind', async () => {
      expect(await dovecotAllow('blocked@example.org')).toEqual({ status: -1, msg: 'on the ACME blocklist (blocked@)' });
      expect((await dovecotAllow('alice@example.org')).status).toBe(0);
      const alerts = await request('GET', '/api/alerts', { token });
      expect(alerts.status).toBe(200);
      expect(alerts.body).toEqual(expect.arrayContaining([
        expect.objectContaining({ kind: 'acme-refused', source: ID, severity: 'info', subject: 'ACME blocklist refused blocked@example.org' }),
      ]));
    });

    test('its command runs through the real CLI; --help prints the manifest usage', async () => {
      const help = await cli([ID, '--help']);
      expect({ code: help.code, stdout: help.stdout }).toEqual({ code: 0, stdout: MANIFEST.contributes.commands[0].usage + '\n' });
      // `mailwarden help` lists it, with its summary and plugin, from the manifest.
      const index = await runCli([...dirs(), 'help'], { timeoutMs: 40_000 });
      expect(index.code).toBe(0);
      expect(index.stdout).toMatch(new RegExp(`^  ${ID}  ${MANIFEST.contributes.commands[0].summary} \\(${ID}\\)$`, 'm'));

      // The CLI reads the store serve wrote: the login the hook refused.
      const list = await cli([ID, 'list']);
      expect(list).toMatchObject({ code: 0, stdout: 'prefixes: blocked@\nrefused: blocked@example.org\n' });
      const bad = await cli([ID, 'lst']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toBe('mailwarden: acme-blocklist: unknown subcommand "lst" (see mailwarden acme-blocklist --help)\n');

      // Global options may come before or after the command (mailwarden --help says so), `help NAME` included.
      for (const args of [[...dirs(), 'help', ID], ['help', ID, ...dirs()]]) {
        const viaHelp = await runCli(args, { timeoutMs: 40_000 });
        expect({ args, code: viaHelp.code, stdout: viaHelp.stdout }).toEqual({ args, code: 0, stdout: MANIFEST.contributes.commands[0].usage + '\n' });
      }
    });

    test('its admin route answers under /api/plugins/<id> with the admin token, and only with it', async () => {
      const r = await request('GET', `/api/plugins/${ID}/refused`, { token });
      expect(r).toMatchObject({ status: 200, body: { prefixes: ['blocked@'], refused: ['blocked@example.org'] } });
      expect((await request('GET', `/api/plugins/${ID}/refused`, { token: null })).status).toBe(401);
    });

    test('the console lists its view', async () => {
      const r = await request('GET', '/api/console/views', { token, headers: { 'accept-language': 'fr' } });
      expect(r.status).toBe(200);
      expect(r.body).toEqual(expect.arrayContaining([
        { pluginId: ID, id: 'refused', title: 'Liste ACME', titles: MANIFEST.contributes.consoleViews[0].title, script: `/console/plugins/${ID}/view.js` },
      ]));
      const script = await fetch(`${admin()}/console/plugins/${ID}/view.js`, { headers: { authorization: `Bearer ${token}` } });
      expect(script.status).toBe(200);
      expect(await script.text()).toBe(fs.readFileSync(path.join(authorDir, 'view.js'), 'utf8'));
    });

    inChromium('the console mounts its view in Chromium: it shows what the plugin\'s own route answers', async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.context.newPage();
        await signIn(page, admin(), token);
        const link = page.locator(`nav a[href="#/plugin/${ID}/refused"]`);
        expect(await link.textContent()).toBe('ACME blocklist');
        await link.click();
        await page.waitForSelector('[data-testid="acme-prefixes"]');
        expect(await page.textContent('[data-testid="acme-prefixes"]')).toBe('Refused prefixes: blocked@');
        expect(await page.$$eval('[data-testid="acme-refused"] li', (els) => els.map((e) => e.textContent))).toEqual(['blocked@example.org']);
      } finally {
        await browser.close();
      }
    });

    test('mailwarden doctor runs its check', async () => {
      const json = await cli(['doctor', '--no-dovecot', '--json']);
      expect(json.stderr).not.toMatch(/Error|at .*\.js/);
      expect([0, 4]).toContain(json.code);
      const findings = JSON.parse(json.stdout).findings as Array<{ check: string; level: string; message: string }>;
      expect(findings).toEqual(expect.arrayContaining([
        expect.objectContaining({ check: expect.stringContaining('acme-prefixes'), level: 'ok', message: 'ACME blocklist refuses logins starting with blocked@' }),
      ]));
      const text = await cli(['doctor', '--no-dovecot']);
      expect(text.stdout).toMatch(/^ok\s+.*acme-prefixes.*: ACME blocklist refuses logins starting with blocked@$/m);
    });

    test('mailwarden logs scan feeds its section the mail events and prints its table', async () => {
      const json = await cli(['logs', 'scan', logFile, '--json']);
      expect(json.stderr).toBe('');
      expect([0, 4]).toContain(json.code);
      const section = JSON.parse(json.stdout).sections?.['acme-delivery'];
      expect(section).toMatchObject({
        title: MANIFEST.contributes.logReportSections[0].title,
        plugin: ID,
        columns: ['status', 'events'],
        rows: expect.arrayContaining([['sent', 2], ['bounced', 1], ['deferred', 1]]),
        summary: expect.stringMatching(/^[0-9]+ mail event\(s\)$/),
      });
      // The table under the manifest's title (printed in capitals, as the host's own section titles are).
      const text = await cli(['logs', 'scan', logFile]);
      const at = text.stdout.search(/^ACME: mail events by status$/im);
      expect(at).toBeGreaterThanOrEqual(0);
      const block = text.stdout.slice(at, at + 600);
      expect(block).toMatch(/status\s+events/);
      expect(block).toMatch(/sent\s+2/);
      expect(block).toMatch(/deferred\s+1/);
      expect(block).toMatch(/[0-9]+ mail event\(s\)/);
    });
  });

  describe('removed while serve runs: the folder deleted, SIGHUP', () => {
    beforeAll(async () => {
      fs.rmSync(path.join(pluginDir, ID), { recursive: true });
      served!.child.kill('SIGHUP');
      expect(await served!.waitFor((l) => l.msg === 'reload finished')).toMatchObject({ applied: true });
    });

    test('its hook no longer refuses; its route is gone; its view is no longer listed nor served', async () => {
      expect((await dovecotAllow('blocked@example.org')).status).toBe(0);
      expect((await request('GET', `/api/plugins/${ID}/refused`, { token })).status).toBe(404);
      const views = await request('GET', '/api/console/views', { token });
      expect(views.status).toBe(200);
      expect((views.body as Array<{ pluginId: string }>).filter((v) => v.pluginId === ID)).toEqual([]);
      expect((await fetch(`${admin()}/console/plugins/${ID}/view.js`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
    });
  });

  describe('removed: after a restart', () => {
    beforeAll(async () => {
      await served!.stop();
      await serve();
    }, 60_000);

    test('serve no longer loads it; its hook no longer refuses', async () => {
      const loaded = served!.logs.find((l) => l.msg === 'plugins loaded');
      expect(loaded?.plugins).toEqual(expect.arrayContaining(['password-bruteforce']));
      expect(loaded?.plugins).not.toContain(ID);
      expect((await dovecotAllow('blocked@example.org')).status).toBe(0);
    });

    test('its command is unknown: exit 2; help no longer lists it', async () => {
      const index = await runCli([...dirs(), 'help'], { timeoutMs: 40_000 });
      expect(index.code).toBe(0);
      expect(index.stdout).toContain('  trusted-ips  ');
      expect(index.stdout).not.toContain(ID);
      for (const args of [[ID, 'list'], [ID, '--help']]) {
        const r = await cli(args);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(`unknown command "${ID}"`);
      }
    });

    test('its route is gone: 404', async () => {
      expect((await request('GET', `/api/plugins/${ID}/refused`, { token })).status).toBe(404);
    });

    test('its view is no longer listed nor served', async () => {
      const r = await request('GET', '/api/console/views', { token });
      expect(r.status).toBe(200);
      expect((r.body as Array<{ pluginId: string }>).filter((v) => v.pluginId === ID)).toEqual([]);
      expect((await fetch(`${admin()}/console/plugins/${ID}/view.js`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
    });

    inChromium('the console\'s navigation no longer offers its view', async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.context.newPage();
        await signIn(page, admin(), token);
        expect(await page.locator('nav a[data-view="domains"]').count()).toBe(1);
        expect(await page.locator(`nav a[href^="#/plugin/${ID}/"]`).count()).toBe(0);
      } finally {
        await browser.close();
      }
    });

    test('doctor no longer prints its check', async () => {
      const json = await cli(['doctor', '--no-dovecot', '--json']);
      expect([0, 4]).toContain(json.code);
      const findings = JSON.parse(json.stdout).findings as Array<{ check: string }>;
      expect(findings.length).toBeGreaterThan(0);
      expect(findings.filter((f) => f.check.includes('acme'))).toEqual([]);
      expect((await cli(['doctor', '--no-dovecot'])).stdout).not.toContain('acme-prefixes');
    });

    test('logs scan no longer has its section', async () => {
      const json = await cli(['logs', 'scan', logFile, '--json']);
      expect([0, 4]).toContain(json.code);
      const report = JSON.parse(json.stdout);
      expect(report.sections?.['acme-delivery']).toBeUndefined();
      const text = await cli(['logs', 'scan', logFile]);
      expect([0, 4]).toContain(text.code);
      expect(text.stdout).not.toContain('ACME');
    });
  });
});

/** Signs in with the admin token, as an admin does, and waits for the dashboard. */
async function signIn(page: Page, base: string, token: string): Promise<void> {
  await page.goto(base + '/');
  await page.fill('#token', token);
  await page.click('#sign-in');
  await page.waitForSelector('body[data-ready="dashboard"]');
}
