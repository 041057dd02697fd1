/**
 * The live page in a real browser: Debian's chromium driven by playwright-core, against the real
 * server (startApiServer on 127.0.0.1:0, a test schema). Log in through the form, watch an alert
 * appear live (no reload), acknowledge it with one click; no console errors, no page errors, and
 * no request to any host but the service.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it). Without it the
 * test is skipped, visibly, under a title that says so.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAlertEvent, insertAlert, withTransaction, type AlertEvent } from '@yuqing/db';
import { publishAlertEvents } from '@yuqing/queue';
import { expectCleanPage, hasChromium, saveScreenshot, skipTitle } from '../../../test/support/browser';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { beijingText } from '../../../test/support/time';
import { makeCaller } from './auth-fixtures';
import { startPageRig, type PageRig } from './browser-fixtures';

const PASSWORD = 'duty-officer-pass-1';
const ANALYST_PASSWORD = 'analyst-pass-1';

describe.skipIf(!hasChromium)(skipTitle('live page in headless Chromium'), () => {
  let t: TestEnv;
  let rig: PageRig;
  let page: Page;

  beforeAll(async () => {
    t = await createTestEnv('livebrowser');
    await makeCaller(t.db, 'duty', 'pr', PASSWORD);
    await makeCaller(t.db, 'analyst', 'analyst', ANALYST_PASSWORD);
    rig = await startPageRig(t, { env: { SSE_HEARTBEAT_MS: '5000' } });
    page = rig.page;
  });

  afterAll(async () => {
    await rig?.close();
    await t?.cleanup();
  });

  it('log in, see a new alert appear live, acknowledge it with one click, 静默 only for who may silence; no errors, no other host', async () => {
    const base = rig.url;
    expect(new URL(base).hostname).toBe('127.0.0.1');
    const response = await page.goto(`${base}/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toMatch(/^default-src 'self'/);

    // Not signed in: the login form.
    await page.locator('#login-view').waitFor({ state: 'visible' });
    await page.fill('#login-name', 'duty');
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-submit');
    await page.locator('#alerts-view').waitFor({ state: 'visible' });
    await expect.poll(() => page.textContent('#who-name')).toContain('duty');
    // The stream is open and the (empty) list loaded.
    await expect.poll(() => page.textContent('#stream-state'), { timeout: 10_000 }).toBe('实时');
    await page.locator('#empty').waitFor({ state: 'visible' });

    // A firing alert arrives: stored and announced as the alerter does.
    const title = '某派出所民警执法视频引发热议';
    const { alertId } = await withTransaction(t.db, async (client) => {
      const alert = await insertAlert(client, { kind: 'topic', dedupKey: 'rule:1:topic:42', level: 'orange', title, summary: '多个来源转发', heat: 87.46, topicId: 42 });
      if (!alert) throw new Error('alert not created');
      const event: AlertEvent = await appendAlertEvent(client, {
        alertId: alert.id,
        type: 'firing',
        level: 'orange',
        payload: { from: 'yellow', to: 'orange', reason: '测试', topicId: 42, indicators: { rate1h: 30, ratePrev1h: 10 } },
        audienceRoles: ['admin', 'pr', 'analyst', 'leader'],
      });
      return { alertId: alert.id, event };
    }).then(async (r) => {
      await publishAlertEvents(t.redis, t.cfg.QUEUE_PREFIX, [r.event.id]);
      return r;
    });

    // It appears without a reload, with its level, heat, trend and state.
    const row = page.locator(`tr[data-alert-id="${alertId}"]`);
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    await expect.poll(() => row.textContent()).toContain(title);
    const text = (await row.textContent()) ?? '';
    expect(text).toContain('橙色');
    expect(text).toContain('87.5');
    expect(text).toContain('上升');
    expect(text).toContain('未确认');
    expect(await row.getAttribute('class')).toContain('level-orange');
    expect(await page.textContent('#count')).toBe('1');
    // The duty officer may silence the alert's notifications: 「静默」 on the row, a real button.
    expect(await row.locator('button.silence').textContent()).toBe('静默');
    expect(await row.locator('button.silence').getAttribute('type')).toBe('button');
    // With all four actions (确认, 建立事件, 调整级别, 静默) the list still fits a 1366 px screen.
    await page.setViewportSize({ width: 1366, height: 768 });
    expect(await row.locator('td.actions button').count()).toBe(4);
    // (A string, not a function: this file is type-checked without the DOM library.)
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1366);
    await saveScreenshot(page, 'alerts-duty-1366');
    // Beijing time, although the browser runs in UTC.
    const created = (await t.db.query<{ created_at: Date }>('SELECT created_at FROM alerts WHERE id = $1', [alertId])).rows[0]?.created_at ?? new Date(0);
    expect(await row.locator('.time').textContent()).toContain(beijingText(created));

    // One click acknowledges it.
    await row.locator('button.ack').click();
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 10_000 }).toBe('acknowledged');
    await expect.poll(() => row.locator('.state').textContent()).toContain('已确认');
    expect(await row.locator('.state').textContent()).toContain('duty');
    expect(await row.locator('button.ack').count()).toBe(0);
    const { rows } = await t.db.query<{ type: string; payload: { byName?: string } }>('SELECT type, payload FROM alert_events WHERE alert_id = $1 ORDER BY id', [alertId]);
    expect(rows.map((r) => r.type)).toEqual(['firing', 'acknowledged']);
    expect(rows[1]?.payload.byName).toBe('duty');

    // Log out: back to the form.
    await page.click('#logout');
    await page.locator('#login-view').waitFor({ state: 'visible' });

    // An analyst sees the (acknowledged) alert and may adjust its level, but not silence it.
    await page.fill('#login-name', 'analyst');
    await page.fill('#login-password', ANALYST_PASSWORD);
    await page.click('#login-submit');
    await page.locator('#alerts-view').waitFor({ state: 'visible' });
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await row.locator('button.adjust-level').count()).toBe(1);
    expect(await row.locator('button.silence').count()).toBe(0);
    await page.click('#logout');
    await page.locator('#login-view').waitFor({ state: 'visible' });

    expectCleanPage(rig.watch);
  });
});
