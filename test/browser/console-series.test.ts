/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { App } from '../../host/core/app';
import { loadHostConfig } from '../../host/core/config/host-config';
import { ManualClock } from '../../host/core/services/clock';
import { createLogger } from '../../host/core/services/logger';
import { SeriesHistory } from '../../host/core/services/series-history';
import { chromiumAvailable, launchChromium, screenshotPath } from '../helpers/browser';
import { pluginDirWith } from '../helpers/built-plugins';
import { fakePostfixCommands } from '../helpers/fake-postfix-commands';
import { tempDir } from '../helpers/plugin-fixture';
import { cli, type Served, serve } from '../helpers/serve-process';

/** What Dovecot's auth_policy_server_api_header sends; the listener refuses requests without it. */
const DOVECOT_AUTH = `Basic ${Buffer.from('dovecot:series-test').toString('base64')}`;
const MIN = 60_000;

jest.setTimeout(120_000);
const run = chromiumAvailable() ? describe : describe.skip;

run('dashboard series in Chromium', () => {
  let dataDir: string;
  let pluginDir: string;
  let served: Served;
  let base: string;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  let fake: ReturnType<typeof fakePostfixCommands>;

  beforeAll(async () => {
    dataDir = tempDir('mw-series-data-');
    pluginDir = pluginDirWith(['password-bruteforce']);
    const dirs = ['--data-dir', dataDir, '--plugin-dir', pluginDir];
    expect((await cli(['domains', 'add', 'example.org', ...dirs])).code).toBe(0);
    fake = fakePostfixCommands(path.join(__dirname, '../fixtures/postqueue-j.jsonl'));
    const queueDirectory = path.join(dataDir, 'queue');
    for (const [q, n] of [['deferred', 4], ['hold', 1]] as const) {
      fs.mkdirSync(path.join(queueDirectory, q, 'A'), { recursive: true });
      for (let i = 0; i < n; i++) fs.writeFileSync(path.join(queueDirectory, q, 'A', `F${i}`), 'x'.repeat(100));
    }
    // An earlier run sampled the last 3 hours into the store: the server must chart them after its restart.
    const app = await App.open({ config: loadHostConfig({ dataDir, pluginDir, env: {} }), logger: createLogger('silent') });
    try {
      const clock = new ManualClock(Date.now() - 3 * 60 * MIN);
      let failures = 0;
      const earlier = new SeriesHistory(
        { failedLoginsTotal: async () => (failures += 7), blocks: async () => 9, locks: async () => 0, queue: async () => ({ held: 5, queued: 20 }) },
        app.store, clock, app.logger, 5 * MIN,
      );
      for (let i = 0; i < 36; i++, clock.advance(5 * MIN)) await earlier.sample();
    } finally {
      await app.close();
    }
    const configFile = path.join(dataDir, 'mailwarden.json');
    fs.writeFileSync(configFile, JSON.stringify({
      postfix: { postqueuePath: fake.postqueuePath, postsuperPath: fake.postsuperPath, configDir: '/etc/postfix-test', queueDirectory },
      dovecot: { apiHeader: `Authorization: ${DOVECOT_AUTH}` },
    }));
    served = await serve(['--config', configFile, ...dirs, '--listen-admin', '127.0.0.1:0', '--listen-dovecot', '127.0.0.1:0', '--listen-postfix', 'off'], ['admin', 'dovecot']);
    base = `http://127.0.0.1:${served.ports.admin}`;
    browser = await launchChromium();
    page = await browser.context.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    for (const d of [dataDir, pluginDir, fake?.dir]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  async function dovecotReport(login: string, remote: string, pwhash: string): Promise<void> {
    const body = JSON.stringify({ login, pwhash, remote, protocol: 'imap', tls: 'false', success: false, policy_reject: false });
    const r = await fetch(`http://127.0.0.1:${served.ports.dovecot}/?command=report`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: DOVECOT_AUTH }, body });
    expect(r.status).toBe(200);
  }

  test('four charts (failed logins, blocks, held mail, queue) with the day kept across the restart and the live last values', async () => {
    // Three wrong passwords: three failed logins, and password-bruteforce blocks the pair.
    for (const pw of ['a01', 'b02', 'c03']) await dovecotReport('bob@example.org', '203.0.113.7', pw);
    const token = fs.readFileSync(path.join(dataDir, 'admin.token'), 'utf8').trim();
    await page.goto(base + '/');
    await page.fill('#token', token);
    await page.click('#sign-in');
    await page.waitForSelector('body[data-ready="dashboard"] [data-testid="series-panel"]');

    const figures = await page.$$eval('[data-testid="series-panel"] figure', (els) => els.map((e) => e.getAttribute('data-series')));
    expect(figures).toEqual(['failedLogins', 'blocks', 'held', 'queued']);
    const last = (field: string) => page.textContent(`[data-testid="series-${field}-last"]`);
    expect(await last('failedLogins')).toBe('3');
    expect(await last('blocks')).toBe('1');
    expect(await last('held')).toBe('1');
    expect(await last('queued')).toBe('4');

    const charts = await page.$$eval('[data-testid="series-panel"] svg[role="img"]', (els) =>
      els.map((e) => ({ label: e.getAttribute('aria-label'), title: e.querySelector('title')?.textContent, lines: e.querySelectorAll('path.line').length, axis: [...e.querySelectorAll('text')].map((x) => x.textContent) })),
    );
    expect(charts).toHaveLength(4);
    expect(charts[0]).toMatchObject({ label: 'Failed logins (per 5 min) over the last 24 hours; now: 3', lines: 1, axis: ['7', '0', '24 h ago', 'now'] });
    expect(charts[1]).toMatchObject({ label: 'Active blocks over the last 24 hours; now: 1', axis: ['9', '0', '24 h ago', 'now'] });
    expect(charts[2]).toMatchObject({ label: 'Held mail over the last 24 hours; now: 1', axis: ['5', '0', '24 h ago', 'now'] });
    expect(charts[3]).toMatchObject({ label: 'Queued mail (not held) over the last 24 hours; now: 4', axis: ['20', '0', '24 h ago', 'now'] });
    for (const c of charts) expect(c.title).toBe(c.label);
    await page.screenshot({ path: screenshotPath('console-dashboard-series.png'), fullPage: true });
  });

  test('in French', async () => {
    await page.evaluate(() => localStorage.setItem('mailwarden.lang', 'fr'));
    await page.reload();
    await page.waitForSelector('body[data-ready="dashboard"] [data-testid="series-panel"]');
    expect(await page.textContent('[data-testid="series-panel"] h2')).toBe('Dernières 24 heures');
    expect(await page.getAttribute('[data-testid="series-held"] svg', 'aria-label')).toBe('Messages suspendus sur les 24 dernières heures ; maintenant : 1');
    expect(await page.$$eval('[data-testid="series-held"] svg text', (els) => els.slice(2).map((x) => x.textContent))).toEqual(['il y a 24 h', 'maintenant']);
  });
});
