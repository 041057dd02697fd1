/**
 * The 信息源 view in a real browser: Debian's chromium driven by playwright-core, against the real
 * server (startApiServer on 127.0.0.1:0, a test schema) and a real feed server on 127.0.0.1. An
 * admin sees the failing source first with its error and the start of its failure streak, test-
 * fetches a feed (a failing address first: the reason in Chinese; then a working one: its entries)
 * and saves it, adds a catalogue template with its value, disables a source, edits one, deletes one
 * and imports an OPML file; a duty officer (pr) has no 信息源 in the navigation and is refused by the
 * API. No console errors, no page errors, no request to any host but the service; what the page
 * did is checked against the database.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it). Without it the
 * test is skipped, visibly, under a title that says so.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSource, insertSource, listSources, sourceInputSchema, type SourceInput } from '@yuqing/db';
import { expectCleanPage, hasChromium, skipTitle } from '../../../test/support/browser';
import { ok, startTestServer, status, type TestServer } from '../../../test/support/misbehaving-server';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { beijingText } from '../../../test/support/time';
import { makeCaller } from './auth-fixtures';
import { signIn, signOut, startPageRig, type PageRig } from './browser-fixtures';

const PASSWORD = 'sources-pass-1';
const HOUR = 3_600_000;
const FEED_TITLES = ['市公安局通报一起交通事故', '民警街头救助晕倒老人'];

describe.skipIf(!hasChromium)(skipTitle('sources view in headless Chromium'), () => {
  let t: TestEnv;
  let rig: PageRig;
  let page: Page;
  let feeds: TestServer;
  let healthy: number;
  let failing: number;
  let spare: number;
  const now = Date.now();
  const firstFailure = new Date(now - 2 * HOUR);
  const lastError = new Date(now - 15 * 60_000);

  async function seedSource(input: Partial<SourceInput>): Promise<number> {
    const s = await insertSource(t.db, sourceInputSchema.parse({ name: '未命名', url: 'https://unused.example.cn/rss', ...input }));
    if (!s) throw new Error('source not created');
    return s.id;
  }

  beforeAll(async () => {
    feeds = await startTestServer({
      '/feed.xml': ok(
        `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>测试公安网</title>` +
          FEED_TITLES.map((title, i) => `<item><title>${title}</title><link>https://news.example.cn/${i + 1}.html</link><pubDate>Tue, 01 Dec 2026 0${i + 8}:00:00 +0800</pubDate></item>`).join('') +
          '</channel></rss>',
        'application/rss+xml; charset=utf-8',
      ),
      '/gone.xml': status(404),
    });
    t = await createTestEnv('sourcesui');
    await makeCaller(t.db, 'admin1', 'admin', PASSWORD);
    await makeCaller(t.db, 'duty1', 'pr', PASSWORD);
    healthy = await seedSource({ name: '正常的新闻网', url: 'https://healthy.example.cn/rss.xml', authority: 2 });
    failing = await seedSource({ name: '故障的公安网', url: 'https://failing.example.cn/rss.xml' });
    spare = await seedSource({ name: '待删除的论坛', url: 'https://spare.example.cn/rss.xml', enabled: false });
    await t.db.query(`UPDATE sources SET last_success_at = $2, last_polled_at = $2 WHERE id = $1`, [healthy, new Date(now - 10 * 60_000)]);
    await t.db.query(
      `UPDATE sources SET status = 'failing', consecutive_errors = 3, last_success_at = $2, last_polled_at = $3,
         last_error = 'http_error: HTTP 503 Service Unavailable', last_error_at = $3 WHERE id = $1`,
      [failing, new Date(now - 3 * HOUR), lastError],
    );
    for (const [at, outcome] of [
      [new Date(now - 3 * HOUR), 'ok'],
      [firstFailure, 'http_error'],
      [new Date(now - HOUR), 'http_error'],
      [lastError, 'http_error'],
    ] as const) {
      await t.db.query(`INSERT INTO fetch_log (source_id, at, outcome, http_status, error) VALUES ($1, $2, $3, 503, 'HTTP 503')`, [failing, at, outcome]);
    }
    for (const i of [1, 2]) {
      await t.db.query(`INSERT INTO items (source_id, url, url_hash, origin, title, published_at, fetched_at) VALUES ($1, $2, $3, 'crawl', '条目', $4, $4)`, [
        healthy,
        `https://healthy.example.cn/${i}.html`,
        `sources-ui-${i}`,
        new Date(now - i * HOUR),
      ]);
    }
    rig = await startPageRig(t, { env: { DIGEST_ENABLED: 'false', RSSHUB_URL: 'http://127.0.0.1:9' } });
    page = rig.page;
  });

  afterAll(async () => {
    await rig?.close();
    await feeds?.close();
    await t?.cleanup();
  });

  const row = (id: number) => page.locator(`#sources-body tr.source-row[data-source-id="${id}"]`);
  const rowNamed = (name: string) => page.locator('#sources-body tr.source-row', { has: page.locator('td.src-name .title', { hasText: name }) });
  const shownIds = async (): Promise<number[]> =>
    (await page.locator('#sources-body tr.source-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-source-id')))).map(Number);

  it('an admin sees the failing source first, adds one after a test fetch, adds from the catalogue, disables, edits, deletes and imports', async () => {
    await signIn(page, rig.url, 'admin1', PASSWORD);
    expect(await page.locator('#nav a:visible').allTextContents()).toContain('信息源');
    await page.click('#nav a[data-view="sources"]');
    await page.locator('#sources-view').waitFor({ state: 'visible' });
    await row(failing).waitFor({ state: 'visible', timeout: 10_000 });

    // Failing first, then the healthy one, the disabled one last.
    expect(await shownIds()).toEqual([failing, healthy, spare]);
    const f = row(failing);
    expect(await f.locator('.health').textContent()).toBe('故障');
    expect(await f.locator('.streak').textContent()).toBe('连续失败 3 次');
    expect(await f.locator('td.src-error .error-text').textContent()).toBe('http_error: HTTP 503 Service Unavailable');
    expect(await f.locator('td.src-error .time').textContent()).toBe(beijingText(lastError).slice(0, 16));
    expect(await f.locator('td.failing-since div').first().textContent()).toBe(beijingText(firstFailure).slice(0, 16));
    expect(await f.locator('td.failing-since .summary').textContent()).toMatch(/^已持续 (2小时|1小时59分钟)$/);
    expect(await f.locator('td.last-success div').first().textContent()).toBe(beijingText(new Date(now - 3 * HOUR)).slice(0, 16));
    const h = row(healthy);
    expect(await h.locator('.health').textContent()).toBe('正常');
    expect(await h.locator('td.items24h').textContent()).toBe('2');
    expect(await h.locator('td.failing-since').textContent()).toBe('—');
    expect(await h.locator('td.src-name .summary').textContent()).toBe('每 10 分钟 · 权重 2');
    // The 7-day chart: today's bar (Beijing day) holds the two items.
    const titles = await h.locator('svg.spark rect title').allTextContents();
    expect(titles).toHaveLength(7);
    expect(titles.filter((x) => !x.endsWith('：0 条'))).toEqual(
      [...new Set([now - HOUR, now - 2 * HOUR].map((x) => beijingText(new Date(x)).slice(0, 10)))].sort().map((d, _i, all) => `${d}：${all.length === 1 ? 2 : 1} 条`),
    );
    expect(await row(spare).locator('.health').textContent()).toBe('停用');
    expect(await row(spare).locator('td.next-poll').textContent()).toBe('—');
    expect(await page.locator('#src-summary').textContent()).toBe('共 3 个 · 正常 1 · 故障 1 · 停用 1');

    // 添加信息源: nothing can be saved while the form is empty.
    await page.click('#src-open-add');
    await page.locator('#src-add').waitFor({ state: 'visible' });
    expect(await page.locator('#sa-save').isDisabled()).toBe(true);
    // A test fetch of an address that fails: the reason in Chinese.
    await page.fill('#sa-url', `${feeds.url}/gone.xml`);
    await page.click('#sa-test');
    await page.locator('#sa-preview .preview-error').waitFor({ state: 'visible', timeout: 15_000 });
    expect(await page.locator('#sa-preview .preview-error').textContent()).toBe('测试抓取失败：网站返回了错误状态（HTTP 404）');
    // The working feed: its entries, before anything is saved.
    await page.fill('#sa-url', `${feeds.url}/feed.xml`);
    expect(await page.locator('#sa-preview').isHidden()).toBe(true);
    await page.click('#sa-test');
    await page.locator('#sa-preview .preview-entry').first().waitFor({ state: 'visible', timeout: 15_000 });
    expect(await page.locator('#sa-preview .preview-ok').textContent()).toContain('解析出 2 条');
    expect(await page.locator('#sa-preview .preview-entry td.title').allTextContents()).toEqual(FEED_TITLES);
    expect(await page.locator('#sa-preview .preview-entry td.time').allTextContents()).toEqual(['2026-12-01 08:00', '2026-12-01 09:00']);
    expect(await page.locator('#sa-preview .preview-entry td.url a').first().getAttribute('href')).toBe('https://news.example.cn/1.html');
    expect((await listSources(t.db)).some((s) => s.url.startsWith(feeds.url))).toBe(false);
    // Still no name: not savable, and the form says why.
    expect(await page.locator('#sa-save').isDisabled()).toBe(true);
    expect(await page.locator('#sa-problems li').allTextContents()).toEqual(['请填写名称']);
    await page.fill('#sa-name', '测试公安网');
    await page.selectOption('#sa-interval', '30m');
    expect(await page.locator('#sa-save').isDisabled()).toBe(false);
    await page.click('#sa-save');
    await rowNamed('测试公安网').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('#src-add').isHidden()).toBe(true);
    expect(await page.locator('#src-done').textContent()).toBe('已添加信息源「测试公安网」，将立即开始抓取');
    const added = (await listSources(t.db)).find((s) => s.url === `${feeds.url}/feed.xml`);
    expect(added).toMatchObject({ name: '测试公安网', kind: 'rss', pollIntervalSeconds: 1800, enabled: true });
    expect(await rowNamed('测试公安网').locator('td.next-poll').textContent()).toBe('待抓取');
    const audit = await t.db.query(`SELECT actor_name FROM audit_log WHERE action = 'source.add' AND entity_id = $1`, [String(added!.id)]);
    expect(audit.rows).toEqual([{ actor_name: 'admin1' }]);

    // 从目录添加: the RSSHub instance, the catalogue by category, a template with its value.
    await page.click('#src-open-catalogue');
    const keyword = page.locator('.cat-entry[data-entry-id="weibo-keyword"]');
    await keyword.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('#cat-rsshub .rsshub-instance').textContent()).toContain('http://127.0.0.1:9');
    expect(await page.locator('#cat-list .cat-group').count()).toBe(5);
    await page.selectOption('#cat-category', 'platform');
    expect(await page.locator('#cat-list .cat-group').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-category')))).toEqual(['platform']);
    expect(await keyword.locator('.needs').textContent()).toBe('需在 RSSHub 配置：WEIBO_COOKIES、浏览器（PUPPETEER）');
    expect(await page.locator('#cat-add').isDisabled()).toBe(true);
    // Checking a template without its value: not addable yet, and the page says what is missing.
    await keyword.locator('input.cat-pick').check();
    expect(await page.locator('#cat-add').isDisabled()).toBe(true);
    expect(await page.locator('#cat-add-error').textContent()).toContain('需要填写');
    await keyword.locator('input.cat-param[data-param="keyword"]').fill('某区警方');
    expect(await page.locator('#cat-add').textContent()).toBe('添加所选（1）');
    await page.click('#cat-add');
    await page.locator('#cat-done').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('#cat-done').textContent()).toContain('已添加 1 个：微博关键词·某区警方');
    expect(await page.locator('#cat-done').textContent()).toContain('请确认 RSSHub 已配置：WEIBO_COOKIES、浏览器（PUPPETEER）');
    await rowNamed('微博关键词·某区警方').waitFor({ state: 'visible', timeout: 10_000 });
    // The route decoded for reading, as stored on hover.
    expect(await rowNamed('微博关键词·某区警方').locator('code.route').textContent()).toBe('/weibo/keyword/某区警方');
    expect(await rowNamed('微博关键词·某区警方').locator('code.route').getAttribute('title')).toBe(`/weibo/keyword/${encodeURIComponent('某区警方')}`);
    await expect.poll(async () => keyword.locator('.added-mark').textContent(), { timeout: 10_000 }).toBe('已添加 1 个');
    const fromCatalogue = (await listSources(t.db)).find((s) => s.catalogueId === 'weibo-keyword');
    expect(fromCatalogue).toMatchObject({ kind: 'rsshub', url: `rsshub:/weibo/keyword/${encodeURIComponent('某区警方')}`, enabled: true });
    await page.click('#cat-close');

    // 停用 the new feed.
    const mine = rowNamed('测试公安网');
    expect(await mine.locator('button.toggle').textContent()).toBe('停用');
    await mine.locator('button.toggle').click();
    await expect.poll(async () => mine.locator('.health').textContent(), { timeout: 10_000 }).toBe('停用');
    expect((await getSource(t.db, added!.id))?.enabled).toBe(false);
    expect(await mine.locator('button.toggle').textContent()).toBe('启用');

    // 编辑: the weight and interval of the healthy source.
    await row(healthy).locator('button.edit').click();
    const edit = page.locator(`#sources-body tr.source-edit[data-source-id="${healthy}"]`);
    await edit.waitFor({ state: 'visible' });
    await edit.locator('input[type="number"]').fill('3');
    await edit.locator('select').selectOption('1h');
    await edit.locator('button.save').click();
    await expect.poll(async () => row(healthy).locator('td.src-name .summary').textContent(), { timeout: 10_000 }).toBe('每 1 小时 · 权重 3');
    expect(await getSource(t.db, healthy)).toMatchObject({ authority: 3, pollIntervalSeconds: 3600 });
    expect(await page.locator('#src-done').textContent()).toBe('已保存「正常的新闻网」的设置');

    // 删除 the spare source, after the confirmation.
    page.once('dialog', (d) => void d.accept());
    await row(spare).locator('button.remove').click();
    await row(spare).waitFor({ state: 'detached', timeout: 10_000 });
    expect(await getSource(t.db, spare)).toBeNull();
    expect(await page.locator('#src-done').textContent()).toBe('已删除「待删除的论坛」（已采集的条目保留）');

    // 导入 OPML: a feed reader's export, one feed new and one already there.
    await page.click('#src-open-import');
    await page.setInputFiles('#imp-file', {
      name: 'feeds.opml',
      mimeType: 'text/xml',
      buffer: Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><head><title>订阅</title></head><body>
        <outline text="法治日报" xmlUrl="https://legal.example.cn/rss.xml"/><outline text="已有" xmlUrl="https://healthy.example.cn/rss.xml"/></body></opml>`,
      ),
    });
    await page.click('#imp-submit');
    await page.locator('#imp-done').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('#imp-done').textContent()).toBe('导入完成：OPML 共 2 项，新增 1 个，已存在 1 个（保持原有设置）。');
    await rowNamed('法治日报').waitFor({ state: 'visible', timeout: 10_000 });
    // The feed already watched keeps its settings.
    expect((await getSource(t.db, healthy))?.authority).toBe(3);

    // The failing source is still first.
    expect((await shownIds())[0]).toBe(failing);
    expectCleanPage(rig.watch);
    await signOut(page);
  });

  it('a duty officer (pr) has no 信息源 view and the API refuses them', async () => {
    await signIn(page, rig.url, 'duty1', PASSWORD);
    const nav = await page.locator('#nav a:visible').allTextContents();
    expect(nav.length).toBeGreaterThan(0);
    expect(nav.some((x) => x.includes('信息源'))).toBe(false);
    // Typing the address leads to a view the role may use instead.
    await page.goto(`${rig.url}/#/sources`);
    await page.waitForURL(/#\/alerts$/, { timeout: 10_000 });
    expect(await page.locator('#sources-view').isHidden()).toBe(true);
    expect(await page.locator('#sources-body tr').count()).toBe(0);
    // The browser's own session (cookie) against the API: 403 for reading and for writing.
    const read = await page.request.get(`${rig.url}/api/sources/health`);
    expect(read.status()).toBe(403);
    expect((await read.json()).error.code).toBe('FORBIDDEN');
    const write = await page.request.post(`${rig.url}/api/sources`, { data: { name: '值班员添加', url: 'https://pr.example.cn/rss' } });
    expect(write.status()).toBe(403);
    expect((await listSources(t.db)).some((s) => s.name === '值班员添加')).toBe(false);
    expectCleanPage(rig.watch);
    await signOut(page);
  });
});
