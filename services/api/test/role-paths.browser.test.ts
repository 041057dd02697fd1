/**
 * A leader's main path through the page, end to end in headless Chromium against the real server:
 * signs in and lands on 态势总览, sees the rising topic the database holds, follows it into 话题 (its
 * detail opened: series, spread, level history), then 日报/周报 and the day's digest. The other
 * roles' paths have their own files: the duty officer (live-page.browser.test.ts: a warning arrives
 * live and is acknowledged; the 静默 button), the analyst (incident-ui, topics-ui, items), the admin
 * (admin-rules-receivers and admin-users-silences-audit: rule with preview → receiver test message
 * → users and tokens → silences → audit log). No console error, no request to another host.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDigest } from '@yuqing/api';
import { expectCleanPage, hasChromium, saveScreenshot, skipTitle } from '../../../test/support/browser';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { makeCaller } from './auth-fixtures';
import { signIn, startPageRig, type PageRig } from './browser-fixtures';
import { seedTopic } from './read-fixtures';

const PASSWORD = 'leader-path-1';
const HOUR = 3_600_000;

describe.skipIf(!hasChromium)(skipTitle('a leader’s path in headless Chromium'), () => {
  let t: TestEnv;
  let rig: PageRig;
  let page: Page;
  let topicId: number;
  let digestId: number;

  beforeAll(async () => {
    t = await createTestEnv('leaderpath');
    await makeCaller(t.db, 'leader-path', 'leader', PASSWORD);
    // A topic whose items were published in the last hours: it is rising today.
    const now = Date.now();
    const seeded = await seedTopic(t.db, { level: 'orange', lastAt: new Date(now - 10 * 60_000) });
    topicId = seeded.topicId;
    await t.db.query(`UPDATE items SET published_at = $2::timestamptz - (interval '20 minutes' * (array_position($1::bigint[], id))) WHERE id = ANY($1::bigint[])`, [seeded.itemIds, new Date(now)]);
    // The digest of the last day, as the scheduler would have made it.
    const g = await generateDigest(t.db, { kind: 'daily', from: new Date(now - 24 * HOUR), to: new Date(now), now: new Date(now), by: 'system', timeZone: 'Asia/Shanghai', baseUrl: 'http://127.0.0.1' });
    digestId = g.stored.id;
    rig = await startPageRig(t, { env: { DIGEST_ENABLED: 'false' } });
    page = rig.page;
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  afterAll(async () => {
    await rig?.close();
    await t?.cleanup();
  });

  it('态势 → the rising topic in 话题 → 日报/周报 and the day’s digest', async () => {
    await signIn(page, rig.url, 'leader-path', PASSWORD);
    await page.waitForURL(/#\/overview$/);
    // The rising topic the database holds (its title from the database, not from the seed's text).
    const title = (await t.db.query('SELECT title FROM topics WHERE id = $1', [topicId])).rows[0].title as string;
    const row = page.locator(`#overview-view li.ov-topic[data-topic-id="${topicId}"]`);
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    expect(await row.locator('.ov-row-title').textContent()).toBe(title);
    await saveScreenshot(page, 'leader-path-overview-1366');

    await row.locator('a.ov-row-title').click();
    await page.waitForURL(new RegExp(`#/topics/${topicId}$`));
    const topicRow = page.locator(`#topics-body tr.topic-row[data-topic-id="${topicId}"]`);
    await topicRow.waitFor({ state: 'visible' });
    expect(await topicRow.locator('.topic-toggle').getAttribute('aria-expanded')).toBe('true');
    // Its detail opened in place, with its spread.
    const detail = page.locator(`#topics-body tr.topic-detail[data-topic-id="${topicId}"]`);
    await detail.locator('.topic-detail-box').waitFor({ state: 'visible', timeout: 10_000 });
    await detail.locator('section.spread').waitFor({ state: 'visible', timeout: 10_000 });
    await saveScreenshot(page, 'leader-path-topic-1366');

    await page.click('#nav a[data-view="digests"]');
    const digestRow = page.locator(`#digests-body tr[data-digest-id="${digestId}"]`);
    await digestRow.waitFor({ state: 'visible' });
    // The list shows the stored digest's period (Beijing time) and its headline figures from its data.
    const stored = (await t.db.query(`SELECT data->'headline'->'items'->>'value' AS items FROM digests WHERE id = $1`, [digestId])).rows[0];
    expect(await digestRow.locator('.headline').textContent()).toContain(`信息 ${Number(stored.items).toLocaleString('zh-CN')}`);
    // The digest opens in its own tab (its own page, with its own CSP).
    const [digestPage] = await Promise.all([page.context().waitForEvent('page'), digestRow.locator('a.title').click()]);
    await digestPage.waitForLoadState('load');
    expect(new URL(digestPage.url()).pathname).toBe(`/api/digests/${digestId}/html`);
    expect(await digestPage.locator('body').textContent()).toContain(title);
    await saveScreenshot(digestPage, 'leader-path-digest-1366');
    await digestPage.close();
    expectCleanPage(rig.watch);
  });
});
