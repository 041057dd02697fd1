/**
 * Headless Chromium for the browser tests: Debian's chromium driven by playwright-core, a fresh
 * profile per launch, the switches that keep it from calling home, and watchers for what a page of
 * ours must never do (log a console error, throw, or ask any host but the service).
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it). Without it a test
 * skips itself, visibly, under the title `skipTitle` gives:
 *
 *     describe.skipIf(!hasChromium)(skipTitle('live page in headless Chromium'), () => { … });
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/** A describe title that says, when Chromium is missing, that and why the test is skipped. */
export function skipTitle(name: string): string {
  return hasChromium ? name : `${name} — SKIPPED: needs Debian chromium at ${CHROMIUM} (apt-get install -y chromium)`;
}

/** No sandbox (containers), no GPU, and nothing of Chromium's own on the network (updates, sync, QUIC). */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface LaunchOptions {
  /** Switches beyond the common ones. */
  args?: string[];
  /** Headers sent with every request (e.g. a bearer token for pages opened without the login form). */
  extraHTTPHeaders?: Record<string, string>;
}

export interface LaunchedBrowser {
  context: BrowserContext;
  /** The window the browser opened with. */
  page: Page;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** Launches Chromium with a fresh profile (launchPersistentContext owns --user-data-dir), in Chinese, on UTC. */
export async function launchBrowser(opts: LaunchOptions = {}): Promise<LaunchedBrowser> {
  const userDir = await mkdtemp(path.join(tmpdir(), 'yuqing-chromium-'));
  const removeProfile = () => rm(userDir, { recursive: true, force: true });
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...ARGS, ...(opts.args ?? [])],
      locale: 'zh-CN',
      // Not Asia/Shanghai: the pages must read and show Beijing time whatever the machine's zone.
      timezoneId: 'UTC',
      ...(opts.extraHTTPHeaders ? { extraHTTPHeaders: opts.extraHTTPHeaders } : {}),
    });
  } catch (err) {
    await removeProfile();
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      await removeProfile();
    },
  };
}

/** What a page did that it must not: filled in as it happens. */
export interface PageWatch {
  consoleErrors: string[];
  pageErrors: string[];
  /** Requests to anything but `allowedOrigin` (data: URLs aside). */
  foreignRequests: string[];
}

/** Starts collecting the page's console errors, uncaught errors and requests to other origins. */
export function watchPage(page: Page, allowedOrigin: string): PageWatch {
  const origin = new URL(allowedOrigin).origin;
  const watch: PageWatch = { consoleErrors: [], pageErrors: [], foreignRequests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') watch.consoleErrors.push(m.text());
  });
  page.on('pageerror', (err) => watch.pageErrors.push(err.message));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.protocol !== 'data:' && u.origin !== origin) watch.foreignRequests.push(r.url());
  });
  return watch;
}

/** No page error, no console error, no request to another host so far. */
export function expectCleanPage(watch: PageWatch): void {
  expect(watch.pageErrors).toEqual([]);
  expect(watch.consoleErrors).toEqual([]);
  expect(watch.foreignRequests).toEqual([]);
}

/** Where the browser tests leave their screenshots (kept by CI as test artifacts; not in git). */
export const SCREENSHOT_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'test-artifacts', 'screenshots');

/**
 * Saves a full-page screenshot as test-artifacts/screenshots/<name>.png and returns its path;
 * `name` says what it shows (`leader-overview-1366`).
 */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^a-z0-9-]+/gi, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
