/**
 * 监测方案 in a real browser (Debian's chromium driven by playwright-core) against the real server
 * (startApiServer on 127.0.0.1:0, a test schema, the sample jurisdiction gazetteer): an admin adds a
 * catalogue source in 信息源 and sees its health, then builds a monitoring scheme — a place from the
 * gazetteer, typed subject, event and exclusion words, the jurisdiction box, the Weibo search — sees
 * its 预览 of the last 7 days, saves it and sees the generated keyword-search sources with their
 * health (a failing one with its error); an analyst edits the scheme (a word out, a word in) and
 * disables it; a duty officer (pr) has neither the sources nor the schemes editor and is refused by
 * the API. No console errors, no page errors, no request to any other host; what the page did is
 * checked against the database.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`); without it the test is skipped, visibly.
 */
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getScheme, getSource, listSchemes, listSources } from '@yuqing/db';
import { expectCleanPage, hasChromium, skipTitle } from '../../../test/support/browser';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { makeCaller } from './auth-fixtures';
import { signIn, signOut, startPageRig, type PageRig } from './browser-fixtures';
import { seedAnalysis, seedItem } from './read-fixtures';

const PASSWORD = 'schemes-pass-1';
const GAZETTEER = fileURLToPath(new URL('../../../packages/nlp/data/dict/jurisdiction.sample.json', import.meta.url));
const HOUR = 3_600_000;
const enc = (k: string) => `rsshub:/weibo/keyword/${encodeURIComponent(k)}`;

describe.skipIf(!hasChromium)(skipTitle('schemes view in headless Chromium'), () => {
  let t: TestEnv;
  let rig: PageRig;
  let page: Page;

  beforeAll(async () => {
    t = await createTestEnv('schemesui');
    await makeCaller(t.db, 'admin1', 'admin', PASSWORD);
    await makeCaller(t.db, 'analyst1', 'analyst', PASSWORD);
    await makeCaller(t.db, 'duty1', 'pr', PASSWORD);
    const now = Date.now();
    for (const [title, ago, negative] of [
      ['青石派出所民警打人视频引关注', 3 * HOUR, true],
      ['白沙派出所通报：民警打人一事正在调查', 26 * HOUR, false],
      ['青石派出所演习中模拟打人场景', 5 * HOUR, false],
      ['青石派出所民警打人旧闻', 9 * 24 * HOUR, true],
    ] as const) {
      const id = await seedItem(t.db, { title, text: title, sourceName: '测试微博', publishedAt: new Date(now - ago) });
      await seedAnalysis(t.db, id, { policeRelated: true, policeNegative: negative });
    }
    rig = await startPageRig(t, { env: { DIGEST_ENABLED: 'false', RSSHUB_URL: 'http://127.0.0.1:9', JURISDICTION_FILE: GAZETTEER } });
    page = rig.page;
  });

  afterAll(async () => {
    await rig?.close();
    await t?.cleanup();
  });

  const srcRowNamed = (name: string) => page.locator('#sources-body tr.source-row', { has: page.locator('td.src-name .title', { hasText: name }) });
  const schemeRow = (id: number) => page.locator(`#schemes-body tr.scheme-row[data-scheme-id="${id}"]`);
  const tags = (list: string) => page.locator(`.tag-input[data-list="${list}"]`);
  const chips = (list: string) => tags(list).locator('.chip .chip-text').allTextContents();
  const typeWords = async (list: string, text: string) => {
    await tags(list).locator('input').fill(text);
    await tags(list).locator('input').press('Enter');
  };

  it('an admin adds a catalogue source and a monitoring scheme with a preview, and sees their health', async () => {
    await signIn(page, rig.url, 'admin1', PASSWORD);
    const nav = await page.locator('#nav a:visible').allTextContents();
    expect(nav).toContain('监测方案');
    expect(nav).toContain('信息源');

    // 信息源 → 从目录添加: a catalogue feed, then its health in the list.
    await page.click('#nav a[data-view="sources"]');
    await page.locator('#sources-view').waitFor({ state: 'visible' });
    await page.click('#src-open-catalogue');
    const entry = page.locator('.cat-entry[data-entry-id="chinanews-society"]');
    await entry.waitFor({ state: 'visible', timeout: 10_000 });
    await entry.locator('input.cat-pick').check();
    await page.click('#cat-add');
    await page.locator('#cat-done').waitFor({ state: 'visible', timeout: 10_000 });
    const added = (await listSources(t.db)).find((s) => s.catalogueId === 'chinanews-society');
    expect(added).toBeDefined();
    await page.click('#cat-close');
    const feedRow = srcRowNamed(added!.name);
    await feedRow.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await feedRow.locator('.health').textContent()).toBe('正常');
    expect(await feedRow.locator('td.next-poll').textContent()).toBe('待抓取');
    await t.db.query(`UPDATE sources SET status = 'failing', consecutive_errors = 5, last_error = 'http_error: HTTP 502', last_error_at = now() WHERE id = $1`, [added!.id]);
    await page.click('#src-refresh');
    await expect.poll(async () => feedRow.locator('.health').textContent(), { timeout: 10_000 }).toBe('故障');
    expect(await feedRow.locator('td.src-error .error-text').textContent()).toBe('http_error: HTTP 502');

    // 监测方案 → 新建方案.
    await page.click('#nav a[data-view="schemes"]');
    await page.locator('#schemes-view').waitFor({ state: 'visible' });
    await page.locator('#schemes-empty').waitFor({ state: 'visible', timeout: 10_000 });
    await page.click('#sch-new');
    await page.locator('#sch-editor').waitFor({ state: 'visible' });
    expect(await page.locator('#se-save').isDisabled()).toBe(true);
    // A place from the gazetteer, by a click; its alias too is offered.
    const suggestion = page.locator('#se-gazetteer button.suggest[data-place="青石"]');
    await suggestion.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('#se-gazetteer button.suggest[data-place="青石区"]').count()).toBe(1);
    await suggestion.click();
    expect(await chips('placeWords')).toEqual(['青石']);
    expect(await suggestion.isDisabled()).toBe(true);
    // Typed words: several at once (separated), a duplicate ignored, a word too long refused with the reason.
    await typeWords('placeWords', '白沙 青石');
    expect(await chips('placeWords')).toEqual(['青石', '白沙']);
    await typeWords('subjectWords', '派出所');
    await typeWords('eventWords', '打人');
    await typeWords('eventWords', '长'.repeat(41));
    expect(await page.locator('#se-problem-eventWords').textContent()).toContain('超过 40 个字');
    expect(await chips('eventWords')).toEqual(['打人']);
    await typeWords('excludeWords', '演习');
    // Still no name: not savable, and the form says why.
    expect(await page.locator('#se-problems li').allTextContents()).toEqual(['请填写方案名称']);
    expect(await page.locator('#se-save').isDisabled()).toBe(true);
    await page.fill('#se-name', '青石辖区涉警');
    await page.check('#se-jurisdiction');
    await page.check('#se-routes input.se-route[value="weibo"]');
    expect(await page.locator('#se-routes').textContent()).toContain('需在 RSSHub 配置：WEIBO_COOKIES、浏览器（PUPPETEER）');

    // 预览: the last 7 days (the exercise and the old item left out).
    await page.click('#se-preview-btn');
    await page.locator('#se-preview .preview-total').waitFor({ state: 'visible', timeout: 15_000 });
    expect(await page.locator('#se-preview .preview-total').textContent()).toMatch(/将命中 2 条，其中涉警负面 1 条$/);
    expect(await page.locator('#se-preview .preview-items .item-head a.title').allTextContents()).toEqual(['青石派出所民警打人视频引关注', '白沙派出所通报：民警打人一事正在调查']);
    expect(await page.locator('#se-preview .preview-items li').first().locator('.flag-negative').textContent()).toBe('涉警负面');
    expect(await page.locator('#se-preview .preview-items li').first().locator('.summary').textContent()).toBe('测试微博 · 命中：青石、派出所、打人');
    expect(await page.locator('#se-preview .preview-searches').textContent()).toBe('保存后将生成检索：微博关键词搜索 2 个（青石 派出所、白沙 派出所）');
    expect(await page.locator('#se-preview .preview-day').count()).toBe(7);
    expect((await listSchemes(t.db)).length).toBe(0);

    await page.click('#se-save');
    await page.locator('#sch-done').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('#sch-done').textContent()).toBe('已新建监测方案「青石辖区涉警」：新建检索信息源 2 个');
    expect(await page.locator('#sch-editor').isHidden()).toBe(true);
    const [scheme] = await listSchemes(t.db);
    expect(scheme).toMatchObject({
      name: '青石辖区涉警',
      enabled: true,
      jurisdiction: true,
      match: 'all',
      placeWords: ['青石', '白沙'],
      subjectWords: ['派出所'],
      eventWords: ['打人'],
      excludeWords: ['演习'],
      sources: ['weibo'],
      createdByName: 'admin1',
    });
    const row = schemeRow(scheme!.id);
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await row.locator('.sch-source-summary').textContent()).toBe('2 个 · 待抓取 2');
    expect(await row.locator('.sch-source .sch-keyword').allTextContents()).toEqual(['微博关键词搜索：青石 派出所', '微博关键词搜索：白沙 派出所']);
    expect(await row.locator('.tags .tag').allTextContents()).toEqual(['本辖区', '全部类别', '微博关键词搜索']);
    expect(await row.locator('.words-placeWords').textContent()).toBe('地域词：青石、白沙');

    // The crawler's verdicts arrive: one source fails, one succeeds.
    const generated = (await listSources(t.db)).filter((s) => s.kind === 'rsshub');
    const failing = generated.find((s) => s.url === enc('白沙 派出所'))!;
    const healthy = generated.find((s) => s.url === enc('青石 派出所'))!;
    await t.db.query(
      `UPDATE sources SET status = 'failing', consecutive_errors = 5, last_polled_at = now(), last_error = 'route error: 微博需要登录 Cookie', last_error_at = now() WHERE id = $1`,
      [failing.id],
    );
    await t.db.query(`UPDATE sources SET last_polled_at = now(), last_success_at = now() WHERE id = $1`, [healthy.id]);
    await page.click('#sch-refresh');
    await expect.poll(async () => row.locator('.sch-source-summary').textContent(), { timeout: 10_000 }).toBe('2 个 · 正常 1 · 故障 1');
    const bad = row.locator(`.sch-source[data-source-id="${failing.id}"]`);
    expect(await bad.locator('.health').textContent()).toBe('故障');
    expect(await bad.locator('.sch-source-error').textContent()).toBe('route error: 微博需要登录 Cookie');
    expect(await row.locator(`.sch-source[data-source-id="${healthy.id}"] .health`).textContent()).toBe('正常');
    // Opened: each source's health in full.
    await row.locator('button.scheme-toggle').click();
    const detail = page.locator(`#schemes-body tr.scheme-detail[data-scheme-id="${scheme!.id}"]`);
    await detail.locator('.sch-source-row').first().waitFor({ state: 'visible', timeout: 10_000 });
    expect(await detail.locator(`.sch-source-row[data-source-id="${failing.id}"] .error-text`).textContent()).toBe('route error: 微博需要登录 Cookie');
    expect(await detail.locator(`.sch-source-row[data-source-id="${failing.id}"] .summary`).first().textContent()).toBe('连续失败 5 次');
    expect(await detail.locator(`.sch-source-row[data-source-id="${healthy.id}"] code.route`).textContent()).toBe('/weibo/keyword/青石 派出所');
    expect(await detail.locator('.needs').textContent()).toContain('WEIBO_COOKIES');

    // The generated sources are sources like any other: 信息源 lists them.
    await page.click('#sch-sources-link');
    await page.locator('#sources-view').waitFor({ state: 'visible' });
    await srcRowNamed('青石辖区涉警·微博关键词搜索·白沙 派出所').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await srcRowNamed('青石辖区涉警·微博关键词搜索·白沙 派出所').locator('.health').textContent()).toBe('故障');
    expectCleanPage(rig.watch);
    await signOut(page);
  });

  it('an analyst edits the scheme and disables it; the generated sources follow', async () => {
    const [scheme] = await listSchemes(t.db);
    await signIn(page, rig.url, 'analyst1', PASSWORD);
    const nav = await page.locator('#nav a:visible').allTextContents();
    expect(nav).toContain('监测方案');
    expect(nav).not.toContain('信息源');
    await page.click('#nav a[data-view="schemes"]');
    const row = schemeRow(scheme!.id);
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('#sch-sources-link').isHidden()).toBe(true);
    await row.locator('button.edit').click();
    await page.locator('#sch-editor').waitFor({ state: 'visible' });
    expect(await page.locator('#se-name').inputValue()).toBe('青石辖区涉警');
    expect(await chips('placeWords')).toEqual(['青石', '白沙']);
    expect(await page.locator('#se-jurisdiction').isChecked()).toBe(true);
    expect(await page.locator('#se-routes input.se-route[value="weibo"]').isChecked()).toBe(true);
    await tags('placeWords').locator('.chip[data-word="白沙"] button.chip-remove').click();
    await typeWords('subjectWords', '民警');
    await page.click('#se-save');
    await expect.poll(async () => (await getScheme(t.db, scheme!.id))?.subjectWords, { timeout: 10_000 }).toEqual(['派出所', '民警']);
    expect(await page.locator('#sch-done').textContent()).toBe('已保存监测方案「青石辖区涉警」：新建检索信息源 1 个，删除 1 个');
    expect((await getScheme(t.db, scheme!.id))).toMatchObject({ placeWords: ['青石'], updatedByName: 'analyst1' });
    const urls = (await listSources(t.db)).filter((s) => s.kind === 'rsshub').map((s) => s.url).sort();
    expect(urls).toEqual([enc('青石 派出所'), enc('青石 民警')].sort());
    await expect.poll(async () => row.locator('.sch-source .sch-keyword').allTextContents(), { timeout: 10_000 }).toEqual(['微博关键词搜索：青石 派出所', '微博关键词搜索：青石 民警']);

    // 停用: the scheme and its sources.
    await row.locator('button.toggle').click();
    await expect.poll(async () => row.locator('.sch-status .health').textContent(), { timeout: 10_000 }).toBe('停用');
    expect((await getScheme(t.db, scheme!.id))?.enabled).toBe(false);
    for (const s of (await listSources(t.db)).filter((x) => x.kind === 'rsshub')) expect((await getSource(t.db, s.id))?.enabled).toBe(false);
    expect(await row.locator('.sch-source-summary').textContent()).toBe('2 个 · 停用 2');
    expectCleanPage(rig.watch);
    await signOut(page);
  });

  it('a duty officer (pr) sees neither the sources nor the schemes editor, and the API refuses them', async () => {
    await signIn(page, rig.url, 'duty1', PASSWORD);
    const nav = await page.locator('#nav a:visible').allTextContents();
    expect(nav.length).toBeGreaterThan(0);
    expect(nav.some((x) => x.includes('监测方案') || x.includes('信息源'))).toBe(false);
    await page.goto(`${rig.url}/#/schemes`);
    await page.waitForURL(/#\/alerts$/, { timeout: 10_000 });
    expect(await page.locator('#schemes-view').isHidden()).toBe(true);
    expect(await page.locator('#sch-editor').isHidden()).toBe(true);
    expect(await page.locator('#schemes-body tr').count()).toBe(0);
    await page.goto(`${rig.url}/#/sources`);
    await page.waitForURL(/#\/alerts$/, { timeout: 10_000 });
    expect(await page.locator('#src-add').isHidden()).toBe(true);
    const before = await listSchemes(t.db);
    const write = await page.request.post(`${rig.url}/api/schemes`, { data: { name: '值班员方案', placeWords: ['青石'] } });
    expect(write.status()).toBe(403);
    expect((await write.json()).error.code).toBe('FORBIDDEN');
    const preview = await page.request.post(`${rig.url}/api/schemes/preview`, { data: { placeWords: ['青石'] } });
    expect(preview.status()).toBe(403);
    expect(await listSchemes(t.db)).toEqual(before);
    expectCleanPage(rig.watch);
    await signOut(page);
  });
});
