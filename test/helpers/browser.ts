import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { projectRoot } from '../../src/common/version.js';
import type { TestHub } from './hub.js';
import { dashboardLink } from './web.js';

/** Debian's Chromium: Playwright cannot download its own browsers here. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Whether the browser tests can run. Without Chromium they are skipped with a loud line, unless
 * PIA_TEST_REQUIRE_SYSTEM=1 (CI installs it), where a missing browser fails.
 */
export function haveChromium(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const hint = 'apt-get install -y --no-install-recommends chromium fonts-dejavu-core';
  if (process.env.PIA_TEST_REQUIRE_SYSTEM === '1') throw new Error(`${CHROMIUM} is required (PIA_TEST_REQUIRE_SYSTEM=1) but not installed: ${hint}`);
  process.stderr.write(`\n*** SKIPPING browser tests: ${CHROMIUM} is not installed (${hint}) ***\n\n`);
  return false;
}

/**
 * Launches headless Chromium. The background-networking flags matter on a closed network: without them Chromium's
 * own update and sync connections are refused and slow the page down.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Where the test run keeps a screenshot of each main view (gitignored). */
export const SCREENS = path.join(projectRoot, 'test-output', 'screens');

/** Saves a screenshot of the page as test-output/screens/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENS, `${name}.png`), fullPage: true });
}

/**
 * A new browser context signed in to the hub's dashboard as `as` (the admin token's holder by default) through a
 * one-time link, as a person would: open the link, press Sign in. Page errors, and requests to anywhere but the hub,
 * are collected for the test to check.
 */
export async function signedIn(browser: Browser, t: TestHub, as?: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  // Every byte the page uses comes from the hub: a request anywhere else is a failure.
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith(`${t.httpUrl}/`) && !url.startsWith('data:') && url !== 'about:blank') errors.push(`request outside the hub: ${url}`);
  });
  page.on('console', (msg) => {
    // A refused request (400, 401, 403) is logged by the browser; the tests check those answers themselves.
    if (msg.type() === 'error' && !/status of 4\d\d/.test(msg.text())) errors.push(msg.text());
  });
  await page.goto(await dashboardLink(t, as));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Fleet' }).waitFor();
  return { context, page, errors };
}
