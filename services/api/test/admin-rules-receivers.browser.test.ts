/**
 * 系统管理 → 预警规则 and 接收端 in a real browser: Debian's chromium driven by playwright-core,
 * against the real server (startApiServer on 127.0.0.1:0, a test schema) and a real webhook server
 * on 127.0.0.1. An admin drafts a rule with several criteria, previews it over the seeded level
 * changes (the expected fires worked out here with SQL of the test's own), saves it, edits a
 * criterion (the others survive the whole-rule PUT) and sees it in the list; then adds a webhook
 * receiver, sends a test message that the local server receives, and after pointing it at a server
 * answering 500 sees the failure in Chinese. The signing secret never comes back to the page. A
 * duty officer (pr) has no 系统管理 and #/admin sends them to their own view. No console errors,
 * no page errors, no request to any host but the service.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it). Without it the
 * test is skipped, visibly, under a title that says so.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICE_NEGATIVE_SHARE } from '@yuqing/alerting';
import { getReceiverForDelivery, insertDelivery, insertReceiver, listReceivers, markDeliveryFailed, markDeliverySent } from '@yuqing/db';
import { expectCleanPage, hasChromium, saveScreenshot, skipTitle } from '../../../test/support/browser';
import { recording, startTestServer, status, type Received, type TestServer } from '../../../test/support/misbehaving-server';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { makeCaller } from './auth-fixtures';
import { signIn, signOut, startPageRig, type PageRig } from './browser-fixtures';

const PASSWORD = 'admin-rules-pass-1';
const DAY = 86_400_000;
const RULE_NAME = '辖区涉警负面（橙色及以上）';
const DUTY_TOKEN = 'tok-abc123-do-not-show';
const HOOK_SECRET = 'hook-secret-never-shown';

/**
 * Seeded topics, each with one level change from none (so each matching one fires exactly once):
 * title, keywords, places, items / police-negative items, level, days ago.
 */
const TOPICS: Array<{ title: string; keywords: string[]; places: string[]; items: number; policeNegative: number; level: string; daysAgo: number }> = [
  { title: '天河区民警执法冲突', keywords: ['执法', '冲突'], places: ['天河区'], items: 10, policeNegative: 8, level: 'orange', daysAgo: 2 },
  { title: '天河区某所被指推搡老人', keywords: ['民警', '推搡'], places: ['天河区', '广州市'], items: 10, policeNegative: 7, level: 'red', daysAgo: 3 },
  { title: '天河区民警执法视频', keywords: ['执法'], places: ['天河区'], items: 10, policeNegative: 8, level: 'yellow', daysAgo: 1 },
  { title: '天河区消防演练民警参与', keywords: ['演练'], places: ['天河区'], items: 10, policeNegative: 9, level: 'orange', daysAgo: 2.5 },
  { title: '越秀区民警执法争议', keywords: ['执法'], places: ['越秀区'], items: 10, policeNegative: 8, level: 'orange', daysAgo: 1.5 },
  { title: '天河区交通管制引热议', keywords: ['交通', '管制'], places: ['天河区'], items: 10, policeNegative: 8, level: 'orange', daysAgo: 4 },
  { title: '天河区民警通报获点赞', keywords: ['通报'], places: ['天河区'], items: 10, policeNegative: 2, level: 'orange', daysAgo: 5 },
  { title: '天河区民警旧案重提', keywords: ['旧案'], places: ['天河区'], items: 10, policeNegative: 9, level: 'red', daysAgo: 10 },
  { title: '越秀区民警打人视频', keywords: ['打人'], places: ['越秀区'], items: 10, policeNegative: 9, level: 'red', daysAgo: 0.5 },
];

describe.skipIf(!hasChromium)(skipTitle('admin rules and receivers in headless Chromium'), () => {
  let t: TestEnv;
  let rig: PageRig;
  let page: Page;
  let hooks: TestServer;
  const received: Received[] = [];
  let dutyGroup: number;

  beforeAll(async () => {
    hooks = await startTestServer({ '/hook': recording(received), '/broken': status(500, 'internal error') });
    t = await createTestEnv('adminrules');
    await makeCaller(t.db, 'admin1', 'admin', PASSWORD);
    await makeCaller(t.db, 'duty1', 'pr', PASSWORD);
    const now = Date.now();
    for (const [i, x] of TOPICS.entries()) {
      const id = 500 + i;
      await t.db.query(
        `INSERT INTO topics (id, status, title, keywords, created_at, last_at, items, stories, police_related, police_negative, negative,
                             reach, jurisdiction_hits, sources, places, categories, level, state)
         VALUES ($1, 'open', $2, $3, now(), now(), $4, 1, $4, $5, $5, 10, 1, '{微博}', $6::jsonb, '{"执法争议": 2}', $7, '{}')`,
        [id, x.title, x.keywords, x.items, x.policeNegative, JSON.stringify(Object.fromEntries(x.places.map((p) => [p, 2]))), x.level],
      );
      await t.db.query(
        `INSERT INTO topic_level_changes (topic_id, at, level, previous, automatic, applied, indicators, reason) VALUES ($1, $2, $3, 'none', true, true, '{}', '测试')`,
        [id, new Date(now - x.daysAgo * DAY), x.level],
      );
    }
    // A DingTalk robot the rule will push to, with two deliveries in its log: one sent, one given up.
    const duty = await insertReceiver(t.db, { name: '值班群', kind: 'dingtalk', url: `https://oapi.dingtalk.com/robot/send?access_token=${DUTY_TOKEN}`, secret: 'SECabc', enabled: true });
    if (!duty) throw new Error('receiver not created');
    dutyGroup = duty.id;
    const payload = (title: string) => ({ title, level: 'orange', levelLabel: '橙色预警', summary: '', heat: 1, at: new Date(now - DAY).toISOString(), kind: 'firing' });
    const sent = await insertDelivery(t.db, { receiverId: dutyGroup, dedupKey: 'seed:1', payload: payload('天河区民警执法冲突') });
    await markDeliverySent(t.db, sent.delivery.id, 200);
    const dead = await insertDelivery(t.db, { receiverId: dutyGroup, dedupKey: 'seed:2', payload: payload('越秀区民警执法争议') });
    await markDeliveryFailed(t.db, dead.delivery.id, { dead: true, error: '钉钉返回错误 errcode=310000：keywords not in content', httpStatus: 200 });
    // Loopback allowed for receivers through the allow-list (the receiver itself does not ask for
    // private addresses); no alerter beside the server, so nothing but the page touches the log.
    rig = await startPageRig(t, { env: { DIGEST_ENABLED: 'false', ALERTER_ENABLED: 'false', RECEIVER_ALLOWLIST: '127.0.0.1' } });
    page = rig.page;
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  afterAll(async () => {
    await rig?.close();
    await hooks?.close();
    await t?.cleanup();
  });

  /**
   * The titles the rule should fire on, by the test's own reading of the criteria: an applied
   * change from none within the period, at one of the levels, police-negative share at least the
   * threshold, in one of the places, the word in the title or keywords and the excluded one not.
   */
  async function expectedFires(o: { days: number; levels: string[]; places: string[]; anyOf: string; noneOf: string }): Promise<string[]> {
    const { rows } = await t.db.query<{ title: string }>(
      `SELECT t.title FROM topic_level_changes c JOIN topics t ON t.id = c.topic_id
        WHERE c.applied AND c.previous = 'none' AND c.at >= now() - make_interval(days => $1)
          AND c.level = ANY($2::text[])
          AND t.items > 0 AND t.police_negative::float8 / t.items >= $3
          AND t.places ?| $4::text[]
          AND strpos(t.title || ' ' || array_to_string(t.keywords, ' '), $5) > 0
          AND strpos(t.title || ' ' || array_to_string(t.keywords, ' '), $6) = 0
        ORDER BY c.at, c.id`,
      [o.days, o.levels, POLICE_NEGATIVE_SHARE, o.places, o.anyOf, o.noneOf],
    );
    return rows.map((r) => r.title);
  }

  const form = () => page.locator('#rule-form');
  const criterion = (key: string) => page.locator(`#rule-form .criterion[data-criterion="${key}"]`);
  const ruleRow = (name: string) => page.locator('#rules-body tr.rule-row', { has: page.locator('.title', { hasText: name }) });
  const receiverRow = (name: string) => page.locator('#receivers-body tr.receiver-row', { has: page.locator('.title', { hasText: name }) });

  async function preview(): Promise<{ count: string; titles: string[] }> {
    await page.selectOption('#rule-preview-days', '7');
    await page.click('#rule-preview-btn');
    await page.locator('#rule-preview .preview-total').waitFor({ state: 'visible', timeout: 10_000 });
    await expect.poll(() => page.locator('#rule-preview-btn').textContent()).toBe('预览');
    return {
      count: (await page.locator('#rule-preview .preview-count').textContent()) ?? '',
      titles: await page.locator('#rule-preview .preview-fire td.fire-title').allTextContents(),
    };
  }

  async function specOf(name: string): Promise<Record<string, unknown>> {
    const { rows } = await t.db.query<{ spec: Record<string, unknown> }>('SELECT spec FROM alert_rules WHERE name = $1', [name]);
    expect(rows, name).toHaveLength(1);
    return rows[0]!.spec;
  }

  it('an admin previews a rule over the seeded changes, saves it, edits a criterion and sees it listed', async () => {
    await signIn(page, rig.url, 'admin1', PASSWORD);
    expect(await page.locator('#nav a:visible').allTextContents()).toContain('系统管理');
    await page.click('#nav a[data-view="admin"]');
    await page.locator('#admin-rules').waitFor({ state: 'visible' });
    await expect.poll(() => page.locator('#rules-empty').textContent()).toContain('尚无预警规则');

    await page.click('#rules-new');
    await form().waitFor({ state: 'visible' });
    // Every criterion of the schema has its control.
    expect(await page.locator('#rule-form .criterion').evaluateAll((els) => els.map((e) => e.getAttribute('data-criterion')))).toEqual([
      'minLevel', 'scope', 'keywords', 'categories', 'places', 'jurisdictionOnly', 'sources', 'schemes', 'receivers', 'audienceRoles', 'quietHours',
    ]);
    // Nothing is sent while the form has problems; they are listed in Chinese.
    await criterion('quietHours').locator('input[type="checkbox"]').check();
    await criterion('quietHours').locator('input[aria-label="静默开始（北京时间）"]').fill('24:10');
    await page.click('#rule-save');
    expect(await page.locator('#rule-problems li').allTextContents()).toEqual(['请填写规则名称', '静默时段的开始和结束请按 24 小时制填写，如 23:00、07:30']);
    expect(await page.locator('#rule-error').textContent()).toBe('还有问题需要修改，见上方列出的各项');
    expect((await t.db.query('SELECT count(*)::int AS n FROM alert_rules')).rows[0].n).toBe(0);

    await page.fill('#rule-name', RULE_NAME);
    await criterion('minLevel').locator('select').selectOption('orange');
    await criterion('places').locator('.tag-input input').fill('天河区');
    await criterion('places').locator('.tag-input input').press('Enter');
    expect(await criterion('places').locator('.chip-text').allTextContents()).toEqual(['天河区']);
    await criterion('keywords').locator('input[aria-label="包含任一"]').fill('民警');
    await criterion('keywords').locator('input[aria-label="包含任一"]').press('Enter');
    await criterion('keywords').locator('input[aria-label="排除"]').fill('演练');
    await criterion('keywords').locator('input[aria-label="排除"]').press('Enter');
    await criterion('receivers').locator('label', { hasText: '值班群' }).locator('input').check();
    await criterion('quietHours').locator('input[aria-label="静默开始（北京时间）"]').fill('22:30');
    await criterion('quietHours').locator('input[aria-label="静默结束（北京时间）"]').fill('06:30');

    // 预览: the count and the topics the test's own SQL says, and nothing saved by it.
    const want = await expectedFires({ days: 7, levels: ['orange', 'red'], places: ['天河区'], anyOf: '民警', noneOf: '演练' });
    expect(want.length).toBeGreaterThan(0);
    const first = await preview();
    expect(first.count).toBe(String(want.length));
    expect(first.titles).toEqual(want);
    expect((await t.db.query('SELECT count(*)::int AS n FROM alert_rules')).rows[0].n).toBe(0);
    await saveScreenshot(page, 'admin-rules-preview-1366');

    // A changed criterion marks the shown preview as out of date.
    await criterion('scope').locator('select').selectOption('all');
    await page.locator('#rule-preview .stale-note').waitFor({ state: 'visible' });
    await criterion('scope').locator('select').selectOption('police_negative');

    await page.click('#rule-save');
    await ruleRow(RULE_NAME).waitFor({ state: 'visible', timeout: 10_000 });
    expect(await form().isHidden()).toBe(true);
    expect(await page.locator('#rules-done').textContent()).toBe(`已新建规则「${RULE_NAME}」`);
    expect(await specOf(RULE_NAME)).toMatchObject({
      enabled: true,
      minLevel: 'orange',
      scope: 'police_negative',
      places: ['天河区'],
      keywords: { allOf: [], anyOf: ['民警'], noneOf: ['演练'] },
      receivers: [dutyGroup],
      quietHours: { start: '22:30', end: '06:30', minLevel: 'orange' },
      audienceRoles: ['admin', 'pr', 'leader', 'analyst'],
    });
    const row = ruleRow(RULE_NAME);
    expect(await row.locator('.state-tag').textContent()).toBe('启用');
    expect(await row.locator('td.rule-level .badge').textContent()).toBe('橙色');
    expect(await row.locator('td.rule-match li').allTextContents()).toEqual(['范围：仅涉警负面为主的话题', '关键词：包含任一「民警」；排除「演练」', '地域（任一）：天河区']);
    expect(await row.locator('td.rule-notify li').allTextContents()).toEqual(['推送到：值班群', '页面可见：全部角色', '静默时段：22:30 至 06:30（次日），期间仅推送橙色及以上']);

    // 编辑: red only, and 越秀区 too; the preview follows, and the other criteria survive the save.
    await row.locator('button', { hasText: '编辑' }).click();
    await form().waitFor({ state: 'visible' });
    expect(await page.inputValue('#rule-name')).toBe(RULE_NAME);
    expect(await criterion('places').locator('.chip-text').allTextContents()).toEqual(['天河区']);
    await criterion('minLevel').locator('select').selectOption('red');
    await criterion('places').locator('.tag-input input').fill('越秀区');
    await criterion('places').locator('.tag-input input').press('Enter');
    const wantEdited = await expectedFires({ days: 7, levels: ['red'], places: ['天河区', '越秀区'], anyOf: '民警', noneOf: '演练' });
    expect(wantEdited).not.toEqual(want);
    const second = await preview();
    expect(second.count).toBe(String(wantEdited.length));
    expect(second.titles).toEqual(wantEdited);
    await page.click('#rule-save');
    await expect.poll(() => ruleRow(RULE_NAME).locator('td.rule-level .badge').textContent(), { timeout: 10_000 }).toBe('红色');
    expect(await specOf(RULE_NAME)).toMatchObject({
      minLevel: 'red',
      places: ['天河区', '越秀区'],
      keywords: { allOf: [], anyOf: ['民警'], noneOf: ['演练'] },
      receivers: [dutyGroup],
      quietHours: { start: '22:30', end: '06:30', minLevel: 'orange' },
    });
    expect(await ruleRow(RULE_NAME).locator('td.rule-match li').allTextContents()).toContain('地域（任一）：天河区、越秀区');
    await saveScreenshot(page, 'admin-rules-list-1366');

    // 停用 keeps the rule, off.
    await ruleRow(RULE_NAME).locator('button', { hasText: '停用' }).click();
    await expect.poll(() => ruleRow(RULE_NAME).locator('.state-tag').textContent()).toBe('停用');
    expect((await specOf(RULE_NAME)).enabled).toBe(false);
  });

  it('an admin adds a webhook receiver, sends a test message that arrives, then sees a failing one in Chinese', async () => {
    await page.click('#admin-tab-receivers');
    await page.locator('#admin-receivers').waitFor({ state: 'visible' });
    const duty = receiverRow('值班群');
    await duty.waitFor({ state: 'visible', timeout: 10_000 });
    // The robot's token stays out of the list; its deliveries and the rule pushing to it are there.
    expect(await duty.textContent()).not.toContain(DUTY_TOKEN);
    await expect.poll(() => duty.locator('td.rcv-recent .summary').textContent()).toBe('最近 2 次：送达 1 · 失败 1');
    expect(await duty.locator('td.rcv-recent .delivery-status').textContent()).toBe('已放弃');
    expect(await duty.locator('td.rcv-recent .recent-error').textContent()).toBe('接收端拒绝了消息：未通过机器人的安全设置（关键词、加签或 IP 白名单）');
    expect(await duty.locator('td.rcv-rules').textContent()).toBe(`${RULE_NAME}（停用）`);
    await duty.locator('button', { hasText: '投递记录' }).click();
    const log = page.locator(`#receivers-body tr.receiver-detail[data-receiver-id="${dutyGroup}"] tr.delivery`);
    await expect.poll(() => log.count()).toBe(2);
    expect(await log.locator('.delivery-status').allTextContents()).toEqual(['已放弃', '已送达']);
    await duty.locator('button', { hasText: '收起记录' }).click();

    // 添加接收端: a webhook on the local server, with a signing secret.
    await page.click('#receivers-new');
    await page.locator('#rcv-form').waitFor({ state: 'visible' });
    await page.fill('#rcv-name', '本地中转');
    await page.selectOption('#rcv-kind', 'webhook');
    await page.fill('#rcv-url', `${hooks.url}/hook`);
    await page.fill('#rcv-secret', HOOK_SECRET);
    await page.click('#rcv-save');
    const local = receiverRow('本地中转');
    await local.waitFor({ state: 'visible', timeout: 10_000 });
    const stored = (await listReceivers(t.db)).find((r) => r.name === '本地中转');
    expect(stored).toMatchObject({ kind: 'webhook', url: `${hooks.url}/hook`, hasSecret: true, enabled: true, allowPrivate: false });
    expect((await getReceiverForDelivery(t.db, stored!.id))?.secret).toBe(HOOK_SECRET);
    await expect.poll(() => local.locator('td.rcv-recent').textContent()).toBe('尚无投递');

    // 发送测试消息: it arrives, and the page says so with the HTTP status.
    await local.locator('button', { hasText: '发送测试消息' }).click();
    const result = page.locator(`#receivers-body tr.receiver-detail[data-receiver-id="${stored!.id}"] .rcv-test-result`);
    await page.locator(`#receivers-body tr.receiver-detail[data-receiver-id="${stored!.id}"] .rcv-test-result:is(.ok, .failed)`).waitFor({ state: 'visible', timeout: 15_000 });
    expect(await result.getAttribute('class')).toContain('ok');
    expect(await result.locator('.headline').textContent()).toBe('测试消息已送达：接收端已接受');
    expect(await result.locator('.facts').textContent()).toMatch(/^HTTP 200 · 用时 \d+ 毫秒 · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d（北京时间）$/);
    expect(received).toHaveLength(1);
    expect(received[0]!.path).toBe('/hook');
    expect(received[0]!.body).toContain('测试消息');
    expect(received[0]!.headers['x-yuqing-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    await saveScreenshot(page, 'admin-receivers-test-ok-1366');

    // 编辑: pointed at a server answering 500; the secret is not shown back and, left empty, stays.
    await local.locator('button', { hasText: '编辑' }).click();
    await page.locator('#rcv-form').waitFor({ state: 'visible' });
    expect(await page.inputValue('#rcv-secret')).toBe('');
    expect(await page.content()).not.toContain(HOOK_SECRET);
    await page.fill('#rcv-url', `${hooks.url}/broken`);
    await page.click('#rcv-save');
    await page.locator('#rcv-form').waitFor({ state: 'hidden', timeout: 10_000 });
    expect(await getReceiverForDelivery(t.db, stored!.id)).toMatchObject({ url: `${hooks.url}/broken`, secret: HOOK_SECRET });

    await local.locator('button', { hasText: '发送测试消息' }).click();
    await page.locator(`#receivers-body tr.receiver-detail[data-receiver-id="${stored!.id}"] .rcv-test-result.failed`).waitFor({ state: 'visible', timeout: 15_000 });
    const headline = (await result.locator('.headline').textContent()) ?? '';
    expect(headline).toBe('测试消息发送失败：接收端服务器出错（HTTP 500）');
    expect(await result.locator('.facts').textContent()).toMatch(/^HTTP 500 · /);
    expect(hooks.hits.get('/broken')).toBe(1);
    expect(received).toHaveLength(1);
    // Tests are not deliveries: the log stays empty.
    expect((await t.db.query('SELECT count(*)::int AS n FROM deliveries WHERE receiver_id = $1', [stored!.id])).rows[0].n).toBe(0);
    expect(await page.content()).not.toContain(HOOK_SECRET);
    await saveScreenshot(page, 'admin-receivers-test-failed-1366');
    await result.locator('button', { hasText: '关闭' }).click();
    await result.waitFor({ state: 'detached' });
  });

  it('a duty officer has no 系统管理, and #/admin sends them to their own view', async () => {
    await signOut(page);
    await signIn(page, rig.url, 'duty1', PASSWORD);
    expect(await page.locator('#nav a:visible').allTextContents()).not.toContain('系统管理');
    expect(await page.locator('#nav a[data-view="admin"]').isHidden()).toBe(true);
    await page.evaluate('location.hash = "#/admin/receivers"');
    await expect.poll(() => new URL(page.url()).hash).toBe('#/alerts');
    expect(await page.locator('#admin-view').isHidden()).toBe(true);
    expect(await page.locator('#alerts-view').isVisible()).toBe(true);
    // Nothing of the admin's console was left behind at sign-out.
    expect(await page.locator('#admin-view').evaluate((e) => e.childElementCount)).toBe(0);
    expectCleanPage(rig.watch);
  });
});
