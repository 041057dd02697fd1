/**
 * The 话题 view in a real browser: Debian's chromium driven by playwright-core, against the real
 * server (startApiServer on 127.0.0.1:0, a test schema). An analyst sees the seeded topics with
 * their level, stage, counts, first source and last activity in Beijing time, narrows them by
 * minimum level and by status, opens one (the items per hour as an ECharts bar chart, its stories with
 * the first poster, the level history with reasons) and opens an incident from it with 「建立事件」;
 * a leader sees the same view without that button. No console errors, no page errors, no request
 * to any host but the service; what the page did is checked against the database.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it). Without it the
 * test is skipped, visibly, under a title that says so.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCleanPage, hasChromium, saveScreenshot, skipTitle } from '../../../test/support/browser';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { beijingText } from '../../../test/support/time';
import { makeCaller } from './auth-fixtures';
import { signIn, signOut, startPageRig, type PageRig } from './browser-fixtures';
import { seedTopic } from './read-fixtures';

const PASSWORD = 'topics-pass-1';
/** The seeded topics' first item (read-fixtures: items at 08:00, 08:10, 08:20 UTC that day). */
const T0 = new Date('2025-03-01T08:00:00Z');

describe.skipIf(!hasChromium)(skipTitle('topics view in headless Chromium'), () => {
  let t: TestEnv;
  let rig: PageRig;
  let page: Page;
  /** An orange open topic (the one opened), a blue open one, a yellow closed one. */
  let orange: number;
  let blue: number;
  let closed: number;
  const orangeLastAt = new Date(T0.getTime() + 50 * 60_000);

  beforeAll(async () => {
    t = await createTestEnv('topicsui');
    await makeCaller(t.db, 'analyst1', 'analyst', PASSWORD);
    await makeCaller(t.db, 'leader1', 'leader', PASSWORD);
    orange = (await seedTopic(t.db, { level: 'orange', lastAt: orangeLastAt })).topicId;
    blue = (await seedTopic(t.db, { level: 'blue', lastAt: new Date(T0.getTime() + 40 * 60_000) })).topicId;
    closed = (await seedTopic(t.db, { level: 'yellow', status: 'closed' })).topicId;
    // The topic stage's stage names (the fixture's placeholder is not one).
    await t.db.query(`UPDATE topics SET stage = '扩散期', title = '某地民警执法视频' WHERE id = $1`, [orange]);
    await t.db.query(`UPDATE topics SET stage = '发生期' WHERE id <> $1`, [orange]);
    rig = await startPageRig(t, { env: { DIGEST_ENABLED: 'false' } });
    page = rig.page;
  });

  afterAll(async () => {
    await rig?.close();
    await t?.cleanup();
  });

  const login = (name: string) => signIn(page, rig.url, name, PASSWORD);
  const logout = () => signOut(page);

  const row = (id: number) => page.locator(`#topics-body tr.topic-row[data-topic-id="${id}"]`);
  const shownIds = async (): Promise<number[]> => (await page.locator('#topics-body tr.topic-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-topic-id')))).map(Number);

  it('an analyst filters the topics, opens one and opens an incident from it', async () => {
    await login('analyst1');
    await page.click('#nav a[data-view="topics"]');
    await page.locator('#topics-view').waitFor({ state: 'visible' });
    await row(orange).waitFor({ state: 'visible', timeout: 10_000 });

    // 进行中 by default: the open topics, the latest activity first; the closed one is not there.
    await expect.poll(shownIds, { timeout: 10_000 }).toEqual([orange, blue]);
    const r = row(orange);
    expect(await r.locator('.badge').textContent()).toBe('橙色');
    expect(await r.locator('.badge').getAttribute('class')).toContain('orange');
    expect(await r.locator('.topic-toggle').textContent()).toBe('某地民警执法视频');
    expect(await r.locator('.keywords .tag').allTextContents()).toEqual(['民警', '执法', '视频']);
    expect(await r.locator('td.stage').textContent()).toBe('扩散期');
    const counts = (await r.locator('td.counts').textContent()) ?? '';
    expect(counts).toContain('3 条');
    expect(counts).toContain('涉警负面 2');
    expect(await r.locator('td.source').textContent()).toBe('微博');
    expect(await r.locator('td.time').textContent()).toBe(beijingText(orangeLastAt).slice(0, 16));

    // 级别 is a minimum: 橙色及以上 leaves the blue topic out.
    await page.selectOption('#t-level', 'orange');
    await expect.poll(shownIds, { timeout: 10_000 }).toEqual([orange]);
    // 已结束 (any level): only the closed topic, marked as such.
    await page.selectOption('#t-level', '');
    await page.selectOption('#t-status', 'closed');
    await expect.poll(shownIds, { timeout: 10_000 }).toEqual([closed]);
    expect(await row(closed).locator('.topic-status').textContent()).toBe('已结束');
    await page.selectOption('#t-status', 'all');
    await expect.poll(async () => (await shownIds()).sort(), { timeout: 10_000 }).toEqual([orange, blue, closed].sort());
    await page.selectOption('#t-status', 'open');
    await expect.poll(shownIds, { timeout: 10_000 }).toEqual([orange, blue]);

    // A click opens the detail under the row.
    await row(orange).locator('.topic-toggle').click();
    const detail = page.locator(`#topics-body tr.topic-detail[data-topic-id="${orange}"]`);
    await detail.locator('.topic-detail-box').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await row(orange).locator('.topic-toggle').getAttribute('aria-expanded')).toBe('true');
    // Its series: three items in the hour from 08:00 UTC, one hour drawn (on canvas, described in words).
    const series = detail.locator('.series-chart');
    await series.locator('canvas').first().waitFor({ state: 'visible', timeout: 10_000 });
    expect(await series.getAttribute('data-hours')).toBe('1');
    expect(await series.getAttribute('data-total')).toBe('3');
    expect(await series.getAttribute('aria-label')).toContain(`${beijingText(T0).slice(0, 16)} 起 1 小时，共 3 条`);
    await page.waitForTimeout(400); // the bars' drawing animation
    await saveScreenshot(page, 'topics-detail');
    // Its stories, first posted by 首发网友 on 微博 at T0, and by 警方 on 新闻网 20 minutes later.
    const stories = detail.locator('.story');
    expect(await stories.count()).toBe(2);
    const first = (await stories.nth(0).textContent()) ?? '';
    expect(first).toContain('某派出所民警执法视频引关注');
    expect(first).toContain(`首发：首发网友 · 微博 · ${beijingText(T0)}`);
    expect(await stories.nth(0).locator('.flag-negative').count()).toBe(1);
    expect(await stories.nth(1).textContent()).toContain(`首发：警方 · 新闻网 · ${beijingText(new Date(T0.getTime() + 20 * 60_000))}`);
    // Its level history with the reasons.
    const levels = detail.locator('.level-history li');
    expect(await levels.count()).toBe(2);
    expect(await levels.locator('.badge').allTextContents()).toEqual(['蓝色', '黄色']);
    expect(await levels.locator('.reason').allTextContents()).toEqual(['涉警负面 2 条', '10 分钟内增长 2.5 倍']);
    // A second click closes it.
    await row(orange).locator('td.stage').click();
    await detail.waitFor({ state: 'detached' });
    await row(orange).locator('.topic-toggle').click();
    await detail.locator('.topic-detail-box').waitFor({ state: 'visible', timeout: 10_000 });

    // 「建立事件」: the new incident's page, linked to the topic.
    await detail.locator('button.make-incident').click();
    await page.waitForURL(/#\/incidents\/\d+$/, { timeout: 10_000 });
    const incidentId = Number(/#\/incidents\/(\d+)$/.exec(page.url())?.[1]);
    expect(incidentId).toBeGreaterThan(0);
    await page.locator('#incident-view').waitFor({ state: 'visible' });
    const linked = page.locator('#incident-detail .linked-topic');
    await linked.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await linked.textContent()).toContain('某地民警执法视频');
    const links = (await t.db.query<{ kind: string; target_id: number }>('SELECT kind, target_id FROM incident_links WHERE incident_id = $1', [incidentId])).rows;
    expect(links.map((l) => ({ kind: l.kind, id: Number(l.target_id) }))).toEqual([{ kind: 'topic', id: orange }]);
    const inc = (await t.db.query<{ title: string; level: string }>('SELECT title, level FROM incidents WHERE id = $1', [incidentId])).rows[0];
    expect(inc).toEqual({ title: '某地民警执法视频', level: 'orange' });

    // The incident's topic link leads back to the topic, opened.
    await linked.locator('a.topic-link').click();
    await page.waitForURL(new RegExp(`#/topics/${orange}$`));
    await page.locator(`#topics-body tr.topic-detail[data-topic-id="${orange}"] .topic-detail-box`).waitFor({ state: 'visible', timeout: 10_000 });

    expectCleanPage(rig.watch);
    await logout();
  });

  it('a leader sees the topics but cannot open an incident from one', async () => {
    await login('leader1');
    expect(await page.locator('#nav a:visible').allTextContents()).toContain('话题');
    await page.click('#nav a[data-view="topics"]');
    await row(orange).waitFor({ state: 'visible', timeout: 10_000 });
    expect(await row(orange).locator('td.stage').textContent()).toBe('扩散期');
    await row(orange).locator('.topic-toggle').click();
    const detail = page.locator(`#topics-body tr.topic-detail[data-topic-id="${orange}"]`);
    await detail.locator('.topic-detail-box').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await detail.locator('.story').count()).toBe(2);
    await detail.locator('.series-chart canvas').first().waitFor({ state: 'visible', timeout: 10_000 });
    expect(await detail.locator('.series-chart').getAttribute('data-hours')).toBe('1');
    expect(await detail.locator('button.make-incident').count()).toBe(0);
    expect(await page.locator('button:visible', { hasText: '建立事件' }).count()).toBe(0);
    expectCleanPage(rig.watch);
    await logout();
  });
});
