/**
 * 传播 (how a topic spread) in a real browser: Debian's chromium driven by playwright-core, against
 * the real server and a test schema. A leader opens a topic whose items came from three sources over
 * three Beijing hours, with two stories and two level changes: the stacked chart per hour by source
 * is drawn (canvas) and described (aria-label: the hours and the sources), its tooltip gives a level
 * change's time and reason (escaped: a reason with markup shows as text), the stories are listed
 * biggest first with the first poster (首发: who, where, when in Beijing time) and the amplifiers in
 * order of reach. A topic without any story shows the empty state instead. Screenshots at 1366×768
 * and 1920×1080; nothing wider than the window at 1366; no console errors, no other hosts.
 *
 * Needs /usr/bin/chromium; without it the test is skipped, visibly.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCleanPage, hasChromium, saveScreenshot, skipTitle } from '../../../test/support/browser';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { beijingText } from '../../../test/support/time';
import { makeCaller } from './auth-fixtures';
import { signIn, startPageRig, type PageRig } from './browser-fixtures';
import { seedItem } from './read-fixtures';

const PASSWORD = 'spread-pass-1';
/** 10:05 Beijing: the first post. */
const T0 = new Date('2025-06-03T02:05:00Z');
const at = (min: number) => new Date(T0.getTime() + min * 60_000);
const TOPIC = 880;
const EMPTY_TOPIC = 881;
const REASON_BLUE = '涉警负面 2 条，1 小时内 3 条';
/** Crawled words end up in reasons (a topic's title, a place): markup in them must stay text. */
const REASON_YELLOW = '新闻网跟进报道 <img src=x> 转发增长 3 倍';

describe.skipIf(!hasChromium)(skipTitle('topic spread in headless Chromium'), () => {
  let t: TestEnv;
  let rig: PageRig;
  let page: Page;

  beforeAll(async () => {
    t = await createTestEnv('topicspreadui');
    await makeCaller(t.db, 'leader1', 'leader', PASSWORD);
    // Story A: 城南网友 on 微博 first (10:05), then 本地大V (10:45, biggest reach) and a reporter (11:15).
    const root = await seedItem(t.db, { title: '某路口民警执法视频', author: '城南网友', sourceName: '微博', publishedAt: at(0), url: 'https://weibo.example.cn/1' });
    const bigV = await seedItem(t.db, { title: '转发：执法视频', author: '本地大V', sourceName: '微博', publishedAt: at(40), url: 'https://weibo.example.cn/2' });
    const news = await seedItem(t.db, { title: '记者调查', author: '都市报记者', sourceName: '新闻网', publishedAt: at(70), url: 'https://news.example.cn/3' });
    // Story B: a forum thread at 12:15, echoed on 微博 at 12:30.
    const forum = await seedItem(t.db, { title: '论坛讨论帖', author: '网友乙', sourceName: '论坛', publishedAt: at(130), url: 'https://bbs.example.cn/4' });
    const echo = await seedItem(t.db, { title: '论坛帖搬运', author: '搬运号', sourceName: '微博', publishedAt: at(145), url: 'https://weibo.example.cn/5' });
    await t.db.query(
      `INSERT INTO topics (id, status, title, keywords, created_at, last_at, items, stories, police_related, police_negative, negative, reach,
         jurisdiction_hits, sources, places, categories, stage, level, auto_level, state)
       VALUES ($1, 'open', '路口执法视频', ARRAY['民警','执法'], $2, $3, 5, 2, 5, 3, 3, 40, 0, ARRAY['微博','新闻网','论坛'], '{}', '{}', '扩散期', 'yellow', 'yellow', '{}'),
              ($4, 'open', '刚出现的话题', ARRAY['警情'], $2, $2, 0, 0, 0, 0, 0, 0, 0, ARRAY[]::text[], '{}', '{}', '发生期', 'blue', 'blue', '{}')`,
      [TOPIC, at(0), at(145), EMPTY_TOPIC],
    );
    // The amplifiers as the topic stage stores them — not in reach order, so the page's order is its own.
    await t.db.query(
      `INSERT INTO stories (id, topic_id, root, root_hash, simhash, first_item_id, first_at, first_source, last_at, items, amplifiers)
       VALUES (8801, $1, 'r1', 1, '0', $2, $3, '微博', $4, 3, $5::jsonb), (8802, $1, 'r2', 2, '0', $6, $7, '论坛', $8, 2, $9::jsonb)`,
      [
        TOPIC,
        root,
        at(0),
        at(70),
        JSON.stringify([
          { itemId: String(news), source: '新闻网', weight: 3.1, followers: null },
          { itemId: String(bigV), source: '微博', weight: 9.5, followers: 250000 },
        ]),
        forum,
        at(130),
        at(145),
        JSON.stringify([{ itemId: String(echo), source: '微博', weight: 1.2, followers: 800 }]),
      ],
    );
    for (const [item, story] of [
      [root, 8801],
      [bigV, 8801],
      [news, 8801],
      [forum, 8802],
      [echo, 8802],
    ] as const)
      await t.db.query('INSERT INTO story_items (item_id, story_id, topic_id) VALUES ($1, $2, $3)', [item, story, TOPIC]);
    await t.db.query(
      `INSERT INTO topic_level_changes (topic_id, at, level, previous, automatic, applied, indicators, reason)
       VALUES ($1, $2, 'blue', 'none', true, true, '{}', $3), ($1, $4, 'yellow', 'blue', true, true, '{}', $5)`,
      [TOPIC, at(45), REASON_BLUE, at(75), REASON_YELLOW],
    );
    rig = await startPageRig(t, { env: { DIGEST_ENABLED: 'false' } });
    page = rig.page;
  });

  afterAll(async () => {
    await rig?.close();
    await t?.cleanup();
  });

  const row = (id: number) => page.locator(`#topics-body tr.topic-row[data-topic-id="${id}"]`);
  const detail = (id: number) => page.locator(`#topics-body tr.topic-detail[data-topic-id="${id}"]`);

  /** The tooltip's text with the pointer at `fraction` of the chart's width (mid-height), '' when none shows. */
  async function tipAt(chart: ReturnType<Page['locator']>, fraction: number): Promise<string> {
    const box = await chart.boundingBox();
    if (!box) throw new Error('chart not laid out');
    await page.mouse.move(box.x + box.width * fraction, box.y + box.height * 0.6);
    const tip = chart.locator('.spread-tip');
    await page.waitForTimeout(150);
    return (await tip.count()) && (await tip.isVisible()) ? ((await tip.textContent()) ?? '') : '';
  }

  it('a leader sees how a topic spread: hours by source, level changes, first posters and amplifiers', async () => {
    await page.setViewportSize({ width: 1366, height: 768 });
    await signIn(page, rig.url, 'leader1', PASSWORD);
    await page.click('#nav a[data-view="topics"]');
    await row(TOPIC).waitFor({ state: 'visible', timeout: 10_000 });
    await row(TOPIC).locator('.topic-toggle').click();
    const spread = detail(TOPIC).locator('section.spread');
    await spread.waitFor({ state: 'visible', timeout: 10_000 });

    // The chart: drawn on canvas, three Beijing hours (10:00–13:00), the three sources most items first.
    const chart = spread.locator('.spread-chart');
    await chart.locator('canvas').first().waitFor({ state: 'visible', timeout: 10_000 });
    const firstHour = `${beijingText(T0).slice(0, 13)}:00`;
    const endHour = `${beijingText(at(175)).slice(0, 13)}:00`;
    const label = (await chart.getAttribute('aria-label')) ?? '';
    expect(label).toContain(`北京时间 ${firstHour} 至 ${endHour}，共 3 小时，5 条`);
    expect(label).toContain('按来源：微博、新闻网、论坛');
    expect(label).toContain('级别变化 2 次');
    expect(await chart.getAttribute('data-hours')).toBe('3');
    expect(await chart.getAttribute('data-level-changes')).toBe('2');
    const canvasWidth = await chart.locator('canvas').first().evaluate((c) => (c as unknown as { width: number }).width);
    expect(canvasWidth).toBeGreaterThan(600);

    // The stories, biggest first: story A (3 items) with 城南网友 first, then the amplifiers by reach.
    const stories = spread.locator('.spread-story');
    expect(await stories.count()).toBe(2);
    expect(await stories.evaluateAll((li) => li.map((x) => x.getAttribute('data-story-id')))).toEqual(['8801', '8802']);
    const a = stories.nth(0);
    const first = a.locator('.spread-first');
    expect(await first.locator('.label').textContent()).toBe('首发');
    expect(await first.locator('.who').textContent()).toBe('城南网友');
    expect(await first.locator('.where').textContent()).toBe('微博');
    expect(await first.locator('.when').textContent()).toBe(beijingText(T0));
    expect(await first.locator('a').getAttribute('href')).toBe('https://weibo.example.cn/1');
    const amps = a.locator('.spread-amp');
    expect(await amps.locator('.who').allTextContents()).toEqual(['本地大V', '都市报记者']);
    expect(await amps.locator('.where').allTextContents()).toEqual(['微博', '新闻网']);
    expect(await amps.nth(0).locator('.when').textContent()).toBe(`${beijingText(at(40))}（首发后 40分钟）`);
    expect(await amps.nth(1).locator('.when').textContent()).toBe(`${beijingText(at(70))}（首发后 1小时10分钟）`);
    expect(await amps.nth(0).locator('.reach').textContent()).toBe('影响力 9.5 · 粉丝 25万');
    expect(await stories.nth(1).locator('.spread-first .who').textContent()).toBe('网友乙');
    expect(await stories.nth(1).locator('.spread-amp .who').allTextContents()).toEqual(['搬运号']);

    // The level changes' reasons are on the page (the 级别变化 list), and the chart's tooltip of their
    // hour gives level, time and reason — the markup in a reason shown as text, not obeyed.
    expect(await detail(TOPIC).locator('.level-history .reason').allTextContents()).toEqual([REASON_BLUE, REASON_YELLOW]);
    const tips: string[] = [];
    for (const f of [0.2, 0.35, 0.5, 0.65, 0.8]) tips.push(await tipAt(chart, f));
    const blueTip = tips.find((x) => x.includes(REASON_BLUE));
    const yellowTip = tips.find((x) => x.includes(REASON_YELLOW));
    expect(blueTip, tips.join(' | ')).toContain(`${beijingText(at(45)).slice(11, 16)} 级别 无 → 蓝色`);
    expect(blueTip).toContain('微博：2 条');
    expect(yellowTip, tips.join(' | ')).toContain(`${beijingText(at(75)).slice(11, 16)} 级别 蓝色 → 黄色`);
    expect(await chart.locator('.spread-tip img').count()).toBe(0);

    // Usable at 1366×768: nothing wider than the window. The screenshot with the tooltip of 11:00 open.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1366);
    await spread.scrollIntoViewIfNeeded();
    expect(await tipAt(chart, 0.5)).toContain(REASON_YELLOW);
    await page.waitForTimeout(400);
    await saveScreenshot(page, 'topic-spread-1366');
    await page.mouse.move(0, 0);
    await chart.locator('.spread-tip').waitFor({ state: 'hidden' });
    await page.setViewportSize({ width: 1920, height: 1080 });
    await expect.poll(async () => chart.locator('canvas').first().evaluate((c) => (c as unknown as { width: number }).width), { timeout: 5_000 }).toBeGreaterThan(canvasWidth);
    await saveScreenshot(page, 'topic-spread-1920');
    expectCleanPage(rig.watch);
  });

  it('a topic without stories says so instead of an empty chart', async () => {
    await page.setViewportSize({ width: 1366, height: 768 });
    await row(EMPTY_TOPIC).waitFor({ state: 'visible', timeout: 10_000 });
    await row(EMPTY_TOPIC).locator('.topic-toggle').click();
    const spread = detail(EMPTY_TOPIC).locator('section.spread');
    await spread.locator('.hint', { hasText: '暂无传播数据' }).waitFor({ state: 'visible', timeout: 10_000 });
    expect(await spread.locator('.spread-chart').isHidden()).toBe(true);
    expect(await spread.locator('canvas').count()).toBe(0);
    expect(await spread.locator('.spread-story').count()).toBe(0);
    expectCleanPage(rig.watch);
  });
});
