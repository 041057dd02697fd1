/**
 * The browser tests' rig: the real API server (startApiServer on 127.0.0.1:0, the test's schema)
 * and headless Chromium pointed at it, its first page watched for errors and other hosts.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { startApiServer } from '@yuqing/api';
import { loadConfig } from '@yuqing/config';
import { launchBrowser, watchPage, type LaunchOptions, type PageWatch } from '../../../test/support/browser';
import type { TestEnv } from '../../../test/support/test-env';

export interface PageRig {
  /** The server's base URL, `http://127.0.0.1:<port>`. */
  url: string;
  context: BrowserContext;
  page: Page;
  /** What `page` did that it must not (see expectCleanPage). */
  watch: PageWatch;
  /** Closes the browser (removing its profile), then the server. */
  close(): Promise<void>;
}

/** Starts the server with the test's environment plus `env`, then the browser with `launch`. */
export async function startPageRig(t: TestEnv, opts: { env?: Record<string, string>; launch?: LaunchOptions } = {}): Promise<PageRig> {
  const server = await startApiServer(loadConfig({ ...t.env, API_HOST: '127.0.0.1', API_PORT: '0', ...opts.env }));
  const browser = await launchBrowser(opts.launch).catch(async (err: unknown) => {
    await server.close();
    throw err;
  });
  return {
    url: server.url,
    context: browser.context,
    page: browser.page,
    watch: watchPage(browser.page, server.url),
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** Signs in through the page's form; resolves when the navigation (the role's views) shows. */
export async function signIn(page: Page, url: string, name: string, password: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.locator('#login-view').waitFor({ state: 'visible' });
  await page.fill('#login-name', name);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
  await page.locator('#nav').waitFor({ state: 'visible' });
}

/** 退出, and back at the login form. */
export async function signOut(page: Page): Promise<void> {
  await page.click('#logout');
  await page.locator('#login-view').waitFor({ state: 'visible' });
}
