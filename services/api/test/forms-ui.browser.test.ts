/**
 * 报表 in a real browser (Debian's chromium via playwright-core, the real server on 127.0.0.1:0, a
 * test schema): an analyst opens an incident (with a linked topic and its items) and clicks
 * 「生成重大事项呈报表」, lands on the form, fills in 已采取措施 and 编号, saves (version 2 in the
 * database), meets a version conflict in Chinese when someone else saved meanwhile, and submits it
 * for review; enters a 信息采集 entry, which is listed and became an item of origin 'manual'; adds,
 * corrects and deletes a 走访 record; generates last week's 周报表 (its period checked). A
 * leader 审核通过并报送 (filed, by whom, in the database), downloads the .docx — a zip whose
 * word/document.xml holds the edited text and the incident's title — and opens the print view,
 * which prints the paper form alone. Screenshots at 1366×768; no console errors (but the browser's
 * own lines for the two 409s the test provokes), no page errors, no request to any other host.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it). Without it the
 * test is skipped, visibly, under a title that says so.
 */
import { readFile } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCleanPage, hasChromium, saveScreenshot, skipTitle } from '../../../test/support/browser';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { makeCaller } from './auth-fixtures';
import { signIn, signOut, startPageRig, type PageRig } from './browser-fixtures';
import { seedAnalysis, seedTopic } from './read-fixtures';

const PASSWORD = 'forms-pass-1';

/**
 * One file out of a zip archive (a .docx is one): the central directory read from its end, the
 * entry inflated with node's zlib — an independent reader, not the library that wrote it.
 */
function zipEntry(zip: Buffer, name: string): Buffer | null {
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('no end of central directory: not a zip');
  const entries = zip.readUInt16LE(end + 10);
  let p = zip.readUInt32LE(end + 16);
  for (let n = 0; n < entries; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('broken central directory');
    const method = zip.readUInt16LE(p + 10);
    const compressed = zip.readUInt32LE(p + 20);
    const nameLength = zip.readUInt16LE(p + 28);
    const skip = nameLength + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    if (zip.toString('utf8', p + 46, p + 46 + nameLength) === name) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + compressed);
      if (method === 0) return data;
      if (method === 8) return inflateRawSync(data);
      throw new Error(`zip method ${method} not supported`);
    }
    p += 46 + skip;
  }
  return null;
}

/** The text of a Word document's body: the runs' text with the markup taken out. */
const wordText = (xml: string): string => xml.replace(/<[^>]+>/g, '');

describe.skipIf(!hasChromium)(skipTitle('报表 (forms) in headless Chromium'), () => {
  let t: TestEnv;
  let rig: PageRig;
  let page: Page;
  let analystToken: string;

  beforeAll(async () => {
    t = await createTestEnv('formsui');
    analystToken = (await makeCaller(t.db, 'analyst1', 'analyst', PASSWORD)).token;
    await makeCaller(t.db, 'leader1', 'leader', PASSWORD);
    // No scheduled forms or digests: the test makes every form it looks at.
    rig = await startPageRig(t, { env: { DIGEST_ENABLED: 'false', FORMS_ENABLED: 'false' } });
    page = rig.page;
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  afterAll(async () => {
    await rig?.close();
    await t?.cleanup();
  });

  const login = (name: string) => signIn(page, rig.url, name, PASSWORD);

  /** The API as the analyst (token), for setting the scene. */
  async function asAnalyst<T>(method: string, url: string, body?: unknown): Promise<{ status: number; data: T }> {
    const res = await fetch(`${rig.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${analystToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, data: (await res.json()) as T };
  }

  it('an analyst makes a 重大事项呈报表 from an incident and submits it; a leader files it and downloads the .docx; the print view prints the form alone', async () => {
    // An incident with a linked topic whose three items are analysed (two police-negative).
    const { topicId, itemIds } = await seedTopic(t.db, { level: 'orange' });
    for (const [i, id] of itemIds.entries()) await seedAnalysis(t.db, id, { policeRelated: true, policeNegative: i < 2, sentiment: i < 2 ? 'negative' : 'neutral' });
    const title = '某派出所民警执法视频引发热议';
    const created = await asAnalyst<{ id: number }>('POST', '/api/incidents', { title, level: 'orange', jurisdiction: '城东分局', summary: '网传视频显示民警执法过程中发生争执。' });
    expect(created.status).toBe(201);
    const incidentId = created.data.id;
    expect((await asAnalyst('POST', `/api/incidents/${incidentId}/links`, { topicIds: [topicId] })).status).toBe(200);

    // The analyst: 报表 in the navigation, the incident's page has the button.
    await login('analyst1');
    expect(await page.locator('#nav a[data-view="forms"]').isVisible()).toBe(true);
    await page.goto(`${rig.url}/#/incidents/${incidentId}`);
    const make = page.locator('#incident-detail button.make-major-report');
    await make.waitFor({ state: 'visible', timeout: 10_000 });
    await make.click();
    await page.waitForURL(/#\/forms\/\d+$/, { timeout: 10_000 });
    const formId = Number(/#\/forms\/(\d+)$/.exec(page.url())?.[1]);
    expect(formId).toBeGreaterThan(0);
    const stored = (await t.db.query<{ kind: string; incident_id: number; status: string; version: number }>('SELECT kind, incident_id, status, version FROM forms WHERE id = $1', [formId])).rows[0];
    expect(stored).toEqual({ kind: 'major-report', incident_id: incidentId, status: 'draft', version: 1 });

    const detail = page.locator('#form-detail');
    await detail.locator('form.edit-texts').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await detail.locator('.form-head').textContent()).toContain('草稿');
    expect(await detail.locator('.form-version').textContent()).toBe('第 1 版');
    // The assembled facts: the incident's title in the editable 事项名称, the linked items counted.
    expect(await detail.locator('input[name="title"]').inputValue()).toContain(title);
    const negatives = (await t.db.query<{ n: string }>('SELECT count(*) AS n FROM item_analysis WHERE item_id = ANY($1) AND police_negative', [itemIds])).rows[0]?.n;
    expect(await detail.locator('.form-facts').textContent()).toContain(`涉警负面 ${negatives} 条`);
    // A second click on the incident opens the same form (409 FORM_EXISTS → that form).
    await page.goto(`${rig.url}/#/incidents/${incidentId}`);
    await make.click();
    await page.waitForURL(new RegExp(`#/forms/${formId}$`), { timeout: 10_000 });
    await detail.locator('form.edit-texts').waitFor({ state: 'visible', timeout: 10_000 });
    expect((await t.db.query('SELECT 1 FROM forms WHERE incident_id = $1', [incidentId])).rowCount).toBe(1);

    // 已采取措施 and 编号, saved with a note: version 2.
    const measures = '已责成属地派出所调查核实，涉事民警暂停执法岗位，督察部门介入。';
    const serial = '公关〔2026〕12号';
    await detail.locator('textarea[name="measures"]').fill(measures);
    await detail.locator('input[name="header.serial"]').fill(serial);
    await detail.locator('input[name="note"]').fill('补充已采取措施');
    await detail.locator('button.save').click();
    await expect.poll(() => detail.locator('.form-version').textContent(), { timeout: 10_000 }).toBe('第 2 版');
    expect(await page.locator('#form-done').textContent()).toContain('第 2 版');
    const versions = (
      await t.db.query<{ version: number; measures: string; serial: string; note: string }>(
        `SELECT version, data->>'measures' AS measures, data->'header'->>'serial' AS serial, note FROM form_versions WHERE form_id = $1 ORDER BY version`,
        [formId],
      )
    ).rows;
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[1]).toMatchObject({ measures, serial, note: '补充已采取措施' });
    expect(versions[0]?.measures).not.toBe(measures);
    expect(await detail.locator('.versions li.version').count()).toBe(2);
    await saveScreenshot(page, 'forms-major-report-edit-1366');

    // Someone else saves meanwhile (the API): the page's next save is refused in Chinese and offers the latest version.
    const other = await asAnalyst<{ form: { version: number } }>('PUT', `/api/forms/${formId}`, { data: { nextSteps: '持续关注舆情走势，适时发布调查进展。' }, expectVersion: 2 });
    expect(other.status).toBe(200);
    expect(other.data.form.version).toBe(3);
    await detail.locator('textarea[name="response"]').fill('已通过警方官方微博发布情况通报。');
    await detail.locator('button.save').click();
    const error = page.locator('#form-error');
    await error.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await error.textContent()).toMatch(/[\u4e00-\u9fff]/);
    expect(await error.textContent()).toContain('载入最新版本');
    await error.locator('button.reload-latest').click();
    await expect.poll(() => detail.locator('.form-version').textContent(), { timeout: 10_000 }).toBe('第 3 版');
    expect(await detail.locator('textarea[name="nextSteps"]').inputValue()).toBe('持续关注舆情走势，适时发布调查进展。');
    expect(await detail.locator('textarea[name="measures"]').inputValue()).toBe(measures);

    // 提交审核.
    await detail.locator('button.to-review').click();
    await expect.poll(() => detail.locator('.form-head .form-status').textContent(), { timeout: 10_000 }).toBe('审核中');
    expect((await t.db.query<{ status: string }>('SELECT status FROM forms WHERE id = $1', [formId])).rows[0]?.status).toBe('review');
    // In review the texts are read-only for the analyst, and filing is not the analyst's.
    expect(await detail.locator('textarea[name="measures"]').getAttribute('readonly')).not.toBeNull();
    expect(await detail.locator('button.to-filed').count()).toBe(0);

    // 信息采集: an entry, listed, and an item of origin 'manual' in the database.
    await page.click('#nav a[data-view="forms"]');
    await page.locator('#forms-view .forms-tabs a[data-kind="info-collection"]').click();
    const info = page.locator('#forms-view form.info-form');
    await info.waitFor({ state: 'visible', timeout: 10_000 });
    const content = '群众来电反映某小区附近夜间有人聚集滋事，希望加强巡逻。';
    await info.locator('select[name="channel"]').selectOption('来电');
    await info.locator('input[name="occurredAt"]').fill('2026-03-02T21:30');
    await info.locator('input[name="place"]').fill('城东区某小区');
    await info.locator('input[name="people"]').fill('来电群众王某');
    await info.locator('textarea[name="content"]').fill(content);
    await info.locator('textarea[name="followUp"]').fill('已转辖区派出所');
    await info.locator('button[type="submit"]').click();
    await expect.poll(() => info.locator('.done').textContent(), { timeout: 10_000 }).toContain('已登记');
    const entry = (
      await t.db.query<{ id: number; channel: string; occurred_at: Date; origin: string; item_id: number }>(
        'SELECT e.id, e.channel, e.occurred_at, i.origin, e.item_id FROM info_entries e JOIN items i ON i.id = e.item_id WHERE e.content = $1',
        [content],
      )
    ).rows;
    expect(entry).toHaveLength(1);
    expect(entry[0]).toMatchObject({ channel: '来电', origin: 'manual', occurred_at: new Date('2026-03-02T13:30:00Z') });
    // Listed when its period is shown (the list defaults to the last month up to today).
    const list = page.locator('#forms-view .info-list');
    await list.locator('input[name="from"]').fill('2026-03-01');
    await list.locator('input[name="to"]').fill('2026-03-31');
    await list.locator('input[name="to"]').dispatchEvent('change');
    const row = list.locator(`tr.info-entry[data-entry-id="${entry[0]?.id}"]`);
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await row.textContent()).toContain(content);
    expect(await row.textContent()).toContain('2026-03-02 21:30');
    expect(await row.locator('button.item-link').getAttribute('data-item-id')).toBe(String(entry[0]?.item_id));
    expect(await list.locator('a.export-info').getAttribute('href')).toBe('/api/info-entries.xlsx?from=2026-03-01&to=2026-04-01');
    await saveScreenshot(page, 'forms-info-collection-1366');

    // 走访记录: a visit added, corrected and deleted (in the row, two steps); the quarter's export.
    await page.locator('#forms-view .forms-tabs a[data-kind="visit-record"]').click();
    const visitForm = page.locator('#forms-view form.visit-form');
    await visitForm.waitFor({ state: 'visible', timeout: 10_000 });
    await visitForm.locator('input[name="visitedOn"]').fill('2026-11-20');
    await visitForm.locator('input[name="person"]').fill('张某某');
    await visitForm.locator('select[name="role"]').selectOption('政协委员');
    await visitForm.locator('input[name="organisation"]').fill('某区政协委员');
    await visitForm.locator('textarea[name="views"]').fill('建议在学校周边增设上下学高峰护学岗。');
    await visitForm.locator('button[type="submit"]').click();
    await expect.poll(() => visitForm.locator('.done').textContent(), { timeout: 10_000 }).toContain('张某某');
    const visit = (await t.db.query<{ id: number; visited_on: string; role: string }>(`SELECT id, to_char(visited_on, 'YYYY-MM-DD') AS visited_on, role FROM visits WHERE person = '张某某'`)).rows;
    expect(visit).toEqual([{ id: expect.any(Number), visited_on: '2026-11-20', role: '政协委员' }]);
    const visitRow = page.locator(`#forms-view tr.visit[data-visit-id="${visit[0]?.id}"]`);
    await visitRow.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await visitRow.textContent()).toContain('2026-11-20');
    expect(await page.locator('#forms-view a.export-visits').getAttribute('href')).toBe('/api/visits.xlsx?from=2026-10-01&to=2027-01-01');
    await visitRow.locator('button.edit-visit').click();
    const editVisit = page.locator('#forms-view form.edit-visit-form');
    await editVisit.locator('input[name="organisation"]').fill('某区政协常委');
    await editVisit.locator('button[type="submit"]').click();
    await expect.poll(() => visitRow.textContent(), { timeout: 10_000 }).toContain('某区政协常委');
    expect((await t.db.query<{ organisation: string }>('SELECT organisation FROM visits WHERE id = $1', [visit[0]?.id])).rows[0]?.organisation).toBe('某区政协常委');
    await saveScreenshot(page, 'forms-visits-1366');
    await visitRow.locator('button.delete-visit').click();
    await visitRow.locator('button.confirm-delete').click();
    await visitRow.waitFor({ state: 'detached', timeout: 10_000 });
    expect((await t.db.query('SELECT 1 FROM visits WHERE id = $1', [visit[0]?.id])).rowCount).toBe(0);

    // 「生成」 a 周报表: by default last week, Monday to Monday in Beijing time.
    await page.locator('#forms-view .forms-tabs a[data-kind="weekly-report"]').click();
    const generate = page.locator('#forms-view form.generate');
    await generate.waitFor({ state: 'visible', timeout: 10_000 });
    await generate.locator('button[type="submit"]').click();
    await page.waitForURL((u) => /#\/forms\/\d+$/.test(u.hash) && !u.hash.endsWith(`/${formId}`), { timeout: 15_000 });
    const weeklyId = Number(/#\/forms\/(\d+)$/.exec(page.url())?.[1]);
    const weekly = (await t.db.query<{ kind: string; period_start: Date; period_end: Date }>('SELECT kind, period_start, period_end FROM forms WHERE id = $1', [weeklyId])).rows[0];
    const bj = new Date(Date.now() + 8 * 3_600_000);
    const sinceMonday = (bj.getUTCDay() + 6) % 7;
    const lastMonday = Date.UTC(bj.getUTCFullYear(), bj.getUTCMonth(), bj.getUTCDate() - sinceMonday - 7) - 8 * 3_600_000;
    expect(weekly?.kind).toBe('weekly-report');
    expect(weekly?.period_start.getTime()).toBe(lastMonday);
    expect(weekly?.period_end.getTime()).toBe(lastMonday + 7 * 86_400_000);
    const firstDay = new Date(lastMonday + 8 * 3_600_000).toISOString().slice(0, 10);
    const lastDay = new Date(lastMonday + 6 * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
    await expect.poll(() => detail.locator('.form-meta').textContent(), { timeout: 10_000 }).toContain(`时段：${firstDay} 至 ${lastDay}`);
    expect(await detail.locator('textarea[name="mainWork"]').isEditable()).toBe(true);
    await saveScreenshot(page, 'forms-weekly-edit-1366');
    await detail.locator('button.open-print').click();
    const weeklySheet = page.locator('#forms-view .print-view .sheet');
    await weeklySheet.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await weeklySheet.locator('.sheet-title').textContent()).toBe('警察公共关系工作情况周报表');
    await saveScreenshot(page, 'forms-weekly-print-1366');
    await page.locator('#forms-view button.close-print').click();
    await signOut(page);

    // The leader: 审核通过并报送.
    await login('leader1');
    await page.goto(`${rig.url}/#/forms/${formId}`);
    await detail.locator('button.to-filed').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await detail.locator('button.save').count()).toBe(0);
    await detail.locator('button.to-filed').click();
    await expect.poll(() => detail.locator('.form-head .form-status').textContent(), { timeout: 10_000 }).toBe('已报送');
    const filed = (await t.db.query<{ status: string; filed_by: string; filed_version: number; filed_at: Date | null }>('SELECT status, filed_by, filed_version, filed_at FROM forms WHERE id = $1', [formId])).rows[0];
    expect(filed).toMatchObject({ status: 'filed', filed_by: 'leader1', filed_version: 3 });
    expect(filed?.filed_at).toBeInstanceOf(Date);
    expect(await detail.locator('.form-meta').textContent()).toContain('报送：leader1');

    // The .docx of the filed version: a zip whose document holds the edited text and the incident's title.
    const link = detail.locator('.form-toolbar a.download-docx');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), link.click()]);
    expect(download.suggestedFilename()).toMatch(/\.docx$/);
    const file = await download.path();
    const docx = await readFile(file);
    expect(docx.subarray(0, 2).toString('latin1')).toBe('PK');
    const xml = zipEntry(docx, 'word/document.xml')?.toString('utf8') ?? '';
    const text = wordText(xml);
    expect(text).toContain(measures);
    expect(text).toContain(title);
    expect(text).toContain(serial);

    // The list shows it filed, by whom.
    await page.goto(`${rig.url}/#/forms/major-report`);
    const listed = page.locator(`#forms-body tr[data-form-id="${formId}"]`);
    await listed.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await listed.textContent()).toContain('已报送');
    expect(await listed.textContent()).toContain('leader1');
    expect(await listed.textContent()).toContain('第 3 版');
    await saveScreenshot(page, 'forms-list-1366');

    // 打印: the paper form — 编号, the fields, the blank 领导批示 box — and in print only it.
    await listed.locator('a.title').click();
    await detail.locator('button.open-print').click();
    const sheet = page.locator('#forms-view .print-view .sheet');
    await sheet.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await sheet.locator('.sheet-head').textContent()).toContain(`编号：${serial}`);
    expect(await sheet.locator('.sheet-title').textContent()).toBe('重大事项呈报表');
    expect(await sheet.locator('tr[data-field="已采取措施"]').textContent()).toContain(measures);
    expect((await sheet.locator('tr[data-field="领导批示"] td').textContent())?.trim()).toBe('');
    await saveScreenshot(page, 'forms-major-report-print-1366');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('header.bar').isVisible()).toBe(false);
    expect(await page.locator('#forms-view .print-tools').isVisible()).toBe(false);
    expect(await sheet.isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });
    await page.locator('#forms-view button.close-print').click();
    await detail.locator('button.open-print').waitFor({ state: 'visible' });

    await signOut(page);
    // The two refusals the test provoked — the second 「生成」 on the incident (FORM_EXISTS) and the
    // stale save (FORM_VERSION_CONFLICT) — are the browser's own log lines for a 409; nothing else.
    const watch = rig.watch;
    const conflicts = watch.consoleErrors.filter((m) => /status of 409/.test(m));
    expect(conflicts, JSON.stringify(watch.consoleErrors)).toHaveLength(2);
    expectCleanPage({ ...watch, consoleErrors: watch.consoleErrors.filter((m) => !/status of 409/.test(m)) });
  });
});

