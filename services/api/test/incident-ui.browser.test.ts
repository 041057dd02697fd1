/**
 * The incident workflow in a real browser: Debian's chromium driven by playwright-core, against the
 * real server (startApiServer on 127.0.0.1:0, a test schema). An analyst logs in, sets a seeded
 * alert's level by hand, opens an incident from it with one click, walks it 研判中 → 处置中 →
 * 已回应 (the response form, its time typed in Beijing time) → 已结案, writes a note, and sees the
 * timeline, the heat before and after the response, and the register. A leader writes a 领导批示;
 * an analyst corrects an item's automatic analysis and withdraws the correction; a leader generates
 * a 日报 for a period typed in Beijing time and opens 「今日日报」. No console
 * errors, no page errors, no request to any host but the service; what the page shows is checked
 * against what the database then holds.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it). Without it the
 * test is skipped, visibly, under a title that says so.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAlertEvent, insertAlert, withTransaction } from '@yuqing/db';
import { expectCleanPage, hasChromium, skipTitle } from '../../../test/support/browser';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { beijingText } from '../../../test/support/time';
import { makeCaller } from './auth-fixtures';
import { signIn, signOut, startPageRig, type PageRig } from './browser-fixtures';
import { seedAnalysis, seedItem, seedTopic } from './read-fixtures';

const PASSWORD = 'analyst-pass-1';

describe.skipIf(!hasChromium)(skipTitle('incident workflow in headless Chromium'), () => {
  let t: TestEnv;
  let rig: PageRig;
  let page: Page;
  let analystToken: string;

  beforeAll(async () => {
    t = await createTestEnv('incidentui');
    analystToken = (await makeCaller(t.db, 'analyst1', 'analyst', PASSWORD)).token;
    await makeCaller(t.db, 'leader1', 'leader', PASSWORD);
    rig = await startPageRig(t, { env: { SSE_HEARTBEAT_MS: '5000', DIGEST_ENABLED: 'false' } });
    page = rig.page;
  });

  const login = (name: string) => signIn(page, rig.url, name, PASSWORD);
  const logout = () => signOut(page);

  /** The API as the analyst (token), for setting the scene. */
  async function asAnalyst(method: string, url: string, body: unknown): Promise<{ status: number; data: { id: number } }> {
    const res = await fetch(`${rig.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${analystToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, data: (await res.json()) as { id: number } };
  }

  afterAll(async () => {
    await rig?.close();
    await t?.cleanup();
  });

  it('an analyst opens an incident from an alert and walks it to 已结案 with a response and a note', async () => {
    // A topic (its series: one item at 08:00, 08:10 and 08:20 UTC on 2025-03-01) and an orange
    // alert on it, as the alerter stores them.
    const { topicId } = await seedTopic(t.db, { level: 'orange' });
    const title = '某派出所民警执法视频引发热议';
    const alertId = await withTransaction(t.db, async (client) => {
      const alert = await insertAlert(client, { kind: 'topic', dedupKey: `rule:1:topic:${topicId}`, level: 'orange', title, summary: '多个来源转发', heat: 42, topicId });
      if (!alert) throw new Error('alert not created');
      await appendAlertEvent(client, {
        alertId: alert.id,
        type: 'firing',
        level: 'orange',
        payload: { from: 'yellow', to: 'orange', reason: '测试', topicId },
        audienceRoles: ['admin', 'pr', 'analyst', 'leader'],
      });
      return alert.id;
    });

    expect(new URL(rig.url).hostname).toBe('127.0.0.1');
    await login('analyst1');

    // The navigation an analyst has: every view but the admin's, 态势 first; an analyst lands on the
    // live list.
    await page.locator('#alerts-view').waitFor({ state: 'visible' });
    expect(await page.locator('#nav a:visible').allTextContents()).toEqual(['态势', expect.stringContaining('预警'), '事件', '日报/周报', '报表', '话题', '热榜', '条目', '监测方案']);
    const row = page.locator(`tr[data-alert-id="${alertId}"]`);
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    // An analyst cannot acknowledge, but can set the level and open an incident.
    expect(await row.locator('button.ack').count()).toBe(0);

    // 「调整级别」: orange → red, with a reason.
    await row.locator('button.adjust-level').click();
    await row.locator('.level-form select[name="level"]').selectOption('red');
    await row.locator('.level-form input[name="reason"]').fill('涉及人身安全，提级处置');
    await row.locator('.level-form button[type="submit"]').click();
    await expect.poll(() => row.getAttribute('class'), { timeout: 10_000 }).toContain('level-red');
    await expect.poll(() => row.locator('.manual-level').textContent()).toContain('涉及人身安全，提级处置');
    const stored = (await t.db.query<{ level: string; manual_level: string; level_change_reason: string }>('SELECT level, manual_level, level_change_reason FROM alerts WHERE id = $1', [alertId])).rows[0];
    expect(stored).toEqual({ level: 'red', manual_level: 'red', level_change_reason: '涉及人身安全，提级处置' });

    // 「建立事件」 opens the new incident's page.
    await row.locator('button.make-incident').click();
    await page.waitForURL(/#\/incidents\/\d+$/, { timeout: 10_000 });
    const incidentId = Number(/#\/incidents\/(\d+)$/.exec(page.url())?.[1]);
    expect(incidentId).toBeGreaterThan(0);
    await page.locator('#incident-view').waitFor({ state: 'visible' });
    const head = page.locator('#incident-detail .incident-head');
    await expect.poll(() => head.textContent(), { timeout: 10_000 }).toContain(title);
    expect(await head.locator('.status').textContent()).toBe('新建');
    expect(await head.locator('.badge').textContent()).toBe('红色');
    const created = (await t.db.query<{ title: string; status: string; level: string; due_at: Date }>('SELECT title, status, level, due_at FROM incidents WHERE id = $1', [incidentId])).rows[0];
    expect(created).toMatchObject({ title, status: 'new', level: 'red' });
    // The response clock in Beijing time, still running.
    const fields = page.locator('#incident-detail .fields');
    expect(await fields.textContent()).toContain(beijingText(created?.due_at ?? new Date(0)));
    expect(await fields.locator('.clock').textContent()).toMatch(/^剩余 /);
    // What it was opened from.
    expect(await page.locator('#incident-detail .linked-alert').textContent()).toContain(title);

    // The alert's topic, linked through the API (this page has no topic view); a reload of the
    // incident's address shows it again, signed in, with the topic among its links.
    expect((await asAnalyst('POST', `/api/incidents/${incidentId}/links`, { topicIds: [topicId] })).status).toBe(200);
    await page.reload();
    await page.locator('#incident-view').waitFor({ state: 'visible' });
    await page.locator('#incident-detail .linked-topic').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('#incident-detail .linked-topic').textContent()).toContain('民警执法视频');

    // 「编辑事件」: jurisdiction, owner (the analyst), free tags, and the level down with its reason.
    await page.locator('#incident-detail button.open-edit').click();
    const edit = page.locator('#incident-detail form.edit-form');
    await edit.waitFor({ state: 'visible' });
    await edit.locator('input[name="jurisdiction"]').fill('城东分局');
    await edit.locator('select[name="ownerId"]').selectOption({ label: 'analyst1（我）' });
    await edit.locator('input[name="freeTags"]').fill('执法规范，视频');
    await edit.locator('select[name="level"]').selectOption('orange');
    await edit.locator('input[name="levelReason"]').fill('已控制事态，降为橙色');
    await edit.locator('button[type="submit"]').click();
    await expect.poll(() => head.locator('.badge').textContent(), { timeout: 10_000 }).toBe('橙色');
    const edited = (await fields.textContent()) ?? '';
    expect(edited).toContain('城东分局');
    expect(edited).toContain('执法规范');
    expect(edited).toContain('已控制事态，降为橙色');
    const afterEdit = (
      await t.db.query<{ jurisdiction: string; owner_id: number; free_tags: string[]; level: string; level_change_reason: string }>(
        'SELECT jurisdiction, owner_id, free_tags, level, level_change_reason FROM incidents WHERE id = $1',
        [incidentId],
      )
    ).rows[0];
    const analystId = (await t.db.query<{ id: number }>(`SELECT id FROM users WHERE name = 'analyst1'`)).rows[0]?.id;
    expect(afterEdit).toEqual({ jurisdiction: '城东分局', owner_id: analystId, free_tags: ['执法规范', '视频'], level: 'orange', level_change_reason: '已控制事态，降为橙色' });

    const status = () => head.locator('.status').textContent();
    const transition = (to: string) => page.locator(`#incident-detail button.transition[data-to="${to}"]`);

    // 研判中, 处置中: one click each.
    await transition('assessing').click();
    await expect.poll(status, { timeout: 10_000 }).toBe('研判中');
    await transition('handling').click();
    await expect.poll(status, { timeout: 10_000 }).toBe('处置中');

    // 已回应: the response form, its time typed in Beijing time (16:20 on 1 March = 08:20 UTC).
    await transition('responded').click();
    const form = page.locator('#incident-detail form.transition-form[data-needs="response"]');
    await form.waitFor({ state: 'visible' });
    await form.locator('input[name="at"]').fill('2025-03-01T16:20');
    await form.locator('input[name="channel"]').fill('警方官方微博');
    await form.locator('textarea[name="text"]').fill('经核查，视频反映情况属实，涉事民警已停职接受调查。');
    await form.locator('button[type="submit"]').click();
    await expect.poll(status, { timeout: 10_000 }).toBe('已回应');
    const responseAt = new Date('2025-03-01T08:20:00Z');
    const fieldsText = (await fields.textContent()) ?? '';
    expect(fieldsText).toContain(`${beijingText(responseAt)} · 警方官方微博`);
    expect(fieldsText).toContain('涉事民警已停职接受调查');
    // Before the response: the items of 08:00 and 08:10; after it: the one of 08:20.
    const heat = page.locator('#incident-detail .heat-card');
    await heat.waitFor({ state: 'visible' });
    const heatChart = heat.locator('.heat-chart');
    await heatChart.locator('canvas').first().waitFor({ state: 'attached' });
    expect(await heatChart.getAttribute('data-before')).toBe('2');
    expect(await heatChart.getAttribute('data-after')).toBe('1');
    expect(await heatChart.getAttribute('aria-label')).toContain(`回应于 ${beijingText(responseAt).slice(0, 16)}`);
    expect(await heat.locator('.heat-caption').textContent()).toMatch(/回应前 \d+ 小时共 2 条，回应后 \d+ 小时共 1 条/);

    // A note, then 已结案 with its summary.
    const note = page.locator('#incident-detail form.note-form');
    await note.locator('textarea[name="body"]').fill('已与属地派出所核实，舆情趋于平稳。');
    await note.locator('button[type="submit"]').click();
    await page.locator('#incident-detail .timeline li.kind-note').waitFor({ state: 'visible', timeout: 10_000 });
    await transition('closed').click();
    const closing = page.locator('#incident-detail form.transition-form[data-needs="closingSummary"]');
    await closing.locator('textarea[name="closingSummary"]').fill('回应及时，舆情平息，予以结案。');
    await closing.locator('button[type="submit"]').click();
    await expect.poll(status, { timeout: 10_000 }).toBe('已结案');
    expect(await fields.textContent()).toContain('回应及时，舆情平息，予以结案。');

    // The timeline: created, the four status changes and the note, in that order of kinds.
    const kinds = await page.locator('#incident-detail .timeline li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-kind')));
    expect(kinds[0]).toBe('created');
    expect(kinds.filter((k) => k === 'status')).toHaveLength(4);
    expect(kinds.filter((k) => k === 'note')).toHaveLength(1);
    const timeline = (await page.locator('#incident-detail .timeline').textContent()) ?? '';
    for (const label of ['研判中', '处置中', '已回应', '已结案']) expect(timeline).toContain(label);
    expect(timeline).toContain('已与属地派出所核实，舆情趋于平稳。');
    expect(timeline).toContain('analyst1');

    // The database holds what the page showed.
    const final = (
      await t.db.query<{ status: string; response_at: Date; response_channel: string; response_text: string; closing_summary: string }>(
        'SELECT status, response_at, response_channel, response_text, closing_summary FROM incidents WHERE id = $1',
        [incidentId],
      )
    ).rows[0];
    expect(final).toEqual({
      status: 'closed',
      response_at: responseAt,
      response_channel: '警方官方微博',
      response_text: '经核查，视频反映情况属实，涉事民警已停职接受调查。',
      closing_summary: '回应及时，舆情平息，予以结案。',
    });
    const entries = (await t.db.query<{ kind: string }>('SELECT kind FROM incident_timeline WHERE incident_id = $1 ORDER BY id', [incidentId])).rows.map((r) => r.kind);
    expect(entries.filter((k) => k === 'status')).toHaveLength(4);
    expect(entries).toContain('note');

    // The register: an overdue incident flagged in red with how long it is overdue, the closed one
    // among all with its status, the export links.
    const overdueId = (
      await t.db.query<{ id: number }>(
        `INSERT INTO incidents (title, level, status, due_at, created_by_name) VALUES ('超时未回应的事件', 'yellow', 'assessing', now() - interval '3 hours 10 minutes', 'analyst1') RETURNING id`,
      )
    ).rows[0]?.id;
    await page.click('#nav a[data-view="incidents"]');
    await page.locator('#incidents-view').waitFor({ state: 'visible' });
    const late = page.locator(`#inc-body tr[data-incident-id="${overdueId}"]`);
    await late.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await late.getAttribute('class')).toContain('overdue');
    expect(await late.locator('.clock').textContent()).toMatch(/^已超时 3小时1\d分钟$/);
    // Open ones only by default: the closed incident is not listed until 全部 is chosen.
    expect(await page.locator(`#inc-body tr[data-incident-id="${incidentId}"]`).count()).toBe(0);
    await page.selectOption('#f-status', '');
    const listed = page.locator(`#inc-body tr[data-incident-id="${incidentId}"]`);
    await listed.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await listed.locator('.status').textContent()).toBe('已结案');
    expect(await listed.getAttribute('class')).not.toContain('overdue');
    expect(await page.getAttribute('#inc-export', 'href')).toBe('/api/incidents.csv');
    expect(await page.getAttribute('#alerts-export', 'href')).toBe('/api/alerts.csv');

    await logout();
    expectCleanPage(rig.watch);
  });

  it('a leader reads an incident and writes a 领导批示; the workflow buttons are not the leader\'s', async () => {
    const created = await asAnalyst('POST', '/api/incidents', { title: '某地交通事故处置引发质疑', level: 'yellow' });
    expect(created.status).toBe(201);
    const id = created.data.id;

    await login('leader1');
    // No item corrections for a leader: no 条目 in the navigation, and #/items leads to the
    // leader's home, 态势总览.
    expect(await page.locator('#nav a:visible').allTextContents()).toEqual(['态势', expect.stringContaining('预警'), '事件', '日报/周报', '报表', '话题', '热榜']);
    await page.goto(`${rig.url}/#/items`);
    await page.waitForURL(/#\/overview$/);
    // Shown (not `hidden`): whether it has drawn its figures yet is the overview's own test's matter.
    await expect.poll(() => page.locator('#overview-view').evaluate((s) => s.hidden)).toBe(false);
    expect(await page.locator('#items-view').isVisible()).toBe(false);
    await page.goto(`${rig.url}/#/incidents/${id}`);
    const head = page.locator('#incident-detail .incident-head');
    await expect.poll(() => head.textContent(), { timeout: 10_000 }).toContain('某地交通事故处置引发质疑');
    // 新建 → 研判中 is the workers' step, not the leader's; nor is editing.
    expect(await page.locator('#incident-detail button.transition').count()).toBe(0);
    expect(await page.locator('#incident-detail button.open-edit').count()).toBe(0);

    const note = page.locator('#incident-detail form.note-form');
    expect(await note.locator('select[name="kind"]').inputValue()).toBe('instruction');
    await note.locator('textarea[name="body"]').fill('请属地分局24小时内核实并回应。');
    await note.locator('button[type="submit"]').click();
    const entry = page.locator('#incident-detail .timeline li.kind-instruction');
    await entry.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await entry.textContent()).toContain('领导批示');
    expect(await entry.textContent()).toContain('请属地分局24小时内核实并回应。');
    expect(await entry.textContent()).toContain('leader1');
    const { rows } = await t.db.query<{ kind: string; body: string; actor_name: string }>(
      `SELECT kind, body, actor_name FROM incident_timeline WHERE incident_id = $1 AND kind = 'instruction'`,
      [id],
    );
    expect(rows).toEqual([{ kind: 'instruction', body: '请属地分局24小时内核实并回应。', actor_name: 'leader1' }]);

    await logout();
    expectCleanPage(rig.watch);
  });

  it('an analyst corrects an item: both the automatic and the corrected value are shown; the correction can be withdrawn', async () => {
    const itemId = await seedItem(t.db, { title: '网传某派出所拒不出警', sourceName: '论坛', publishedAt: new Date('2025-03-02T01:00:00Z') });
    await seedAnalysis(t.db, itemId, { policeRelated: true, sentiment: 'neutral', policeNegative: false });

    await login('analyst1');
    await page.click('#nav a[data-view="items"]');
    const card = page.locator(`#items-list li[data-item-id="${itemId}"]`);
    await card.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await card.textContent()).toContain('网传某派出所拒不出警');
    expect(await card.textContent()).toContain('2025-03-02 09:00');
    expect(await card.locator('.judgements').textContent()).not.toContain('人工校正');

    await card.locator('button.fix').click();
    const form = card.locator('form.label-form');
    await form.locator('select[name="policeNegative"]').selectOption('true');
    await form.locator('select[name="sentiment"]').selectOption('negative');
    await form.locator('input[name="note"]').fill('帖文指责民警不作为');
    await form.locator('button[type="submit"]').click();

    // Redrawn from the answer: the automatic value struck through, the corrected one beside it.
    const fresh = page.locator(`#items-list li[data-item-id="${itemId}"]`);
    await fresh.locator('.judgement.corrected').first().waitFor({ state: 'visible', timeout: 10_000 });
    const judgements = (await fresh.locator('.judgements').textContent()) ?? '';
    expect(judgements).toContain('涉警负面：否 → 是（人工校正）');
    expect(judgements).toContain('情感：中性 → 负面（人工校正）');
    expect(judgements).toContain('帖文指责民警不作为');
    expect(judgements).toContain('analyst1');
    const label = await t.db.query<{ police_related: boolean | null; police_negative: boolean; sentiment: string; note: string }>(
      'SELECT police_related, police_negative, sentiment, note FROM item_labels WHERE item_id = $1',
      [itemId],
    );
    expect(label.rows).toEqual([{ police_related: null, police_negative: true, sentiment: 'negative', note: '帖文指责民警不作为' }]);

    // 撤销纠正 (after the confirmation): the automatic values count again.
    page.once('dialog', (d) => void d.accept());
    await fresh.locator('button.unfix').click();
    await expect.poll(() => page.locator(`#items-list li[data-item-id="${itemId}"] .judgements`).textContent(), { timeout: 10_000 }).not.toContain('人工校正');
    expect((await t.db.query('SELECT 1 FROM item_labels WHERE item_id = $1', [itemId])).rowCount).toBe(0);

    await logout();
    expectCleanPage(rig.watch);
  });

  it('a leader generates a 日报 for a period typed in Beijing time, finds it in the list and opens 「今日日报」', async () => {
    await login('leader1');
    await page.click('#nav a[data-view="digests"]');
    await page.locator('#digests-view').waitFor({ state: 'visible' });
    const form = page.locator('#digest-generate');
    await form.waitFor({ state: 'visible' });
    // 日报: the end follows the start (one day later).
    await page.selectOption('#g-kind', 'daily');
    await page.fill('#g-from', '2025-03-01T08:00');
    await page.locator('#g-from').dispatchEvent('change');
    expect(await page.inputValue('#g-to')).toBe('2025-03-02T08:00');
    await page.click('#g-submit');
    await page.locator('#generate-done').waitFor({ state: 'visible', timeout: 30_000 });

    // Stored for 08:00 Beijing time = 00:00 UTC, by the leader.
    const { rows } = await t.db.query<{ id: number; kind: string; period_start: Date; period_end: Date; generated_by: string }>(
      'SELECT id, kind, period_start, period_end, generated_by FROM digests',
    );
    expect(rows).toEqual([
      { id: expect.any(Number), kind: 'daily', period_start: new Date('2025-03-01T00:00:00Z'), period_end: new Date('2025-03-02T00:00:00Z'), generated_by: 'leader1' },
    ]);
    const id = rows[0]?.id;
    const row = page.locator(`#digests-body tr[data-digest-id="${id}"]`);
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    const text = (await row.textContent()) ?? '';
    expect(text).toContain('日报');
    expect(text).toContain('2025-03-01 08:00 至 2025-03-02 08:00');
    expect(text).toContain('leader1');
    // Its headline figures in words.
    expect(await row.locator('.headline').textContent()).toMatch(/^信息 \d+/);
    expect(new URL((await row.locator('a.title').getAttribute('href')) ?? '', rig.url).pathname).toBe(`/api/digests/${id}/html`);

    // 「今日日报」 opens the newest daily digest's page in a new tab.
    const [tab] = await Promise.all([rig.context.waitForEvent('page'), page.click('#today-digest')]);
    await tab.waitForLoadState();
    expect(new URL(tab.url()).pathname).toBe(`/api/digests/${id}/html`);
    expect(await tab.title()).not.toBe('');
    await tab.close();

    await logout();
    expectCleanPage(rig.watch);
  });
});
