/**
 * The page when its login stops being valid while the live stream is open: the server ends the
 * stream with an `auth` event (stream/reauth.ts) and the page goes back to the login form with the
 * server's message, instead of reconnecting to be refused. Real server, real headless Chromium.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it). Without it the
 * test is skipped, visibly, under a title that says so.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCleanPage, hasChromium, skipTitle } from '../../../test/support/browser';
import { runCli } from '../../../test/support/run-cli';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { makeCaller } from './auth-fixtures';
import { startPageRig, type PageRig } from './browser-fixtures';

const PASSWORD = 'duty-officer-pass-2';

describe.skipIf(!hasChromium)(skipTitle('live page when the login is revoked, in headless Chromium'), () => {
  let t: TestEnv;
  let rig: PageRig;
  let page: Page;

  beforeAll(async () => {
    t = await createTestEnv('streamauthbrowser');
    await makeCaller(t.db, 'duty2', 'pr', PASSWORD);
    rig = await startPageRig(t, { env: { SSE_HEARTBEAT_MS: '5000' } });
    page = rig.page;
  });

  afterAll(async () => {
    await rig?.close();
    await t?.cleanup();
  });

  it('a user disabled while the page is open is sent to the login form with 「登录已失效，请重新登录」', async () => {
    await page.goto(`${rig.url}/`);
    await page.locator('#login-view').waitFor({ state: 'visible' });
    await page.fill('#login-name', 'duty2');
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-submit');
    await page.locator('#alerts-view').waitFor({ state: 'visible' });
    await expect.poll(() => page.textContent('#stream-state'), { timeout: 10_000 }).toBe('实时');

    const r = await runCli(['users', 'disable', 'duty2'], { env: t.env });
    expect(r.code).toBe(0);

    await page.locator('#login-view').waitFor({ state: 'visible', timeout: 10_000 });
    await expect.poll(() => page.textContent('#login-error')).toBe('登录已失效，请重新登录');
    expect(await page.locator('#alerts-view').isHidden()).toBe(true);
    expect(await page.locator('#nav').isHidden()).toBe(true);
    expectCleanPage(rig.watch);
  });
});
