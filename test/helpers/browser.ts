import * as fs from 'node:fs';
import * as path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { tempDir } from './plugin-fixture';

export const CHROMIUM = '/usr/bin/chromium';
export const OUTPUT_DIR = path.join(__dirname, '..', '..', 'test-output');

/**
 * Whether browser tests can run. Under CI a missing Chromium is a failure
 * (the package is in .ci/debian-packages.txt); elsewhere the suite is
 * skipped with a visible message.
 */
export function chromiumAvailable(): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: install the Debian package "chromium" (.ci/debian-packages.txt)`);
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED browser tests: ${CHROMIUM} not found (apt-get install chromium)`);
  return false;
}

/** Debian's Chromium, headless, with a fresh profile and nothing phoning home. */
export async function launchChromium(options: { locale?: string } = {}): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = tempDir('mw-chromium-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    locale: options.locale ?? 'en-US',
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export function screenshotPath(name: string): string {
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  return path.join(OUTPUT_DIR, name);
}
