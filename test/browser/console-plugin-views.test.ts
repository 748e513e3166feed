/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { MailEvent } from '../../shared';
import { App } from '../../host/core/app';
import { loadHostConfig } from '../../host/core/config/host-config';
import { GLOBAL } from '../../host/core/domains/domain-settings';
import { createLogger } from '../../host/core/services/logger';
import { chromiumAvailable, launchChromium, screenshotPath } from '../helpers/browser';
import { pluginDirWith } from '../helpers/built-plugins';
import { buildFixturePlugin, hooksPlugin, tempDir } from '../helpers/plugin-fixture';
import { cli, type Served, serve } from '../helpers/serve-process';
import { type DnsReply, TestDnsServer, TYPE_A, TYPE_TXT } from '../integration/reputation-watch/dns-server';

/*
 * Pages that plugins ship, in the real console: reputation-watch's page over
 * state its own code wrote (refusals through the onMail hook, a DNSBL answer
 * through `reputation check` against a DNS server on loopback), in three
 * languages; and a plugin whose page throws or is missing, which breaks only
 * its own panel.
 */

jest.setTimeout(120_000);
const run = chromiumAvailable() ? describe : describe.skip;

const OURS = '203.0.113.7';
const LISTED: DnsReply = { a: ['127.0.0.2'], txt: ['Listed by SBL, see https://check.spamhaus.org/sbl/query/SBL999'], ttl: 60 };
const SPAMHAUS_REFUSAL = `host mx.example.net[198.51.100.9] said: 554 5.7.1 Service unavailable; Client host [${OURS}] blocked using zen.spamhaus.org (in reply to RCPT TO command)`;
const OUTLOOK_REFUSAL = `host hotmail-com.olc.protection.outlook.com[104.47.18.97] said: 550 5.7.1 Unfortunately, messages from [${OURS}] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). (in reply to MAIL FROM command)`;
const XSS = '<img src=x onerror=alert(1)>';

/** A plugin with three pages: one that throws, one whose script is not there, one that records its cleanup and tries to leave its API scope. */
function brokenViews(pluginDir: string): void {
  const dir = buildFixturePlugin(pluginDir, hooksPlugin('fragile-views', `beforeAuth() { return undefined; }`, {
    contributes: {
      consoleViews: [
        { id: 'boom', title: 'Boom', script: 'boom.js' },
        { id: 'gone', title: 'Gone', script: 'gone.js' },
        { id: 'tidy', title: { en: 'Tidy', fr: 'Rangé', de: 'Ordentlich' }, script: 'tidy.js' },
      ],
    },
  }));
  fs.writeFileSync(path.join(dir, 'boom.js'), 'export default function mount() { throw new Error("the view exploded"); }\n');
  fs.writeFileSync(path.join(dir, 'tidy.js'), `export default function mount(root, api) {
  window.__tidyLeft ??= 0;
  root.append(api.h('p', { data: { testid: 'tidy' } }, api.t({ en: 'mounted in {lang}', fr: 'monté en {lang}' }, { lang: api.lang })));
  api.fetchJson('GET', '/../../dashboard').then(
    () => root.append(api.h('p', { data: { testid: 'scope' } }, 'escaped')),
    (e) => root.append(api.h('p', { data: { testid: 'scope' } }, e.message)),
  );
  return () => { window.__tidyLeft += 1; };
}
`);
}

run('plugins\' console views in Chromium', () => {
  let dataDir: string;
  let pluginDir: string;
  let configFile: string;
  let dns: TestDnsServer;
  let served: Served;
  let base: string;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  const dialogs: string[] = [];
  let firstRefusalAt: number;
  const dirs = () => ['--config', configFile, '--data-dir', dataDir, '--plugin-dir', pluginDir];

  async function ready(view: string, p = page): Promise<void> {
    await p.waitForSelector(`body[data-ready="${view}"]`);
  }

  beforeAll(async () => {
    dataDir = tempDir('mw-views-data-');
    pluginDir = pluginDirWith(['reputation-watch']);
    brokenViews(pluginDir);
    // reputation-watch asks DNSBLs: here only this server on loopback answers it.
    dns = await new TestDnsServer((name, type) => (name === `${OURS.split('.').reverse().join('.')}.zen.spamhaus.org` && (type === TYPE_A || type === TYPE_TXT) ? LISTED : { rcode: 3 })).start();
    configFile = path.join(dataDir, 'mailwarden.json');
    fs.writeFileSync(configFile, JSON.stringify({
      plugins: {
        'reputation-watch': {
          resolvers: [`127.0.0.1:${dns.port}`],
          outboundIps: [OURS],
          postconfCommand: [],
          lists: [{ zone: 'zen.spamhaus.org' }, { zone: 'bl.mirror.test', delistUrl: 'https://mirror.test/remove' }],
          checkIntervalSeconds: 604800,
          dnsTimeoutMs: 2000,
        },
      },
    }));
    // Refusals as the mail-log follower hands them to the plugin's onMail hook; it is off by default, so enable it as an admin would.
    const app = await App.open({ config: loadHostConfig({ configFile, dataDir, pluginDir, env: {} }), logger: createLogger('silent') });
    try {
      expect(await app.loadPlugins({ startServices: false })).toEqual([]);
      await app.settings.setEnabled(GLOBAL, app.registry.get('reputation-watch')!, true, 'test');
      firstRefusalAt = Date.now() - 3_600_000;
      const delivery = (at: number, reason: string, to: string): MailEvent => ({
        kind: 'bounced', queueId: '4ABCDEF0123', sender: 'alice@example.org', recipients: [to], domain: 'example.org', at,
        relay: 'mx.example.net[198.51.100.9]:25', dsn: '5.7.1', reason, recipientDomain: to.split('@')[1],
      });
      await app.pipeline.onMail(delivery(firstRefusalAt, SPAMHAUS_REFUSAL, 'bob@example.net'));
      await app.pipeline.onMail(delivery(firstRefusalAt + 60_000, `${SPAMHAUS_REFUSAL} ${XSS}`, 'carol@example.com'));
      await app.pipeline.onMail(delivery(firstRefusalAt + 120_000, OUTLOOK_REFUSAL, 'dave@hotmail.com'));
    } finally {
      await app.close();
    }
    const check = await cli(['reputation', 'check', ...dirs()]);
    expect(check.code).toBe(0);
    expect(dns.questions.length).toBeGreaterThan(0);
    served = await serve([...dirs(), '--listen-admin', '127.0.0.1:0', '--listen-dovecot', 'off', '--listen-postfix', 'off'], ['admin']);
    base = `http://127.0.0.1:${served.ports.admin}`;
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(base + '/');
    await page.fill('#token', fs.readFileSync(path.join(dataDir, 'admin.token'), 'utf8').trim());
    await page.click('#sign-in');
    await ready('dashboard');
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    dns?.stop();
    for (const d of [dataDir, pluginDir]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  test('reputation: each listing of our address per list, first seen, evidence, removal link; the DNSBL answers; the latest refusals', async () => {
    await page.click('nav a[data-view="plugin/reputation-watch/status"]');
    await ready('plugin/reputation-watch/status');
    expect(await page.textContent('[data-testid="rw-outbound"]')).toContain(OURS);

    const listings = await page.$$eval('[data-testid="rw-listing"]', (rows) => rows.map((r) => [r.getAttribute('data-ip'), r.getAttribute('data-list')]));
    expect(listings).toEqual(expect.arrayContaining([[OURS, 'zen.spamhaus.org'], [OURS, 'outlook.com']]));
    expect(listings).toHaveLength(2);
    const zen = page.locator('[data-testid="rw-listing"][data-list="zen.spamhaus.org"]');
    // Seen by remote refusals an hour ago and by the list's own answer now: first seen is the first refusal.
    expect(await zen.textContent()).toContain('remote refusals + DNSBL answer');
    const firstSeen = await page.evaluate((ms) => new Date(ms).toLocaleString('en', { dateStyle: 'short', timeStyle: 'medium' }), firstRefusalAt);
    expect(await zen.locator('[data-testid="rw-first-seen"]').textContent()).toBe(firstSeen);
    expect(await zen.locator('td').nth(6).textContent()).toBe('2');
    expect(await zen.locator('a[data-testid="rw-removal"]').getAttribute('href')).toBe('https://check.spamhaus.org/');
    const outlook = page.locator('[data-testid="rw-listing"][data-list="outlook.com"]');
    expect(await outlook.textContent()).toContain('S3150');
    expect(await outlook.textContent()).toContain('provider block');
    expect(await outlook.locator('a[data-testid="rw-removal"]').getAttribute('href')).toMatch(/^https:\/\//);

    const detail = page.locator('[data-testid="rw-listing-detail"][data-list="zen.spamhaus.org"]');
    expect(await detail.textContent()).toContain('The list says: Listed by SBL, see https://check.spamhaus.org/sbl/query/SBL999');
    expect(await detail.textContent()).toContain('Refused by: example.com, example.net');
    const evidence = await detail.locator('[data-testid="rw-evidence"]').textContent();
    expect(evidence).toContain('blocked using zen.spamhaus.org');
    expect(evidence).toContain(XSS);

    const checks = await page.$$eval('[data-testid="rw-check"]', (rows) => rows.map((r) => [r.getAttribute('data-list'), r.getAttribute('data-status'), r.children[2].textContent]));
    expect(checks).toEqual([
      ['bl.mirror.test', 'not-listed', 'not listed'],
      ['zen.spamhaus.org', 'listed', 'LISTED'],
    ]);

    // Newest first: Outlook's, then the two Spamhaus ones.
    const recent = await page.$$eval('[data-testid="rw-refusal"]', (rows) => rows.map((r) => r.children[1].textContent));
    expect(recent).toEqual(['outlook.com', 'zen.spamhaus.org', 'zen.spamhaus.org']);
    // Remote text is text: the XSS in a refusal is never an element.
    expect(await page.$('img[src="x"]')).toBeNull();
    expect(dialogs).toEqual([]);
    await page.screenshot({ path: screenshotPath('console-reputation.png'), fullPage: true });
  });

  test('reputation in French and German: the plugin\'s own words and the console\'s language', async () => {
    await page.selectOption('#lang', 'fr');
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Réputation');
    expect(await page.textContent('nav a[data-view="plugin/reputation-watch/status"]')).toBe('Réputation');
    expect(await page.textContent('[data-testid="rw-listings-panel"] h2')).toBe('Inscriptions');
    expect(await page.textContent('[data-testid="rw-listing"][data-list="zen.spamhaus.org"]')).toContain('refus distants + réponse DNSBL');
    expect(await page.textContent('[data-testid="rw-check"][data-list="zen.spamhaus.org"]')).toContain('INSCRITE');
    await page.selectOption('#lang', 'de');
    await page.waitForFunction(() => document.querySelector('[data-testid="rw-listings-panel"] h2')?.textContent === 'Einträge');
    expect(await page.textContent('[data-testid="rw-recent-panel"] h2')).toBe('Letzte entfernte Abweisungen');
    expect(await page.textContent('a[data-testid="rw-removal"]')).toBe('Entfernung beantragen');
    await page.selectOption('#lang', 'en');
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Reputation');
  });

  test('a page that throws or whose script is missing shows its error in its panel; the rest of the console keeps working', async () => {
    await page.click('nav a[data-view="plugin/fragile-views/boom"]');
    await ready('plugin/fragile-views/boom');
    expect(await page.textContent('[data-testid="plugin-view-error"]')).toBe('The page of plugin fragile-views failed: the view exploded');
    await page.click('nav a[data-view="plugin/fragile-views/gone"]');
    await ready('plugin/fragile-views/gone');
    expect(await page.textContent('[data-testid="plugin-view-error"]')).toMatch(/^The page of plugin fragile-views could not be loaded: /);
    await page.click('nav a[data-view="dashboard"]');
    await ready('dashboard');
    expect(await page.textContent('h1')).toBe('Dashboard');
    await page.click('nav a[data-view="plugin/reputation-watch/status"]');
    await ready('plugin/reputation-watch/status');
    expect(await page.$$('[data-testid="rw-listing"]')).toHaveLength(2);
  });

  test('a page gets the console\'s language, cannot call outside its plugin\'s routes, and is cleaned up when left', async () => {
    await page.click('nav a[data-view="plugin/fragile-views/tidy"]');
    await ready('plugin/fragile-views/tidy');
    expect(await page.textContent('[data-testid="tidy"]')).toBe('mounted in en');
    await page.waitForSelector('[data-testid="scope"]');
    expect(await page.textContent('[data-testid="scope"]')).toMatch(/is not a path below \/api\/plugins\/fragile-views/);
    expect(await page.evaluate(() => (window as unknown as { __tidyLeft: number }).__tidyLeft)).toBe(0);
    await page.selectOption('#lang', 'fr');
    await page.waitForFunction(() => document.querySelector('[data-testid="tidy"]')?.textContent === 'monté en fr');
    expect(await page.textContent('nav a[data-view="plugin/fragile-views/tidy"]')).toBe('Rangé');
    await page.click('nav a[data-view="dashboard"]');
    await ready('dashboard');
    // Left twice: the language switch mounted it again, then the dashboard replaced it.
    expect(await page.evaluate(() => (window as unknown as { __tidyLeft: number }).__tidyLeft)).toBe(2);
    await page.selectOption('#lang', 'en');
  });
});
