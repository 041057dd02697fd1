/**
 * 系统管理 › 单位 in a real browser (Debian's chromium driven by playwright-core, against the real
 * server on 127.0.0.1 and a test schema), as an admin: renames the root, builds part of the tree
 * (two 分局, a 派出所 under one — kinds proposed one level down), is refused deleting a 分局 that
 * still holds a 派出所 (the API's Chinese reason on the page), cannot pick a unit's own descendant
 * as its new parent, moves a 派出所 and moves it back, writes a jurisdiction (one place a line,
 * aliases after it), adds people, ends one's duty (gone from the list, back with 显示已离任), brings
 * a user and a receiver into a 派出所 and moves the receiver on by its row's select, and downloads the 联络员台账 of the 分局 — read back by LibreOffice (xlsx → csv): the station's
 * liaison officer, in full unit name, with phone and date. Every state is checked against the
 * database too. Screenshot at 1366×768; no console errors, page errors or requests to another host.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it). Without it the
 * test is skipped, visibly, under a title that says so.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertWithLibreOffice, hasSoffice, parseCsv } from '../../../packages/forms/test/support';
import { expectCleanPage, hasChromium, saveScreenshot, skipTitle } from '../../../test/support/browser';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { insertReceiver } from '@yuqing/db';
import { makeCaller } from './auth-fixtures';
import { signIn, startPageRig, type PageRig } from './browser-fixtures';

const PASSWORD = 'units-admin-pass-1';

describe.skipIf(!hasChromium)(skipTitle('admin console: units (单位) in headless Chromium'), () => {
  let t: TestEnv;
  let rig: PageRig;
  let page: Page;

  beforeAll(async () => {
    t = await createTestEnv('adminunits');
    await makeCaller(t.db, 'chief', 'admin', PASSWORD);
    // In the root until placed: a station's duty officer and its DingTalk group.
    await makeCaller(t.db, 'dongmen-duty', 'pr');
    await insertReceiver(t.db, { name: '东门所钉钉群', kind: 'webhook', url: 'https://example.com/hook' });
    rig = await startPageRig(t, { env: { DIGEST_ENABLED: 'false', ALERTER_ENABLED: 'false', FORMS_ENABLED: 'false' } });
    page = rig.page;
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  afterAll(async () => {
    await rig?.close();
    await t?.cleanup();
  });

  const node = (name: string) => page.locator(`#un-tree li.un-node[data-name="${name}"]`);
  const pick = async (name: string) => {
    await node(name).locator('button.un-pick').click();
    await expect.poll(() => page.locator('#un-title').textContent(), { timeout: 10_000 }).toBe(name);
  };
  const done = () => page.locator('#un-done').textContent();
  const acceptNextConfirm = () => page.once('dialog', (d) => void d.accept());
  const unitRow = async (name: string) => (await t.db.query<{ id: number; parent_id: number | null; kind: string }>('SELECT id, parent_id, kind FROM units WHERE name = $1', [name])).rows[0];
  /** The tree as the page draws it: name by depth. */
  const treeText = () =>
    page.locator('#un-tree li.un-node').evaluateAll((lis) => lis.map((li) => `${'  '.repeat(Number(li.getAttribute('data-depth')))}${li.getAttribute('data-name')}`));

  it('builds part of the tree, is told what keeps a unit from going, moves a unit, writes a jurisdiction, keeps people, downloads the 联络员台账', async () => {
    await signIn(page, rig.url, 'chief', PASSWORD);
    await page.goto(`${rig.url}/#/admin/units`);
    await node('市公安局').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('#admin-tab-units').getAttribute('aria-current')).toBe('page');
    expect(await page.locator('#un-title').textContent()).toBe('市公安局');
    // The root neither moves nor goes; with no places it keeps the gazetteer file.
    expect(await page.locator('#un-open-move').isHidden()).toBe(true);
    expect(await page.locator('#un-delete').isHidden()).toBe(true);
    expect(await page.locator('#un-places-hint').textContent()).toContain('JURISDICTION_FILE');

    // 改名.
    await page.click('#un-open-rename');
    await page.fill('#un-rename-name', '测试市公安局');
    await page.click('#un-rename-submit');
    await node('测试市公安局').waitFor({ state: 'visible', timeout: 10_000 });
    expect((await t.db.query('SELECT name FROM units WHERE parent_id IS NULL')).rows).toEqual([{ name: '测试市公安局' }]);

    // 添加下级单位: the kind proposed is one level below the parent's.
    for (const name of ['城东分局', '城西分局']) {
      await pick('测试市公安局');
      await page.click('#un-open-child');
      expect(await page.inputValue('#un-child-kind')).toBe('branch');
      await page.fill('#un-child-name', name);
      await page.click('#un-child-submit');
      await node(name).waitFor({ state: 'visible', timeout: 10_000 });
      expect(await done()).toBe(`已在「测试市公安局」下添加「${name}」`);
    }
    await pick('城东分局');
    await page.click('#un-open-child');
    expect(await page.inputValue('#un-child-kind')).toBe('station');
    // Empty: said before asking.
    await page.click('#un-child-submit');
    expect(await page.locator('#un-child-form .error').textContent()).toBe('请填写单位名称');
    await page.fill('#un-child-name', '东门派出所');
    await page.click('#un-child-submit');
    await node('东门派出所').waitFor({ state: 'visible', timeout: 10_000 });
    // A newly added unit is the one chosen.
    expect(await page.locator('#un-title').textContent()).toBe('东门派出所');
    expect(await treeText()).toEqual(['测试市公安局', '  城东分局', '    东门派出所', '  城西分局']);
    const east = (await unitRow('城东分局'))!;
    expect(await unitRow('东门派出所')).toMatchObject({ parent_id: east.id, kind: 'station' });

    // A sibling's name: the API's reason, in Chinese, on the form.
    await pick('城东分局');
    await page.click('#un-open-child');
    await page.fill('#un-child-name', '东门派出所');
    await page.click('#un-child-submit');
    await expect.poll(() => page.locator('#un-child-form .error').textContent(), { timeout: 10_000 }).toBe('「城东分局」下已有名为「东门派出所」的单位');
    await page.click('#un-child-form button.secondary');

    // 删除 a 分局 that holds a 派出所: refused, and the page says what holds it.
    acceptNextConfirm();
    await page.click('#un-delete');
    await expect.poll(() => page.locator('#un-error').textContent(), { timeout: 10_000 }).toBe('「城东分局」下还有 1 个下级单位，不能删除；请先把它们移到其他单位或删除');
    expect(await unitRow('城东分局')).toBeDefined();

    // 移动: its own descendants are not offered; 东门派出所 goes under 城西分局 and comes back.
    await page.click('#un-open-move');
    const offered = await page.locator('#un-move-parent option').allTextContents();
    expect(offered.map((o) => o.trim())).toEqual(['测试市公安局（市局）', '城西分局（分局）']);
    await page.click('#un-move-form button.secondary');
    await pick('东门派出所');
    await page.click('#un-open-move');
    await page.selectOption('#un-move-parent', { label: '　城西分局（分局）' });
    await page.click('#un-move-submit');
    await expect.poll(async () => (await unitRow('东门派出所'))?.parent_id, { timeout: 10_000 }).toBe((await unitRow('城西分局'))!.id);
    // The page redraws its tree after the answer: poll, the database may be ahead of it.
    await expect.poll(treeText, { timeout: 10_000 }).toEqual(['测试市公安局', '  城东分局', '  城西分局', '    东门派出所']);
    await page.click('#un-open-move');
    await page.selectOption('#un-move-parent', { label: '　城东分局（分局）' });
    await page.click('#un-move-submit');
    await expect.poll(async () => (await unitRow('东门派出所'))?.parent_id, { timeout: 10_000 }).toBe(east.id);

    // 辖区: one place a line, aliases after it; kinds from the names.
    await pick('东门派出所');
    await page.fill('#un-places', '东门街道 东门、东门口\n东门菜市场\n\n东城区');
    await page.click('#un-places-save');
    await expect.poll(done, { timeout: 10_000 }).toBe('已保存「东门派出所」的辖区（3 个地名）');
    const dongmen = (await unitRow('东门派出所'))!;
    expect((await t.db.query('SELECT name, aliases, kind FROM unit_places WHERE unit_id = $1 ORDER BY position', [dongmen.id])).rows).toEqual([
      { name: '东门街道', aliases: ['东门', '东门口'], kind: 'town' },
      { name: '东门菜市场', aliases: [], kind: 'other' },
      { name: '东城区', aliases: [], kind: 'district' },
    ]);
    expect(await page.inputValue('#un-places')).toBe('东门街道 东门 东门口\n东门菜市场\n东城区');

    // 人员: a liaison officer and a PR officer; the latter leaves.
    await page.click('#un-open-person');
    await page.fill('#un-person-name', '张三');
    await page.selectOption('#un-person-duty', '联络员');
    await page.fill('#un-person-position', '社区民警');
    await page.fill('#un-person-phone', '0571-87000001 转 8001');
    await page.fill('#un-person-since', '2025-03-01');
    await page.fill('#un-person-note', '负责东门街道');
    await page.click('#un-person-submit');
    await page.locator('#un-people-body tr[data-person="张三"]').waitFor({ state: 'visible', timeout: 10_000 });
    await page.click('#un-open-person');
    await page.fill('#un-person-name', '李四');
    await page.selectOption('#un-person-duty', '公关民警');
    await page.fill('#un-person-since', '2024-01-01');
    await page.click('#un-person-submit');
    const li = page.locator('#un-people-body tr[data-person="李四"]');
    await li.waitFor({ state: 'visible', timeout: 10_000 });
    expect((await t.db.query(`SELECT name, duty, position, phone, since::text AS since, until, note FROM unit_people WHERE unit_id = $1 ORDER BY id`, [dongmen.id])).rows).toEqual([
      { name: '张三', duty: '联络员', position: '社区民警', phone: '0571-87000001 转 8001', since: '2025-03-01', until: null, note: '负责东门街道' },
      { name: '李四', duty: '公关民警', position: '', phone: '', since: '2024-01-01', until: null, note: '' },
    ]);
    acceptNextConfirm();
    await li.locator('button.end').click();
    await li.waitFor({ state: 'detached', timeout: 10_000 });
    const today = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' }).format(new Date());
    expect((await t.db.query(`SELECT until::text AS until FROM unit_people WHERE name = '李四'`)).rows).toEqual([{ until: today }]);
    await page.check('#un-show-ended');
    await li.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await li.getAttribute('class')).toContain('ended');
    expect(await li.locator('button.end').count()).toBe(0);
    // The tree's count is of people in their duty.
    expect(await node('东门派出所').locator('.un-count').textContent()).toBe('1 人');

    // 用户与接收端: the station's duty officer and group are brought in from the root; the group moves on by its row's select.
    await page.selectOption('#un-member-pick', 'user:dongmen-duty');
    await page.click('#un-member-add');
    await page.locator('#un-members-body tr[data-member="user:dongmen-duty"]').waitFor({ state: 'visible', timeout: 10_000 });
    const receiver = (await t.db.query<{ id: number }>(`SELECT id FROM receivers WHERE name = '东门所钉钉群'`)).rows[0]!.id;
    await page.selectOption('#un-member-pick', `receiver:${receiver}`);
    await page.click('#un-member-add');
    const groupRow = page.locator(`#un-members-body tr[data-member="receiver:${receiver}"]`);
    await groupRow.waitFor({ state: 'visible', timeout: 10_000 });
    expect((await t.db.query(`SELECT unit_id FROM users WHERE name = 'dongmen-duty'`)).rows).toEqual([{ unit_id: dongmen.id }]);
    await groupRow.locator('select').selectOption(String((await unitRow('城西分局'))!.id));
    await groupRow.waitFor({ state: 'detached', timeout: 10_000 });
    expect((await t.db.query('SELECT unit_id FROM receivers WHERE id = $1', [receiver])).rows).toEqual([{ unit_id: (await unitRow('城西分局'))!.id }]);
    expect(await done()).toBe('已把接收端 东门所钉钉群 调到「城西分局」');

    // 导出联络员台账 of 城东分局: its subtree's current liaison officers.
    await pick('城东分局');
    const link = page.locator('#un-export-liaison');
    expect(await link.getAttribute('href')).toBe(`/api/unit-people.xlsx?unitId=${east.id}&duty=${encodeURIComponent('联络员')}`);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), link.click()]);
    expect(download.suggestedFilename()).toBe('联络员台账（城东分局）.xlsx');
    const xlsx = await readFile((await download.path())!);
    expect(xlsx.subarray(0, 2).toString('latin1')).toBe('PK');
    if (hasSoffice) {
      const csv = await convertWithLibreOffice([{ name: 'liaison', data: xlsx, ext: 'xlsx' }], 'csv:Text - txt - csv (StarCalc):44,34,76,1', 'csv');
      const rows = parseCsv(csv.get('liaison')!.toString('utf8')).filter((r) => r.some((c) => c !== ''));
      expect(rows[2]).toEqual(['序号', '单位', '姓名', '职务', '职责', '联系电话', '起始日期', '备注']);
      expect(rows.slice(3)).toEqual([['1', '城东分局东门派出所', '张三', '社区民警', '联络员', '0571-87000001 转 8001', '2025-03-01', '负责东门街道']]);
    }

    await saveScreenshot(page, 'admin-units-1366');
    // Chromium notes each refused request in the console: the two refusals above (a sibling's name,
    // a 分局 that holds a 派出所), and nothing else.
    expect(rig.watch.consoleErrors).toEqual(Array(2).fill('Failed to load resource: the server responded with a status of 409 (Conflict)'));
    expectCleanPage({ ...rig.watch, consoleErrors: [] });
  });
});
