/**
 * 态势总览 in a real browser (Debian's chromium driven by playwright-core) against the real server
 * and a seeded database. Every figure on the page is checked against counts this test makes itself
 * with its own SQL (Beijing days, the same hours a week ago, open warnings, places, incidents,
 * sources). A leader signs in and lands on it; a warning fired while the page is open shows up
 * without a reload. The duty-room screen mode: dark, the header gone, pages of panels rotating by
 * themselves, turned with ← →, held by 暂停轮播, left with Esc; with a screen token it outlives its
 * session (expired in the database) — and once the token is revoked it says 「大屏令牌已失效，请管理员
 * 重新配置」 and takes a new token from the login page. Screenshots at 1366×768 and 1920×1080 in both
 * modes.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it). Without it the
 * test is skipped, visibly, under a title that says so.
 */
import { appendAlertEvent, insertAlert, insertApiToken, insertSource, newApiToken, sourceInputSchema } from '@yuqing/db';
import { publishAlertEvents } from '@yuqing/queue';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCleanPage, hasChromium, saveScreenshot, skipTitle, watchPage } from '../../../test/support/browser';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { makeCaller, type Caller } from './auth-fixtures';
import { signIn, startPageRig, type PageRig } from './browser-fixtures';
import { seedAnalysis, seedItem } from './read-fixtures';

const PASSWORD = 'overview-leader-pass-1';
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const TOKEN_GONE = '大屏令牌已失效，请管理员重新配置';

// Run in the page (as strings: the tests are compiled without the DOM's types).
const isScreen = (p: Page): Promise<boolean> => p.evaluate<boolean>(`document.body.classList.contains('screen')`);
const storedToken = (p: Page): Promise<string | null> => p.evaluate<string | null>(`localStorage.getItem('yuqing.screenToken')`);

describe.skipIf(!hasChromium)(skipTitle('态势总览 and the duty-room screen in headless Chromium'), () => {
  let t: TestEnv;
  let rig: PageRig;
  let page: Page;
  let leader: Caller;
  let alertSeq = 0;

  async function item(at: Date, a: { related?: boolean; negative?: boolean; sentiment?: 'negative' | 'neutral'; places?: string[] } = {}): Promise<number> {
    const id = await seedItem(t.db, { publishedAt: at, fetchedAt: at });
    await seedAnalysis(t.db, id, { policeRelated: a.related ?? false, policeNegative: a.negative ?? false, sentiment: a.sentiment ?? 'neutral', jurisdictionHits: a.places ?? [] });
    return id;
  }

  /** An open topic whose one story holds these items. */
  async function topic(id: number, level: string, stage: string, reach: number, itemIds: number[]): Promise<void> {
    const now = new Date();
    await t.db.query(
      `INSERT INTO topics (id, status, title, keywords, created_at, last_at, items, stories, police_related, police_negative, negative, reach,
         jurisdiction_hits, sources, places, categories, stage, level, auto_level, state)
       VALUES ($1, 'open', $2, ARRAY['民警'], $3, $3, $4, 1, $4, 1, 1, $5, 0, ARRAY['微博'], '{}', '{}', $6, $7, $7, '{}')`,
      [id, `话题${id}：某派出所民警执法争议`, now, itemIds.length, reach, stage, level],
    );
    await t.db.query(`INSERT INTO stories (id, topic_id, root, root_hash, simhash, first_item_id, first_at, last_at, items) VALUES ($1, $2, 'r', $1, '0', $3, $4, $4, $5)`, [
      id * 10,
      id,
      itemIds[0],
      now,
      itemIds.length,
    ]);
    for (const i of itemIds) await t.db.query('INSERT INTO story_items (item_id, story_id, topic_id) VALUES ($1, $2, $3)', [i, id * 10, id]);
  }

  /** A firing opinion warning, appended and announced as the alerter does. */
  async function fire(level: 'blue' | 'yellow' | 'orange' | 'red', title = `新预警 ${++alertSeq}`): Promise<void> {
    const a = await insertAlert(t.db, { kind: 'topic', dedupKey: `ui-${++alertSeq}`, level, title });
    const e = await appendAlertEvent(t.db, { alertId: a!.id, type: 'firing', level, audienceRoles: ['admin', 'pr', 'analyst', 'leader'] });
    await publishAlertEvents(t.redis, t.cfg.QUEUE_PREFIX, [e.id]);
  }

  // --- what the page must show, counted here from the database ---
  const MIDNIGHT = `(date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai')`;

  async function periodCounts(from: string, to: string): Promise<{ items: number; related: number; negative: number; sentiment: number }> {
    const { rows } = await t.db.query<{ items: number; related: number; negative: number; sentiment: number }>(
      `SELECT count(*)::int AS items, count(*) FILTER (WHERE a.police_related)::int AS related,
              count(*) FILTER (WHERE a.police_related AND a.police_negative)::int AS negative,
              count(*) FILTER (WHERE a.sentiment = 'negative')::int AS sentiment
         FROM items i LEFT JOIN item_analysis a ON a.item_id = i.id
        WHERE i.published_at >= ${from} AND i.published_at < ${to}`,
    );
    return rows[0]!;
  }

  async function openByLevel(): Promise<Record<string, number>> {
    const { rows } = await t.db.query<{ level: string; n: number }>(`SELECT level, count(*)::int AS n FROM alerts WHERE kind = 'topic' AND state <> 'resolved' GROUP BY level`);
    return Object.fromEntries(['red', 'orange', 'yellow', 'blue'].map((l) => [l, rows.find((r) => r.level === l)?.n ?? 0]));
  }

  const visiblePanels = (): Promise<string[]> => page.locator('.ov-grid > .ov-panel:visible').evaluateAll((ps) => ps.map((p) => p.id.replace('ov-panel-', '')));
  const liveSessions = async (): Promise<number> =>
    (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND expires_at > now()', [leader.user.id])).rows[0]!.n;

  beforeAll(async () => {
    t = await createTestEnv('overviewui');
    leader = await makeCaller(t.db, 'leader1', 'leader', PASSWORD);
    const now = Date.now();
    const ago = (ms: number): Date => new Date(now - ms);

    // Today: minutes ago (whatever the hour, within today in Beijing unless run in the first minutes after midnight).
    const today = [
      await item(ago(3 * MIN), { related: true, negative: true, sentiment: 'negative', places: ['城关区'] }),
      await item(ago(6 * MIN), { related: true, negative: true, sentiment: 'negative', places: ['城关区', '七里河区'] }),
      await item(ago(9 * MIN), { related: true, places: ['安宁区'] }),
      await item(ago(12 * MIN), { sentiment: 'negative' }),
      await item(ago(15 * MIN)),
      await item(ago(18 * MIN), { related: true }),
    ];
    // The same hours a week ago, and one just after them (not counted).
    await item(ago(7 * DAY + 20 * MIN), { related: true, negative: true, sentiment: 'negative' });
    await item(ago(7 * DAY + 40 * MIN));
    await item(ago(7 * DAY - 30 * MIN), { related: true });
    // Earlier days of the 30, and one beyond them.
    const earlier: number[] = [];
    for (let d = 1; d <= 20; d += 3) earlier.push(await item(ago(d * DAY + 2 * HOUR), { related: d % 2 === 0, negative: d % 4 === 0, places: d < 7 ? ['城关区'] : [] }));
    await item(ago(45 * DAY), { related: true });

    // Rising topics: one orange spreading fast, one blue with a single item; one quiet (no items in 24 h).
    await topic(7001, 'orange', '扩散期', 36.5, [today[0]!, today[1]!, today[2]!, today[3]!]);
    await topic(7002, 'blue', '发生期', 2, [today[4]!]);
    await topic(7003, 'yellow', '消退期', 5, [earlier[earlier.length - 1]!]);

    // Warnings: two red (one acknowledged), one orange, two yellow, one resolved; a source alert (its own panel).
    for (const level of ['red', 'red', 'orange', 'yellow', 'yellow', 'blue'] as const) await insertAlert(t.db, { kind: 'topic', dedupKey: `seed-${++alertSeq}`, level, title: `${level} 预警 ${alertSeq}` });
    await t.db.query(`UPDATE alerts SET state = 'acknowledged' WHERE id = (SELECT min(id) FROM alerts WHERE level = 'red')`);
    await t.db.query(`UPDATE alerts SET state = 'resolved', resolved_at = now() WHERE level = 'blue'`);
    await insertAlert(t.db, { kind: 'source_health', dedupKey: 'seed-source', level: 'orange', title: '信源异常' });

    // Incidents: one overdue, one due later, one responded, one closed.
    for (const [title, status, dueHours] of [
      ['派出所民警执法视频（逾期）', 'new', -2],
      ['交警路口处置争议', 'handling', 5],
      ['已回应的事件', 'responded', -10],
      ['已结案的事件', 'closed', -30],
    ] as const) {
      await t.db.query(`INSERT INTO incidents (title, status, level, due_at, response_at, closed_at, created_by_name) VALUES ($1, $2, 'orange', $3, $4, $5, 'test')`, [
        title,
        status,
        new Date(now + dueHours * HOUR),
        status === 'responded' || status === 'closed' ? new Date(now) : null,
        status === 'closed' ? new Date(now) : null,
      ]);
    }

    // Sources: one failing, one failing but disabled, one fine.
    for (const [name, status, enabled] of [
      ['某市论坛', 'failing', true],
      ['停用的论坛', 'failing', false],
      ['市公安局官网', 'ok', true],
    ] as const) {
      const s = await insertSource(t.db, sourceInputSchema.parse({ name, url: `https://ovui.example.cn/${encodeURIComponent(name)}.xml`, enabled }));
      await t.db.query(
        `UPDATE sources SET status = $2, last_error = CASE WHEN $2 = 'failing' THEN '连接超时（30 秒）' END, last_error_at = now() - interval '20 minutes',
           consecutive_errors = CASE WHEN $2 = 'failing' THEN 7 ELSE 0 END WHERE id = $1`,
        [s!.id, status],
      );
    }

    // Credentials are checked every second (a session expired in the database ends the streams soon).
    rig = await startPageRig(t, { env: { DIGEST_ENABLED: 'false', SSE_REAUTH_MS: '1000', SSE_HEARTBEAT_MS: '5000' } });
    page = rig.page;
  });

  afterAll(async () => {
    await rig?.close();
    await t?.cleanup();
  });

  it('a leader signs in, lands on 态势, sees the database’s figures, and a new warning arrives without a reload', async () => {
    await page.setViewportSize({ width: 1366, height: 768 });
    await signIn(page, rig.url, 'leader1', PASSWORD);
    await page.locator('#overview-view').waitFor({ state: 'visible' });
    expect(new URL(page.url()).hash).toBe('#/overview');
    expect(await page.locator('#nav a.active').textContent()).toBe('态势');
    await expect.poll(() => page.locator('#ov-status').textContent(), { timeout: 15_000 }).toContain('实时');

    // Today against the same hours last week.
    const today = await periodCounts(MIDNIGHT, 'now()');
    const week = await periodCounts(`${MIDNIGHT} - interval '7 days'`, `now() - interval '7 days'`);
    expect(today.items).toBeGreaterThan(0);
    const values = await page.locator('.ov-kpi-value').allTextContents();
    const share = (c: typeof today) => `${(c.items ? (c.sentiment / c.items) * 100 : 0).toFixed(1)}%`;
    expect(values).toEqual([String(today.items), String(today.related), String(today.negative), share(today)]);
    expect(await page.locator('.ov-kpi-prev').allTextContents()).toEqual([week.items, week.related, week.negative, share(week)].map((v) => `上周同期 ${v}`));

    // 30 days: the chart says how many items it holds.
    const days30 = await periodCounts(`${MIDNIGHT} - interval '29 days'`, 'now()');
    await expect.poll(() => page.locator('#ov-trend-chart').getAttribute('aria-label')).toContain(`共 ${days30.items} 条`);
    expect(await page.locator('#ov-trend-chart canvas').count()).toBeGreaterThan(0);

    // Open warnings by level.
    const open = await openByLevel();
    for (const l of ['red', 'orange', 'yellow', 'blue']) expect(await page.locator(`#ov-level-${l}`).textContent(), l).toBe(String(open[l]));

    // Rising topics: those with items in the last 24 hours, most first, with their counts.
    const { rows: rising } = await t.db.query<{ id: string; n: number }>(
      `SELECT si.topic_id AS id, count(*)::int AS n FROM story_items si JOIN items i ON i.id = si.item_id JOIN topics tp ON tp.id = si.topic_id
        WHERE tp.status = 'open' AND i.published_at >= now() - interval '24 hours' GROUP BY si.topic_id ORDER BY n DESC, id`,
    );
    const rows = page.locator('.ov-topic-list li.ov-topic');
    expect(await rows.evaluateAll((ls) => ls.map((l) => Number(l.getAttribute('data-topic-id'))))).toEqual(rising.map((r) => Number(r.id)));
    for (const [k, r] of rising.entries()) expect(await rows.nth(k).locator('.ov-count').textContent()).toMatch(new RegExp(`^${r.n} 条`));
    expect(await rows.first().locator('.badge').textContent()).toBe('橙色');
    expect(await rows.first().locator('.ov-stage').textContent()).toBe('扩散期');
    expect(await rows.first().locator('.ov-spark-bar').count()).toBe(24);

    // Places of the jurisdiction in 7 days, ranked.
    const { rows: places } = await t.db.query<{ p: string; n: number }>(
      `SELECT p, count(*)::int AS n FROM items i JOIN item_analysis a ON a.item_id = i.id, unnest(a.jurisdiction_hits) p
        WHERE i.published_at >= now() - interval '7 days' AND i.published_at < now() GROUP BY p ORDER BY n DESC, p`,
    );
    const placesLabel = (await page.locator('#ov-places-chart').getAttribute('aria-label')) ?? '';
    const at = places.map((p) => placesLabel.indexOf(`${p.p} ${p.n} 条`));
    expect(at.every((i) => i >= 0), placesLabel).toBe(true);
    expect(at).toEqual([...at].sort((a, b) => a - b));

    // Incidents by status, the overdue one first.
    const { rows: statuses } = await t.db.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM incidents GROUP BY status');
    for (const s of ['new', 'assessing', 'handling', 'responded', 'closed']) expect(await page.locator(`#ov-status-${s}`).textContent(), s).toBe(String(statuses.find((x) => x.status === s)?.n ?? 0));
    const { rows: overdue } = await t.db.query<{ title: string }>(`SELECT title FROM incidents WHERE status IN ('new', 'assessing', 'handling') AND due_at < now() ORDER BY due_at`);
    expect(await page.locator('#ov-overdue').textContent()).toBe(`超时未回应 ${overdue.length} 件`);
    const first = page.locator('.ov-incident-list li.ov-incident').first();
    expect(await first.locator('.ov-row-title').textContent()).toBe(overdue[0]!.title);
    expect(await first.getAttribute('class')).toContain('overdue');
    expect(await first.locator('.ov-due').textContent()).toMatch(/^已超时 /);

    // Failing sources that are enabled.
    const { rows: failing } = await t.db.query<{ name: string }>(`SELECT name FROM sources WHERE enabled AND status = 'failing' ORDER BY name`);
    expect((await page.locator('.ov-source-list .ov-source .ov-row-title').allTextContents()).sort()).toEqual(failing.map((f) => f.name));
    expect(await page.locator('.ov-source-list .ov-source-error').first().textContent()).toBe('连接超时（30 秒）');

    await saveScreenshot(page, 'overview-leader-1366');

    // Live: a red warning fired now appears in place; the page is the same page (no reload) and nothing moved.
    await page.evaluate(`window.ovMarker = 42`);
    const box = await page.locator('#ov-panel-alerts').boundingBox();
    await fire('red', '某地民警执法冲突视频扩散');
    const after = await openByLevel();
    expect(after.red).toBe(open.red! + 1);
    await expect.poll(() => page.locator('#ov-level-red').textContent(), { timeout: 15_000 }).toBe(String(after.red));
    expect(await page.locator('.ov-alert-list li').first().locator('.ov-row-title').textContent()).toBe('某地民警执法冲突视频扩散');
    expect(await page.evaluate(`window.ovMarker`)).toBe(42);
    expect(await page.locator('#ov-panel-alerts').boundingBox()).toEqual(box);

    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.waitForTimeout(400);
    await saveScreenshot(page, 'overview-leader-1920');
    expectCleanPage(rig.watch);
  });

  it('the duty-room screen: dark, rotating, turned by keyboard, paused, and outliving its session with the screen token', { timeout: 150_000 }, async () => {
    // Into the screen mode by keyboard.
    await page.focus('#ov-screen-link');
    await page.keyboard.press('Enter');
    await expect.poll(() => isScreen(page)).toBe(true);
    expect(new URL(page.url()).hash).toBe('#/overview/screen');
    expect(await page.locator('header.bar').isVisible()).toBe(false);
    expect(await page.evaluate(`getComputedStyle(document.body).backgroundColor`)).toBe('rgb(11, 18, 32)');
    expect(await page.locator('.ov-pager').isVisible()).toBe(true);
    expect(await visiblePanels()).toEqual(['trend', 'alerts']);
    // No token on this machine yet: the screen says what that means and what to do.
    expect(await page.locator('#ov-token-hint').textContent()).toContain('设置大屏令牌');
    await expect.poll(() => page.locator('.ov-clock').textContent()).toMatch(/^北京时间 \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    await page.waitForTimeout(500);
    await saveScreenshot(page, 'overview-screen-1920');

    // It turns the page by itself (every 20 s).
    await expect.poll(visiblePanels, { timeout: 25_000, interval: 500 }).toEqual(['topics', 'places']);
    // ← → turn it by hand.
    await page.keyboard.press('ArrowRight');
    expect(await visiblePanels()).toEqual(['incidents', 'sources']);
    await page.keyboard.press('ArrowLeft');
    expect(await visiblePanels()).toEqual(['topics', 'places']);
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.waitForTimeout(500);
    await saveScreenshot(page, 'overview-screen-1366');
    // 暂停轮播 holds it.
    await page.click('#ov-pause');
    expect(await page.locator('#ov-pause').getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('#ov-pause').textContent()).toBe('继续轮播');
    await page.waitForTimeout(21_000);
    expect(await visiblePanels()).toEqual(['topics', 'places']);
    await page.click('#ov-pause');
    expect(await page.locator('#ov-pause').textContent()).toBe('暂停轮播');

    // The screen token, entered once.
    await page.click('#ov-token');
    await page.locator('#ov-token-form').waitFor({ state: 'visible' });
    await page.fill('#ov-token-form-token', leader.token);
    await page.click('#ov-token-form button[type="submit"]');
    await page.locator('#ov-token-form').waitFor({ state: 'hidden' });
    expect(await storedToken(page)).toBe(leader.token);
    expect(await page.locator('#ov-token').textContent()).toBe('更换大屏令牌');
    await expect.poll(() => page.locator('#ov-status').textContent(), { timeout: 10_000 }).toContain('实时');

    // Its sessions run out (in the database): the streams end, the screen signs in again by itself.
    const { rows: before } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'session.screen_login' AND actor_id = $1`, [leader.user.id]);
    await t.db.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [leader.user.id]);
    expect(await liveSessions()).toBe(0);
    await expect.poll(liveSessions, { timeout: 15_000 }).toBeGreaterThan(0);
    // The audit row is written just after the session (poll: the page may see the session first).
    const screenLogins = async (): Promise<number> =>
      (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'session.screen_login' AND actor_id = $1`, [leader.user.id])).rows[0]!.n;
    await expect.poll(screenLogins, { timeout: 10_000 }).toBeGreaterThan(before[0]!.n);
    expect(await page.locator('#login-view').isVisible()).toBe(false);
    expect(await isScreen(page)).toBe(true);
    await expect.poll(() => page.locator('#ov-status').textContent(), { timeout: 10_000 }).toContain('实时');
    // And the figures still arrive live on the new session.
    await page.click('.ov-page >> nth=0');
    expect(await visiblePanels()).toEqual(['trend', 'alerts']);
    await fire('orange', '大屏续期后的新预警');
    const open = await openByLevel();
    await expect.poll(() => page.locator('#ov-level-orange').textContent(), { timeout: 15_000 }).toBe(String(open.orange));

    // Esc leaves the screen mode.
    await page.keyboard.press('Escape');
    await expect.poll(() => new URL(page.url()).hash).toBe('#/overview');
    // The hash changes before the page has left screen mode: poll.
    await expect.poll(() => isScreen(page)).toBe(false);
    expect(await page.locator('header.bar').isVisible()).toBe(true);
    expect(await visiblePanels()).toEqual(['trend', 'alerts', 'topics', 'places', 'incidents', 'sources']);
    expectCleanPage(rig.watch);
  });

  it('once its token is revoked the screen says 「大屏令牌已失效，请管理员重新配置」 and takes a new one at the login page', { timeout: 90_000 }, async () => {
    // A page of its own: the expected refusal of the revoked token is checked apart from the clean page above.
    await page.close();
    const screen = await rig.context.newPage();
    const watch = watchPage(screen, rig.url);
    await screen.setViewportSize({ width: 1920, height: 1080 });
    await screen.goto(`${rig.url}/#/overview/screen`);
    await expect.poll(() => isScreen(screen), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => screen.locator('#ov-status').textContent(), { timeout: 10_000 }).toContain('实时');

    await t.db.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1', [leader.tokenId]);
    await t.db.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [leader.user.id]);
    await screen.locator('#login-view').waitFor({ state: 'visible', timeout: 15_000 });
    expect(await screen.textContent('#login-error')).toBe(TOKEN_GONE);
    expect(await screen.locator('#screen-login').isVisible()).toBe(true);
    expect(await storedToken(screen)).toBeNull();
    await expect.poll(() => isScreen(screen)).toBe(false);
    expect(await liveSessions()).toBe(0);

    // The admin makes a new token; entered once at the login page, the screen is back.
    const fresh = newApiToken();
    await insertApiToken(t.db, { userId: leader.user.id, name: '值班室大屏', hash: fresh.hash, prefix: fresh.prefix });
    await screen.fill('#screen-login-token', fresh.token);
    await screen.click('#screen-login button[type="submit"]');
    await expect.poll(() => isScreen(screen), { timeout: 15_000 }).toBe(true);
    expect(await storedToken(screen)).toBe(fresh.token);

    // A machine that lost its cookie (restarted browser) signs in from the stored token by itself.
    await rig.context.clearCookies();
    await screen.reload();
    await expect.poll(() => isScreen(screen), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => screen.locator('#ov-status').textContent(), { timeout: 10_000 }).toContain('实时');

    // The only trouble the page reported: the browser's own note on the revoked token's refusal (401).
    expect(watch.pageErrors).toEqual([]);
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.consoleErrors.every((m) => /status of 401/.test(m)), JSON.stringify(watch.consoleErrors)).toBe(true);
    expectCleanPage({ ...watch, consoleErrors: watch.consoleErrors.filter((m) => !/status of 401/.test(m)) });
  });
});

describe.skipIf(!hasChromium)(skipTitle('态势总览 of a fresh installation in headless Chromium'), () => {
  let t: TestEnv;
  let rig: PageRig;

  beforeAll(async () => {
    t = await createTestEnv('overviewempty');
    await makeCaller(t.db, 'leader0', 'leader', PASSWORD);
    rig = await startPageRig(t, { env: { DIGEST_ENABLED: 'false' } });
  });
  afterAll(async () => {
    await rig?.close();
    await t?.cleanup();
  });

  it('with nothing collected yet, every panel says so and what to do next, in both modes', async () => {
    const page = rig.page;
    await page.setViewportSize({ width: 1366, height: 768 });
    await signIn(page, rig.url, 'leader0', PASSWORD);
    await expect.poll(() => page.locator('#ov-status').textContent(), { timeout: 15_000 }).toContain('实时');
    expect(await page.locator('.ov-kpi-value').allTextContents()).toEqual(['0', '0', '0', '0.0%']);
    expect(await page.locator('.ov-trend .ov-chart-empty').isVisible()).toBe(true);
    expect(await page.locator('.ov-trend .ov-chart-empty').textContent()).toContain('信息源');
    expect(await page.locator('.ov-alert-list .ov-empty').textContent()).toContain('当前没有未处理的舆情预警');
    expect(await page.locator('.ov-topic-list .ov-empty').textContent()).toContain('近24小时没有');
    expect(await page.locator('.ov-places .ov-chart-empty').textContent()).toContain('监测方案');
    expect(await page.locator('.ov-incident-list .ov-empty').textContent()).toContain('建立事件');
    expect(await page.locator('#ov-overdue').textContent()).toBe('没有超时未回应的事件');
    expect(await page.locator('.ov-source-list .ov-empty').textContent()).toBe('所有启用的信息源运行正常。');
    await saveScreenshot(page, 'overview-empty-1366');
    await page.goto(`${rig.url}/#/overview/screen`);
    await expect.poll(() => isScreen(page)).toBe(true);
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.waitForTimeout(500);
    await saveScreenshot(page, 'overview-empty-screen-1920');
    expectCleanPage(rig.watch);
  });
});
