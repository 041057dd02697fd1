/**
 * 系统管理 in a real browser (Debian's chromium driven by playwright-core, against the real server
 * on 127.0.0.1 and a test schema), as an admin:
 *  - 用户与令牌: adds a duty officer who can then sign in; disables them (their login is refused)
 *    and enables them again; resets their password (shown once; the old one dies, the new one
 *    works); creates a token for them, shown once with a copy button (gone after leaving the tab and
 *    after a reload), which authenticates /api/auth/me as a bearer token until it is revoked.
 *  - 静默: from a seeded open alert, the 「静默」 dialog proposes its topic and rule and a duration;
 *    the silence is listed as 生效中 with its conditions in words, then 结束 moves it to 已过期; a
 *    silence made from scratch (a pattern on the place, starting in an hour) is 未开始.
 *  - 审计日志: every one of those changes is listed (newest first, in Beijing time); the actor and
 *    action filters narrow it as the database says they should; a time range after now empties it;
 *    the CSV link downloads exactly the filtered entries.
 * Every state the page shows is checked against the database or the API too. Screenshots at
 * 1366×768; no console errors, page errors or requests to another host.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it). Without it the
 * test is skipped, visibly, under a title that says so.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleSchema } from '@yuqing/alerting';
import { appendAlertEvent, getUserByName, insertAdminRule, insertAlert, withTransaction } from '@yuqing/db';
import { expectCleanPage, hasChromium, saveScreenshot, skipTitle } from '../../../test/support/browser';
import { parseCsv } from '../../../test/support/csv';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { beijingText } from '../../../test/support/time';
import { bearer, makeCaller, type Caller } from './auth-fixtures';
import { signIn, startPageRig, type PageRig } from './browser-fixtures';
import { seedTopic } from './read-fixtures';

const PASSWORD = 'chief-pass-123';
const NEW_USER = 'duty-wang';
const NEW_PASSWORD = 'Initial-pass-01';
const HOUR = 3_600_000;
const RULE_NAME = '涉警负面升温';

describe.skipIf(!hasChromium)(skipTitle('admin console: users and tokens, silences, audit log in headless Chromium'), () => {
  let t: TestEnv;
  let rig: PageRig;
  let page: Page;
  let chief: Caller;
  let topicId: number;
  let ruleId: number;
  let alertId: number;

  beforeAll(async () => {
    t = await createTestEnv('adminusa');
    chief = await makeCaller(t.db, 'chief', 'admin', PASSWORD);
    ({ topicId } = await seedTopic(t.db, { level: 'orange' }));
    // Disabled: the alert below stands as seeded, whatever the alerter beside the server decides.
    const rule = await insertAdminRule(t.db, { spec: ruleSchema.parse({ name: RULE_NAME, enabled: false }), by: chief.user.id });
    if (!rule) throw new Error('rule not created');
    ruleId = rule.id;
    alertId = await withTransaction(t.db, async (client) => {
      const a = await insertAlert(client, { kind: 'topic', dedupKey: `rule:${ruleId}:topic:${topicId}`, level: 'orange', title: '某派出所民警执法视频引发热议', ruleId, topicId });
      if (!a) throw new Error('alert not created');
      await appendAlertEvent(client, { alertId: a.id, type: 'firing', level: 'orange', payload: { topicId }, audienceRoles: ['admin', 'pr', 'analyst', 'leader'] });
      return a.id;
    });
    rig = await startPageRig(t, { env: { DIGEST_ENABLED: 'false' } });
    page = rig.page;
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  afterAll(async () => {
    await rig?.close();
    await t?.cleanup();
  });

  /** POST /api/auth/login from outside the page: the status only. */
  const login = async (name: string, password: string): Promise<number> =>
    (await fetch(`${rig.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) })).status;
  /** GET as the admin through the API (its own token), for what the page should agree with. */
  const asChief = async <T>(url: string): Promise<T> => {
    const res = await fetch(`${rig.url}${url}`, { headers: bearer(chief.token) });
    expect(res.status, url).toBe(200);
    return (await res.json()) as T;
  };
  const userRow = (name: string) => page.locator(`#us-body tr[data-user="${name}"]`);
  /** Answers the next confirm() with OK. */
  const acceptNextConfirm = () => page.once('dialog', (d) => void d.accept());

  it('用户与令牌: add, sign in, disable, enable, reset a password; a token shown once that works until revoked', async () => {
    await signIn(page, rig.url, 'chief', PASSWORD);
    await page.goto(`${rig.url}/#/admin/users`);
    await userRow('chief').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('#admin-tab-users').getAttribute('aria-current')).toBe('page');
    // One cannot disable oneself: no button for it on one's own row.
    expect(await userRow('chief').locator('.tag').textContent()).toBe('当前登录');
    expect(await userRow('chief').locator('button.toggle').count()).toBe(0);

    // 添加用户: the page says what is wrong in Chinese before asking the server.
    await page.click('#us-open-add');
    await page.fill('#us-name', '王');
    await page.click('#us-submit');
    expect(await page.locator('#us-add .error').textContent()).toBe('登录名应为 2–64 个字符');
    await page.fill('#us-name', NEW_USER);
    await page.fill('#us-display', '值班员小王');
    await page.selectOption('#us-role', 'pr');
    await page.fill('#us-password', 'short');
    await page.click('#us-submit');
    expect(await page.locator('#us-add .error').textContent()).toBe('密码至少 10 个字符');
    await page.fill('#us-password', NEW_PASSWORD);
    await page.click('#us-submit');
    const row = userRow(NEW_USER);
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('#us-add').isHidden()).toBe(true);
    expect(await row.locator('td').allTextContents()).toEqual(
      expect.arrayContaining([NEW_USER, '值班员小王', '值班员', '正常', '已设置']),
    );
    // A password the admin chose is theirs: nothing is shown as a secret.
    expect(await page.locator('#us-secret').isHidden()).toBe(true);
    const added = await getUserByName(t.db, NEW_USER);
    expect(added).toMatchObject({ displayName: '值班员小王', role: 'pr', disabled: false, hasPassword: true });
    expect(await row.locator('td.time').textContent()).toBe(beijingText(added!.createdAt).slice(0, 16));
    expect(await login(NEW_USER, NEW_PASSWORD)).toBe(200);

    // 停用: the row says so, the database agrees, and the login is refused.
    acceptNextConfirm();
    await row.locator('button.toggle').click();
    await expect.poll(() => row.locator('.account-state').textContent(), { timeout: 10_000 }).toBe('已停用');
    expect(await page.locator('#us-done').textContent()).toBe(`已停用用户 ${NEW_USER}`);
    expect((await getUserByName(t.db, NEW_USER))?.disabled).toBe(true);
    expect(await login(NEW_USER, NEW_PASSWORD)).toBe(401);
    // A disabled user gets no new token: the button is not offered.
    expect(await row.locator('button.new-token').count()).toBe(0);

    // 启用 again: signing in works again.
    expect(await row.locator('button.toggle').textContent()).toBe('启用');
    await row.locator('button.toggle').click();
    await expect.poll(() => row.locator('.account-state').textContent(), { timeout: 10_000 }).toBe('正常');
    expect((await getUserByName(t.db, NEW_USER))?.disabled).toBe(false);
    expect(await login(NEW_USER, NEW_PASSWORD)).toBe(200);

    // 重置密码: a new random one, shown once; the old one stops working, the new one works.
    acceptNextConfirm();
    await row.locator('button.reset-password').click();
    const secret = page.locator('#us-secret');
    await secret.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('#us-secret-title').textContent()).toBe(`用户 ${NEW_USER} 的新密码`);
    expect(await secret.locator('.secret-warning').textContent()).toContain('只显示这一次');
    const newPassword = await page.inputValue('#us-secret-value');
    expect(newPassword.length).toBeGreaterThanOrEqual(12);
    expect(await login(NEW_USER, NEW_PASSWORD)).toBe(401);
    expect(await login(NEW_USER, newPassword)).toBe(200);
    await saveScreenshot(page, 'admin-users-password-1366');
    await page.click('#us-secret-close');
    expect(await secret.isHidden()).toBe(true);
    expect(await page.inputValue('#us-secret-value')).toBe('');

    // 创建令牌 from the user's row: the form opens with them chosen.
    await row.locator('button.new-token').click();
    await page.locator('#tk-add').waitFor({ state: 'visible' });
    expect(await page.inputValue('#tk-user')).toBe(NEW_USER);
    await page.fill('#tk-name', '值班大屏');
    await page.click('#tk-submit');
    await secret.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('#us-secret-title').textContent()).toBe(`${NEW_USER} 的新令牌「值班大屏」`);
    const token = await page.inputValue('#us-secret-value');
    const stored = (await t.db.query<{ id: number; prefix: string; revoked_at: Date | null }>(
      `SELECT t.id, t.prefix, t.revoked_at FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.name = $1 AND t.name = '值班大屏'`,
      [NEW_USER],
    )).rows;
    expect(stored).toHaveLength(1);
    const tokenId = stored[0]!.id;
    expect(token.startsWith(stored[0]!.prefix)).toBe(true);
    const tokenRow = page.locator(`#tk-body tr[data-token-id="${tokenId}"]`);
    await tokenRow.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await tokenRow.locator('code.token-prefix').textContent()).toBe(`${stored[0]!.prefix}…`);
    expect(await tokenRow.locator('.token-state').textContent()).toBe('有效');
    // The list holds the prefix, never the token.
    expect(await page.locator('#tk-body').textContent()).not.toContain(token);

    // 复制 puts the token on the clipboard.
    await rig.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: rig.url });
    await page.click('#us-secret-copy');
    await expect.poll(() => page.locator('.secret-copied').textContent(), { timeout: 5_000 }).toBe('已复制到剪贴板');
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(token);
    await saveScreenshot(page, 'admin-users-token-1366');

    // The token authenticates as its user.
    const me = await fetch(`${rig.url}/api/auth/me`, { headers: bearer(token) });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ user: { name: NEW_USER, role: 'pr' }, via: 'token' });

    // Shown once: leaving the tab and coming back, or reloading, does not bring it back.
    await page.click('#admin-tab-audit');
    await page.locator('#au-body tr.audit-row').first().waitFor({ state: 'visible', timeout: 10_000 });
    await page.click('#admin-tab-users');
    await tokenRow.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await secret.isHidden()).toBe(true);
    expect(await page.content()).not.toContain(token);
    await page.reload();
    await tokenRow.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await secret.isHidden()).toBe(true);
    expect(await page.content()).not.toContain(token);

    // 吊销: the row says so, the database agrees, and the token no longer authenticates.
    acceptNextConfirm();
    await tokenRow.locator('button.revoke').click();
    await expect.poll(() => tokenRow.locator('.token-state').textContent(), { timeout: 10_000 }).toBe('已吊销');
    expect(await tokenRow.locator('button.revoke').count()).toBe(0);
    const revoked = (await t.db.query<{ revoked_at: Date | null }>('SELECT revoked_at FROM api_tokens WHERE id = $1', [tokenId])).rows[0];
    expect(revoked?.revoked_at).toBeInstanceOf(Date);
    expect(await tokenRow.locator('.token-state + .summary').textContent()).toBe(beijingText(revoked!.revoked_at!).slice(0, 16));
    expect((await fetch(`${rig.url}/api/auth/me`, { headers: bearer(token) })).status).toBe(401);
    const listed = await asChief<{ tokens: Array<{ id: number; revokedAt: string | null }> }>('/api/tokens');
    expect(listed.tokens.find((x) => x.id === tokenId)?.revokedAt).not.toBeNull();
    expectCleanPage(rig.watch);
  });

  it('静默: a silence from an alert through the dialog is 生效中, and 结束 makes it 已过期', async () => {
    await page.goto(`${rig.url}/#/admin/silences`);
    await page.locator('#sl-body-active').waitFor({ state: 'attached', timeout: 10_000 });
    await expect.poll(() => page.locator('section.sl-group[data-status="active"] .empty').isVisible(), { timeout: 10_000 }).toBe(true);

    // 从预警创建: the open alerts, each with 「静默」.
    await page.click('#sl-open-alerts');
    const alertRow = page.locator(`#sl-alerts-body tr[data-alert-id="${alertId}"]`);
    await alertRow.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await alertRow.locator('.summary').textContent()).toBe(`规则「${RULE_NAME}」`);
    await alertRow.locator('button.silence-alert').click();

    // The dialog proposes this alert (its topic under its rule) first, then the topic under any rule.
    const dialog = page.locator('#silence-dialog');
    await dialog.locator('.sd-form').waitFor({ state: 'visible', timeout: 10_000 });
    const choices = dialog.locator('.sd-scope > label.check');
    expect(await choices.allTextContents()).toEqual([
      `仅此预警：话题「民警执法视频」在预警规则「${RULE_NAME}」下的预警`,
      '话题「民警执法视频」的全部预警（任何规则）',
      '自定义条件',
    ]);
    expect(await dialog.locator('input.sd-scope-choice').first().isChecked()).toBe(true);
    expect(await dialog.locator('.sd-custom').isHidden()).toBe(true);
    // A reason is required.
    await dialog.locator('label', { hasText: '8 小时' }).click();
    await page.click('#sd-submit');
    expect(await dialog.locator('.error').textContent()).toBe('请填写静默原因');
    await page.fill('#sd-reason', '已在处置中，暂停推送');
    expect(await dialog.locator('.sd-preview').textContent()).toContain(`将静默：话题为「民警执法视频」（#${topicId}），且预警规则为「${RULE_NAME}」的预警`);
    await saveScreenshot(page, 'admin-silence-dialog-1366');
    const before = Date.now();
    await page.click('#sd-submit');
    await dialog.locator('.sd-done').waitFor({ state: 'visible', timeout: 10_000 });
    const after = Date.now();

    const silences = (await t.db.query<{ id: number; matchers: unknown; starts_at: Date; ends_at: Date; comment: string; created_by: number }>('SELECT * FROM silences')).rows;
    expect(silences).toHaveLength(1);
    const s = silences[0]!;
    expect(s.matchers).toEqual([
      { field: 'topicId', op: '=', value: String(topicId) },
      { field: 'rule', op: '=', value: String(ruleId) },
    ]);
    expect(s).toMatchObject({ comment: '已在处置中，暂停推送', created_by: chief.user.id });
    expect(s.ends_at.getTime()).toBeGreaterThanOrEqual(before + 8 * HOUR);
    expect(s.ends_at.getTime()).toBeLessThanOrEqual(after + 8 * HOUR);
    expect(await dialog.locator('.sd-done .done').textContent()).toBe(`已创建静默 #${s.id}，至北京时间 ${beijingText(s.ends_at).slice(0, 16)} 结束。`);
    await page.click('#sd-close');
    await dialog.waitFor({ state: 'detached' });

    // Listed as 生效中, its conditions in words and its times in Beijing time.
    const active = page.locator(`#sl-body-active tr[data-silence-id="${s.id}"]`);
    await active.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await active.locator('.silence-status').textContent()).toBe('生效中');
    expect(await active.locator('.matcher-list li').allTextContents()).toEqual([`话题为「民警执法视频」（#${topicId}）`, `预警规则为「${RULE_NAME}」`]);
    expect(await active.locator('.sl-time .time').allTextContents()).toEqual([`${beijingText(s.starts_at).slice(0, 16)} 起`, `${beijingText(s.ends_at).slice(0, 16)} 止`]);
    expect(await active.locator('.sl-comment').textContent()).toBe('已在处置中，暂停推送');
    expect(await active.locator('.sl-who div').first().textContent()).toBe('chief');
    const activeApi = await asChief<{ silences: Array<{ id: number; status: string }> }>('/api/silences?state=active');
    expect(activeApi.silences.map((x) => [x.id, x.status])).toEqual([[s.id, 'active']]);
    await saveScreenshot(page, 'admin-silences-active-1366');

    // 结束静默: moved to 已过期; the database and the API agree.
    acceptNextConfirm();
    await active.locator('button.expire').click();
    const expired = page.locator(`#sl-body-expired tr[data-silence-id="${s.id}"]`);
    await expired.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await active.count()).toBe(0);
    expect(await expired.locator('.silence-status').textContent()).toBe('已过期');
    expect(await expired.locator('button.expire').count()).toBe(0);
    expect(await expired.locator('.sl-who .summary').allTextContents()).toContain('由 chief 提前结束');
    expect(await page.locator('#sl-done').textContent()).toBe(`已结束静默 #${s.id}，已移入「已过期」`);
    const ended = (await t.db.query<{ ends_at: Date; expired_by: number }>('SELECT ends_at, expired_by FROM silences WHERE id = $1', [s.id])).rows[0];
    expect(ended?.expired_by).toBe(chief.user.id);
    expect(ended!.ends_at.getTime()).toBeLessThanOrEqual(Date.now());
    const expiredApi = await asChief<{ silences: Array<{ id: number; status: string }> }>('/api/silences?state=expired');
    expect(expiredApi.silences.map((x) => [x.id, x.status])).toEqual([[s.id, 'expired']]);
    expect((await asChief<{ silences: unknown[] }>('/api/silences?state=current')).silences).toEqual([]);

    // 新建静默 from scratch: a condition of its own, starting in an hour (Beijing time) for 2 hours → 未开始.
    await page.click('#sl-open-new');
    const form = page.locator('#sl-new');
    await form.waitFor({ state: 'visible' });
    await page.fill('#sl-comment', '夜间系统维护');
    await page.click('#sl-submit');
    expect(await form.locator('.error').textContent()).toBe('第 1 个条件（关键词）还没有填写值');
    await form.locator('.matcher-field').selectOption('place');
    await form.locator('.matcher-op').selectOption('=~');
    await form.locator('.matcher-value').fill('天河.*');
    const startsAt = new Date(Math.ceil((Date.now() + HOUR) / 60_000) * 60_000);
    await page.fill('#sl-start', beijingText(startsAt).slice(0, 16).replace(' ', 'T'));
    await form.locator('.sl-quick button', { hasText: '2 小时' }).click();
    expect(await page.inputValue('#sl-end')).toBe(beijingText(new Date(startsAt.getTime() + 2 * HOUR)).slice(0, 16).replace(' ', 'T'));
    await page.click('#sl-submit');
    await form.waitFor({ state: 'hidden', timeout: 10_000 });
    const planned = (await t.db.query<{ id: number; matchers: unknown; starts_at: Date; ends_at: Date; comment: string }>('SELECT * FROM silences WHERE id <> $1', [s.id])).rows;
    expect(planned).toHaveLength(1);
    expect(planned[0]).toMatchObject({ matchers: [{ field: 'place', op: '=~', value: '天河.*' }], comment: '夜间系统维护', starts_at: startsAt, ends_at: new Date(startsAt.getTime() + 2 * HOUR) });
    const pending = page.locator(`#sl-body-pending tr[data-silence-id="${planned[0]!.id}"]`);
    await pending.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await pending.locator('.silence-status').textContent()).toBe('未开始');
    expect(await pending.locator('.matcher-list li').allTextContents()).toEqual(['地点符合正则 天河.*']);
    expect((await asChief<{ silences: Array<{ id: number }> }>('/api/silences?state=pending')).silences.map((x) => x.id)).toEqual([planned[0]!.id]);
    await saveScreenshot(page, 'admin-silences-1366');
    expectCleanPage(rig.watch);
  });

  it('审计日志: the changes just made, narrowed by actor, action and time; the CSV holds the filtered entries', async () => {
    const dbActions = async (where = '', params: unknown[] = []): Promise<string[]> =>
      (await t.db.query<{ action: string }>(`SELECT action FROM audit_log ${where} ORDER BY id DESC`, params)).rows.map((r) => r.action);
    const shownActions = () => page.locator('#au-body tr.audit-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
    const rows = page.locator('#au-body tr.audit-row');

    await page.goto(`${rig.url}/#/admin/audit`);
    await rows.first().waitFor({ state: 'visible', timeout: 10_000 });
    const all = await dbActions();
    expect(all).toEqual(
      expect.arrayContaining(['user.create', 'user.disable', 'user.enable', 'user.password_reset', 'token.create', 'token.revoke', 'silence.create', 'silence.expire']),
    );
    expect(await shownActions()).toEqual(all);
    // Newest first, in Beijing time, in words.
    const newest = (await t.db.query<{ at: Date; action: string }>('SELECT at, action FROM audit_log ORDER BY id DESC LIMIT 1')).rows[0]!;
    expect(newest.action).toBe('silence.create');
    expect(await rows.first().locator('td.time').textContent()).toBe(beijingText(newest.at));
    expect(await rows.first().locator('td.au-action div').textContent()).toBe('创建静默');
    expect(await rows.first().locator('td.au-what div').first().textContent()).toBe('地点符合正则 天河.*');
    expect(await rows.first().locator('td.au-actor').textContent()).toBe('chief');
    expect(await page.locator('#au-next').isDisabled()).toBe(true);

    // Another actor: nothing, as in the database.
    await page.fill('#au-actor', NEW_USER);
    await page.click('#au-filter button[type="submit"]');
    await page.locator('#admin-audit .empty').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await dbActions('WHERE actor_name = $1', [NEW_USER])).toEqual([]);
    await page.fill('#au-actor', 'chief');
    await page.click('#au-filter button[type="submit"]');
    await expect.poll(shownActions, { timeout: 10_000 }).toEqual(await dbActions('WHERE actor_name = $1', ['chief']));

    // 操作: every token change (the entity), then one action.
    await page.selectOption('#au-action', 'token');
    const tokenActions = await dbActions(`WHERE action LIKE 'token.%'`);
    expect(tokenActions).toEqual(['token.revoke', 'token.create']);
    await expect.poll(shownActions, { timeout: 10_000 }).toEqual(tokenActions);
    // Its details, field by field, in words.
    const created = rows.filter({ has: page.locator('td.au-action div', { hasText: '创建令牌' }) });
    expect(await created.locator('td.au-what div').first().textContent()).toBe(`${NEW_USER} 的令牌「值班大屏」（${(await t.db.query<{ prefix: string }>(`SELECT prefix FROM api_tokens WHERE name = '值班大屏'`)).rows[0]!.prefix}…）`);
    await created.locator('button.detail-toggle').click();
    const detail = page.locator('#au-body tr.audit-detail:visible');
    await detail.waitFor({ state: 'visible' });
    const fields = Object.fromEntries(
      await detail.locator('table.audit-fields tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.querySelector('th')?.textContent ?? '', tr.querySelector('td')?.textContent ?? ''])),
    );
    expect(fields).toMatchObject({ 所属用户: NEW_USER, 名称: '值班大屏', 吊销时间: '—' });
    expect(await created.locator('button.detail-toggle').getAttribute('aria-expanded')).toBe('true');

    await page.selectOption('#au-action', 'user.password_reset');
    await expect.poll(shownActions, { timeout: 10_000 }).toEqual(['user.password_reset']);
    expect(await rows.first().locator('td.au-action div').textContent()).toBe('重置密码');
    await saveScreenshot(page, 'admin-audit-1366');

    // A range that starts after now: nothing.
    await page.fill('#au-from', beijingText(new Date(Date.now() + HOUR)).slice(0, 16).replace(' ', 'T'));
    await page.click('#au-filter button[type="submit"]');
    await page.locator('#admin-audit .empty').waitFor({ state: 'visible', timeout: 10_000 });
    await page.fill('#au-from', '');

    // The CSV of the silence changes by chief: the file holds exactly those entries.
    await page.selectOption('#au-action', 'silence');
    const silenceActions = await dbActions(`WHERE action LIKE 'silence.%' AND actor_name = 'chief'`);
    expect(silenceActions).toEqual(['silence.create', 'silence.expire', 'silence.create']);
    await expect.poll(shownActions, { timeout: 10_000 }).toEqual(silenceActions);
    const href = new URL((await page.getAttribute('#au-csv', 'href'))!, rig.url);
    expect(href.pathname).toBe('/api/audit.csv');
    expect(Object.fromEntries(href.searchParams)).toEqual({ actor: 'chief', action: 'silence' });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#au-csv')]);
    const text = await readFile((await download.path())!, 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const [header, ...records] = parseCsv(text.slice(1));
    expect(header?.[0]).toBe('时间(北京时间)');
    expect(records.map((r) => r[2])).toEqual(silenceActions);
    expect(records.every((r) => r[1] === 'chief')).toBe(true);
    expectCleanPage(rig.watch);
  });
});
