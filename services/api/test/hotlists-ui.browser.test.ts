/**
 * 热榜 in a real browser (Debian's chromium driven by playwright-core) against the real server: a
 * duty officer opens the hot lists, sees each list's entries by rank with their heat, the entry that
 * names the police marked, and opens an entry's rank over time (an ECharts line through every snapshot, rank 1 on top).
 * No console errors, no page errors, no request to any other host.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`); without it the test is skipped, visibly.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hotListKey, insertSource, linkHotListItemsByUrl, recordHotListSnapshot, sourceInputSchema } from '@yuqing/db';
import { expectCleanPage, hasChromium, saveScreenshot, skipTitle } from '../../../test/support/browser';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { makeCaller } from './auth-fixtures';
import { signIn, startPageRig, type PageRig } from './browser-fixtures';
import { seedItem } from './read-fixtures';

const PASSWORD = 'hot-pass-1';
const POLICE = '某区派出所回应网友质疑';
const rank = (titles: string[], heat: number[]) => titles.map((title, k) => ({ rank: k + 1, key: hotListKey(title), title, url: `https://s.example.cn/?q=${k}`, heat: heat[k] ?? null }));

describe.skipIf(!hasChromium)(skipTitle('hot lists view in headless Chromium'), () => {
  let t: TestEnv;
  let rig: PageRig;
  let page: Page;

  beforeAll(async () => {
    t = await createTestEnv('hotlistsui');
    await makeCaller(t.db, 'duty1', 'pr', PASSWORD);
    const s = await insertSource(t.db, sourceInputSchema.parse({ name: '测试热搜榜', url: 'https://s.example.cn/hot.xml', hotList: 'national' }));
    const base = Date.now() - 3 * 3_600_000;
    await recordHotListSnapshot(t.db, s!.id, new Date(base), rank(['明星新闻', '天气', POLICE], [5_000_000, 3_000_000, 1_200_000]));
    await recordHotListSnapshot(t.db, s!.id, new Date(base + 3_600_000), rank(['明星新闻', POLICE, '天气'], [4_000_000, 2_500_000, 2_000_000]));
    const last = await recordHotListSnapshot(t.db, s!.id, new Date(base + 7_200_000), rank([POLICE, '明星新闻', '天气'], [6_000_000, 3_500_000, 1_000_000]));
    // The police entry was stored as an item.
    const itemUrl = 'https://s.example.cn/?q=2';
    await seedItem(t.db, { title: POLICE, text: POLICE, sourceName: '测试热搜榜', url: itemUrl });
    const { rows } = await t.db.query<{ url_hash: string }>('SELECT url_hash FROM items WHERE url = $1', [itemUrl]);
    await linkHotListItemsByUrl(t.db, [{ entryId: last.entryIds.get(hotListKey(POLICE))!, urlHash: rows[0]!.url_hash }]);
    rig = await startPageRig(t, { env: { DIGEST_ENABLED: 'false' } });
    page = rig.page;
  });

  afterAll(async () => {
    await rig?.close();
    await t?.cleanup();
  });

  it('shows each list by rank and an entry’s rank over time', async () => {
    await signIn(page, rig.url, 'duty1', PASSWORD);
    await page.click('#nav a[data-view="hotlists"]');
    await page.locator('#hotlists-view').waitFor({ state: 'visible' });
    const card = page.locator('.hot-list', { hasText: '测试热搜榜' });
    await card.waitFor({ state: 'visible' });
    expect(await card.locator('.hint').first().textContent()).toContain('全国热榜');
    const titles = await card.locator('.hot-entry .title').allTextContents();
    expect(titles).toEqual([POLICE, '明星新闻', '天气']);
    const police = card.locator('.hot-entry', { hasText: POLICE });
    expect(await police.getAttribute('class')).toContain('watched');
    expect(await police.locator('.meta').textContent()).toContain('热度 600万');
    expect(await police.locator('.meta').textContent()).toContain('最高第 1 位');

    await police.locator('button', { hasText: '排名变化' }).click();
    // The rank line is drawn on canvas; its container says what it shows (3 snapshots: 3rd, 2nd, 1st).
    const chart = police.locator('.rank-chart');
    await chart.locator('canvas').first().waitFor({ state: 'visible' });
    expect(await chart.getAttribute('data-snapshots')).toBe('3');
    expect(await chart.getAttribute('aria-label')).toContain('共 3 次快照，最高第 1 位，最低第 3 位');
    expect(await police.locator('.hot-detail .summary').textContent()).toMatch(/上榜，至今在榜.*最高第 1 位，现第 1 位；热度峰值 600万；快照 3 次/);
    await page.waitForTimeout(400); // the line's drawing animation
    await saveScreenshot(page, 'hotlists-rank-chart');
    await expectCleanPage(rig.watch);
  });
});
