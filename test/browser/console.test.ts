/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { App } from '../../host/core/app';
import { loadHostConfig } from '../../host/core/config/host-config';
import { createLogger } from '../../host/core/services/logger';
import { demoPlugin } from '../helpers/admin-client';
import { chromiumAvailable, launchChromium, screenshotPath } from '../helpers/browser';
import { pluginDirWith } from '../helpers/built-plugins';
import { fakePostfixCommands } from '../helpers/fake-postfix-commands';
import { buildFixturePlugin, tempDir } from '../helpers/plugin-fixture';
import { cli, type Served, serve } from '../helpers/serve-process';
import { jsonLines } from '../helpers/json-lines';

/** What Dovecot's auth_policy_server_api_header sends; the listener refuses requests without it. */
const DOVECOT_AUTH = `Basic ${Buffer.from('dovecot:console-test').toString('base64')}`;

const XSS = '<img src=x onerror=alert(1)>@example.com';
// Each step drives Chromium and runs the real CLI (a node process per call): slow on a loaded machine, not a hang.
jest.setTimeout(120_000);
const run = chromiumAvailable() ? describe : describe.skip;

run('admin console in Chromium', () => {
  let dataDir: string;
  let pluginDir: string;
  let served: Served;
  let base: string;
  let token: string;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  const dialogs: string[] = [];
  const dirs = () => ['--data-dir', dataDir, '--plugin-dir', pluginDir];
  let fake: ReturnType<typeof fakePostfixCommands>;
  let configFile: string;

  /** Writes into the same SQLite store the server uses, as another mailwarden process would. */
  async function withStore(fn: (app: App) => Promise<void>): Promise<void> {
    const app = await App.open({ config: loadHostConfig({ dataDir, pluginDir, env: {} }), logger: createLogger('silent') });
    try {
      await fn(app);
    } finally {
      await app.close();
    }
  }

  beforeAll(async () => {
    dataDir = tempDir('mw-console-data-');
    pluginDir = pluginDirWith(['password-bruteforce', 'password-sizestrength', 'trusted-ips']);
    buildFixturePlugin(pluginDir, demoPlugin());
    expect((await cli(['domains', 'add', 'example.org', ...dirs()])).code).toBe(0);
    // A Postfix queue the console can read and act on: postqueue/postsuper stand-ins and a queue directory.
    fake = fakePostfixCommands(path.join(__dirname, '../fixtures/postqueue-j.jsonl'));
    const queueDirectory = path.join(dataDir, 'queue');
    for (const [q, n] of [['deferred', 4], ['hold', 1]] as const) {
      fs.mkdirSync(path.join(queueDirectory, q, 'A'), { recursive: true });
      for (let i = 0; i < n; i++) fs.writeFileSync(path.join(queueDirectory, q, 'A', `F${i}`), 'x'.repeat(100));
    }
    configFile = path.join(dataDir, 'mailwarden.json');
    fs.writeFileSync(configFile, JSON.stringify({
      postfix: { postqueuePath: fake.postqueuePath, postsuperPath: fake.postsuperPath, configDir: '/etc/postfix-test', queueDirectory },
      // trusted-ips writes its cidr table here and "reloads Postfix" with true(1): host-level settings, so the config file's.
      plugins: { 'trusted-ips': { tableFile: path.join(dataDir, 'trusted.cidr'), reloadCommand: ['true'] } },
      // The Dovecot listener refuses a request without the header Dovecot is configured to send.
      dovecot: { apiHeader: `Authorization: ${DOVECOT_AUTH}` },
    }));
    served = await serve(['--config', configFile, ...dirs(), '--listen-admin', '127.0.0.1:0', '--listen-dovecot', '127.0.0.1:0', '--listen-postfix', 'off'], ['admin', 'dovecot']);
    base = `http://127.0.0.1:${served.ports.admin}`;
    token = fs.readFileSync(path.join(dataDir, 'admin.token'), 'utf8').trim();
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    for (const d of [dataDir, pluginDir, fake?.dir]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  /** What Dovecot sends after a failed password (auth_policy_server_url, command=report). */
  async function dovecotReport(login: string, remote: string, pwhash: string): Promise<void> {
    const body = JSON.stringify({ login, pwhash, remote, protocol: 'imap', tls: 'false', success: false, policy_reject: false });
    const r = await fetch(`http://127.0.0.1:${served.ports.dovecot}/?command=report`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: DOVECOT_AUTH }, body });
    expect(r.status).toBe(200);
  }

  async function dovecotAllow(login: string, remote: string): Promise<number> {
    const r = await fetch(`http://127.0.0.1:${served.ports.dovecot}/?command=allow`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: DOVECOT_AUTH }, body: JSON.stringify({ login, remote, protocol: 'imap', tls: 'false' }) });
    return ((await r.json()) as { status: number }).status;
  }

  async function ready(view: string): Promise<void> {
    await page.waitForSelector(`body[data-ready="${view}"]`);
  }

  test('sign in with the admin token; a wrong token is refused', async () => {
    await page.goto(base + '/');
    await page.fill('#token', 'not-the-token');
    await page.click('#sign-in');
    await page.waitForSelector('#sign-in-error:not([hidden])');
    expect(await page.textContent('#sign-in-error')).toBe('Wrong admin token.');
    await page.fill('#token', token);
    await page.click('#sign-in');
    await ready('dashboard');
    const cookies = await browser.context.cookies(base);
    const session = cookies.find((c) => c.name === 'mw_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    // The cookie is not readable from scripts.
    expect(await page.evaluate(() => document.cookie)).toBe('');
  });

  test('the dashboard shows blocks, locks and alerts (screenshot)', async () => {
    // Three distinct wrong passwords through the Dovecot gateway: password-bruteforce blocks the pair.
    for (const pw of ['a01', 'b02', 'c03']) await dovecotReport('Bob@Example.org', '203.0.113.7', pw);
    for (const pw of ['a01', 'b02', 'c03']) await dovecotReport(XSS, '198.51.100.9', pw);
    expect(await dovecotAllow('bob@example.org', '203.0.113.7')).toBe(-1);
    await withStore(async (app) => {
      await app.accounts.lock('mallory@example.org', { reason: 'sent 600 recipients in 1 h', by: 'sender-ratelimit', minutes: 60 });
      await app.notifier.notify({ subject: 'Queue at 240 messages', text: 'deferred: 230\nactive: 10\ntop sender: mallory@example.org (180)', severity: 'critical', source: 'queue-monitor' });
    });
    await page.goto(base + '/#/dashboard');
    await page.reload();
    await ready('dashboard');
    expect(await page.textContent('[data-testid="card-blocks"] .card-value')).toBe('2');
    expect(await page.textContent('[data-testid="card-locks"] .card-value')).toBe('1');
    expect(await page.textContent('[data-testid="alerts"]')).toContain('Queue at 240 messages');
    expect(await page.textContent('[data-testid="alerts"]')).toContain(XSS);
    // Suspects come from what the plugins reported: the brute-forced logins, as text.
    const over = await page.$$eval('[data-testid="over-limits"] tbody tr td:first-child', (els) => els.map((e) => e.textContent));
    expect(over).toEqual(expect.arrayContaining(['bob@example.org', XSS]));
    await page.screenshot({ path: screenshotPath('console-dashboard.png'), fullPage: true });
  });

  test('enable a plugin for a domain; an invalid value shows its message and saves nothing; a valid one is saved (seen through the CLI)', async () => {
    await page.click('nav a[data-view="domains"]');
    await ready('domains');
    await page.click('a[data-domain="example.org"]');
    await page.waitForSelector('#plugin-demo-guard');
    expect(await page.isChecked('#enable-demo-guard')).toBe(false);
    await page.click('label[for="enable-demo-guard"]');
    await page.waitForSelector('#plugin-demo-guard.on');
    const list = jsonLines((await cli(['plugins', 'list', '--domain', 'example.org', '--json', ...dirs()])).stdout);
    expect(list.find((p: { id: string }) => p.id === 'demo-guard')).toMatchObject({ enabled: true, enabledFrom: 'domain' });

    await page.fill('#cfg-demo-guard-maxFailures', '0');
    await page.fill('#cfg-demo-guard-label', 'this label is far longer than twenty characters');
    await page.click('#cfg-demo-guard-save');
    await page.waitForSelector('#cfg-demo-guard-maxFailures-error:not([hidden])');
    expect(await page.textContent('#cfg-demo-guard-maxFailures-error')).toBe('must be >= 1');
    expect(await page.textContent('#cfg-demo-guard-label-error')).toBe('must NOT have more than 20 characters');
    expect(await page.isHidden('#cfg-demo-guard-blockMinutes-error')).toBe(true);
    await page.screenshot({ path: screenshotPath('console-plugin-form-invalid.png'), fullPage: true });
    const unchanged = JSON.parse((await cli(['config', 'get', 'demo-guard', '--domain', 'example.org', '--json', ...dirs()])).stdout);
    expect(unchanged.config.maxFailures).toBe(3);
    expect(unchanged.overrides).toEqual({});

    await page.fill('#cfg-demo-guard-maxFailures', '5');
    await page.fill('#cfg-demo-guard-label', 'office');
    await page.selectOption('#cfg-demo-guard-mode', '"tarpit"');
    await page.fill('#cfg-demo-guard-trustedNetworks', '127.0.0.0/8\n192.0.2.0/24');
    await page.click('#cfg-demo-guard-save');
    await page.waitForSelector('.toast.ok');
    await page.waitForSelector('#plugin-demo-guard .set-here');
    const saved = JSON.parse((await cli(['config', 'get', 'demo-guard', '--domain', 'example.org', '--json', ...dirs()])).stdout);
    expect(saved.overrides).toEqual({ maxFailures: 5, label: 'office', mode: 'tarpit', trustedNetworks: ['127.0.0.0/8', '192.0.2.0/24'] });
    expect(await page.inputValue('#cfg-demo-guard-maxFailures')).toBe('5');
    await page.screenshot({ path: screenshotPath('console-plugin-form.png'), fullPage: true });
  });

  test('trusted IPs: the breadth guard\'s message next to the field, add, then remove (seen through the CLI)', async () => {
    // The page is the plugin's own (plugins/trusted-ips/console), found through its manifest.
    await page.click('nav a[data-view="plugin/trusted-ips/networks"]');
    await ready('plugin/trusted-ips/networks');
    await page.fill('#ti-network', '10.0.0.0/8');
    await page.click('#ti-add');
    await page.waitForSelector('#ti-network-error:not([hidden])');
    expect(await page.textContent('#ti-network-error')).toMatch(/\/16/);
    await page.fill('#ti-network', '192.0.2.0/24');
    await page.fill('#ti-label', 'office relay');
    await page.fill('#ti-maxPerHour', '300');
    await page.click('#ti-add');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="trusted-network"]')].some((e) => e.textContent === '192.0.2.0/24'));
    const listed = JSON.parse((await cli(['trusted-ips', 'list', '--json', ...dirs()])).stdout);
    expect(listed).toEqual([expect.objectContaining({ network: '192.0.2.0/24', label: 'office relay', maxMessagesPerHour: 300, addedBy: 'console:admin' })]);
    expect(fs.readFileSync(path.join(dataDir, 'trusted.cidr'), 'utf8')).toContain('192.0.2.0/24');
    expect(await page.textContent('[data-testid="audit"]')).toContain('trusted-ips.add');
    await page.screenshot({ path: screenshotPath('console-trusted-ips.png'), fullPage: true });
    await page.click('button[data-action="remove-trusted"][data-network="192.0.2.0/24"]');
    await page.click('[data-testid="confirm-ok"]');
    await page.waitForSelector('[data-testid="trusted"].empty, p[data-testid="trusted"]');
    expect(JSON.parse((await cli(['trusted-ips', 'list', '--json', ...dirs()])).stdout)).toEqual([]);
  });

  test('clear a block; lock the XSS login and see it as text', async () => {
    await page.click('nav a[data-view="blocks"]');
    await ready('blocks');
    const blocksText = await page.textContent('[data-testid="blocks"]');
    expect(blocksText).toContain('bob@example.org');
    expect(blocksText).toContain(XSS);
    await page.locator('[data-testid="blocks"] tr', { hasText: 'bob@example.org' }).locator('button[data-action="unblock"]').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="blocks"]')?.textContent?.includes('bob@example.org'));
    const left = jsonLines<{ login: string }>((await cli(['blocks', 'list', '--json', ...dirs()])).stdout);
    expect(left.map((b) => b.login)).toEqual([XSS]);
    expect(await dovecotAllow('bob@example.org', '203.0.113.7')).toBe(0);
    await withStore(async (app) => {
      const audit = await app.store.listAudit({ subjectPrefix: 'blocks:' });
      expect(audit[0]).toMatchObject({ action: 'blocks.clear', actor: 'console:admin' });
      expect(audit[0].subject).toMatch(/^blocks:key .*bob@example\.org/);
    });

    await page.fill('#acct-login', XSS);
    await page.fill('#acct-reason', 'test <b>bold</b>');
    await page.click('form.grid-form button[type="submit"]');
    await page.waitForFunction((x) => [...document.querySelectorAll('[data-testid="locked-login"]')].some((e) => e.textContent === x), XSS);
    expect(await page.$$eval('[data-testid="locked-login"]', (els) => els.map((e) => e.textContent))).toContain(XSS);
    expect(await page.$('img[src="x"]')).toBeNull();
    expect(await page.$('b')).toBeNull();
    await page.click('nav a[data-view="alerts"]');
    await ready('alerts');
    expect(await page.textContent('[data-testid="alerts"]')).toContain(XSS);
    expect(await page.textContent('[data-testid="audit"]')).toContain(`account:${XSS}`);
    expect(await page.$('img[src="x"]')).toBeNull();
    expect(dialogs).toEqual([]);
  });

  test('queue: by sender, with a confirmation that states the count before deleting', async () => {
    await page.click('nav a[data-view="queue"]');
    await ready('queue');
    expect(await page.textContent('[data-testid="queue-deferred"] .card-value')).toBe('4');
    const row = page.locator('[data-testid="senders"] tr', { hasText: 'xlogin@domain.net' });
    expect(await row.locator('td').nth(1).textContent()).toBe('1');
    await page.screenshot({ path: screenshotPath('console-queue.png'), fullPage: true });
    await page.click('button[data-action="purge"][data-sender="login@domain.net"]');
    await page.waitForSelector('dialog[data-testid="confirm"]');
    expect(await page.textContent('dialog[data-testid="confirm"] p')).toBe('Delete 3 message(s) from login@domain.net for good? Nothing can bring them back.');
    // Cancel first: nothing happens.
    await page.click('dialog[data-testid="confirm"] button.plain');
    expect(fake.postsuperCalls()).toEqual([]);
    await page.click('button[data-action="purge"][data-sender="login@domain.net"]');
    await page.click('[data-testid="confirm-ok"]');
    await page.waitForFunction(() => document.querySelector('.toast.ok')?.textContent?.startsWith('Delete:'));
    expect(await page.textContent('.toast')).toBe('Delete: Postfix confirmed 3 message(s).');
    expect(fake.postsuperCalls()).toEqual([{ argv: ['-c', '/etc/postfix-test', '-d', '-'], ids: ['8CB7220C381', '2F2F520C35C', '3Pt2mN2VXxznjll'] }]);
  });

  test('password policy tester: each failed rule, then a pass', async () => {
    await page.click('nav a[data-view="password"]');
    await ready('password');
    await page.selectOption('#pw-domain', 'example.org');
    await page.fill('#pw-login', 'alice');
    await page.fill('#pw-password', 'alice');
    await page.click('#pw-check');
    await page.waitForSelector('[data-testid="pw-violations"]');
    const rules = await page.$$eval('[data-testid="pw-violations"] li', (els) => els.map((e) => e.getAttribute('data-rule')));
    // The default policy (NIST SP 800-63B-4): length and the blocklist, no composition rules.
    expect(rules).toEqual(expect.arrayContaining(['minLength', 'loginParts']));
    expect(rules).not.toContain('minUpper');
    await page.screenshot({ path: screenshotPath('console-password.png'), fullPage: true });
    await page.fill('#pw-password', 'correct horse battery staple 9!');
    await page.click('#pw-check');
    await page.waitForSelector('[data-testid="pw-ok"]');
  });

  test('German from the browser language, as in the CLI; the password tester answers in German', async () => {
    const de = await browser.context.newPage();
    await de.addInitScript(() => {
      Object.defineProperty(navigator, 'languages', { get: () => ['de-DE', 'de'] });
      localStorage.removeItem('mailwarden.lang');
    });
    await de.goto(base + '/#/dashboard');
    await de.waitForSelector('body[data-ready="dashboard"]');
    expect(await de.textContent('nav a[data-view="dashboard"]')).toBe('Übersicht');
    expect(await de.getAttribute('html', 'lang')).toBe('de');
    expect(await de.$$eval('#lang option', (os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['en', 'fr', 'de']);
    await de.click('nav a[data-view="password"]');
    await de.waitForSelector('body[data-ready="password"]');
    expect(await de.textContent('#pw-check')).toBe('Prüfen');
    await de.close();
  });

  test('French from the browser language, with a switch back to English', async () => {
    const fr = await browser.context.newPage();
    await fr.addInitScript(() => {
      Object.defineProperty(navigator, 'languages', { get: () => ['fr-FR', 'fr'] });
      localStorage.removeItem('mailwarden.lang');
    });
    await fr.goto(base + '/#/dashboard');
    await fr.waitForSelector('body[data-ready="dashboard"]');
    expect(await fr.textContent('nav a[data-view="dashboard"]')).toBe('Tableau de bord');
    expect(await fr.textContent('h1')).toBe('Tableau de bord');
    // A plugin's page is titled in the console's language from its manifest.
    expect(await fr.textContent('nav a[data-view="plugin/trusted-ips/networks"]')).toBe('IP de confiance');
    await fr.screenshot({ path: screenshotPath('console-dashboard-fr.png'), fullPage: true });
    await fr.selectOption('#lang', 'en');
    await fr.waitForFunction(() => document.querySelector('h1')?.textContent === 'Dashboard');
    expect(await fr.getAttribute('html', 'lang')).toBe('en');
    await fr.close();
  });

  test('sign out ends the session', async () => {
    await page.click('#sign-out');
    await page.waitForSelector('#token');
    const r = await page.evaluate(async () => (await fetch('/api/dashboard')).status);
    expect(r).toBe(401);
  });
});
