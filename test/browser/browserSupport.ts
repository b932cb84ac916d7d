/**
 * Browser tests: Playwright drives Debian's Chromium (`apt-get install chromium`; Playwright's
 * own browser download cannot be reached here) against the console that Hosting serves in the
 * test stack. Every page is checked with axe-core; main pages are saved as screenshots.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import { repoRoot } from '../../scripts/lib/localStack.js';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const screenshotDir = join(repoRoot, 'docs', 'screenshots');

/** Actions and assertions wait at most this long: a stuck page fails its test instead of hanging. */
const actionTimeoutMs = 15_000;

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-dev-shm-usage'], timeout: 60_000 });
}

/** A signed-out browser context on the test stack's Hosting site; page errors fail the test. */
export async function freshPage(browser: Browser): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ baseURL: inject('hostingUrl'), viewport: { width: 1280, height: 860 } });
  context.setDefaultTimeout(actionTimeoutMs);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return { context, page, errors };
}

/** axe-core on the page as it is now: no serious or critical violation. */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  expect(
    bad.map((violation) => `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).slice(0, 3).join(', ')}`),
    `axe on ${where}`,
  ).toEqual([]);
}

/** Saves docs/screenshots/<name>.png (the README shows them). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: false });
}
