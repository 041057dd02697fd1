/** `yuqing forms list|generate|export` on the seeded forms world: drafts like the page's (audited as the CLI user, no twins), documents written to files. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../test/support/run-cli';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bj, seedFormsWorld, WEEK, type SeededWorld } from '../../api/test/forms-fixtures';

let t: TestEnv;
let world: SeededWorld;

beforeAll(async () => {
  t = await createTestEnv('cliforms', { DIGEST_TIMEZONE: 'Asia/Shanghai', BUREAU_UNIT_NAME: '命令行测试单位' });
  const user = async (name: string, role: string) =>
    Number((await t.db.query<{ id: number }>(`INSERT INTO users (name, display_name, role) VALUES ($1, $1, $2) RETURNING id`, [name, role])).rows[0]!.id);
  world = await seedFormsWorld(t.db, { analystId: await user('analyst-c', 'analyst'), leaderId: await user('leader-c', 'leader') });
});
afterAll(async () => {
  await t.cleanup();
});

const cli = (argv: string[], cwd?: string) => runCli(argv, { env: t.env, ...(cwd ? { cwd } : {}) });

describe('yuqing forms', () => {
  let weeklyId: number;

  it('generates a draft of a period, audited as the CLI user; a second one is refused with the first\'s number', async () => {
    const r = await cli(['forms', 'generate', 'weekly-report', '--from', '2026-03-02', '--to', '2026-03-09']);
    expect(r.stderr).toContain('已生成');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    weeklyId = out.id;
    expect(out).toMatchObject({ kind: 'weekly-report', status: 'draft', version: 1, title: '警察公共关系工作情况周报表（2026-03-02 至 2026-03-08）' });
    const [row] = (await t.db.query<{ period_start: Date; period_end: Date; created_by: string }>('SELECT * FROM forms WHERE id = $1', [weeklyId])).rows;
    expect(row).toMatchObject({ period_start: WEEK.from, period_end: WEEK.to, created_by: `cli:${userInfo().username}` });
    const [data] = (await t.db.query<{ data: { figures: { items: number }; header: { unit: string } } }>('SELECT data FROM form_versions WHERE form_id = $1', [weeklyId])).rows;
    const [n] = (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM items WHERE published_at >= $1 AND published_at < $2', [WEEK.from, WEEK.to])).rows;
    expect(data!.data.figures.items).toBe(n!.n);
    expect(data!.data.header.unit).toBe('命令行测试单位');
    const audit = await t.db.query<{ actor_name: string }>(`SELECT actor_name FROM audit_log WHERE action = 'form.create' AND entity_id = $1`, [String(weeklyId)]);
    expect(audit.rows).toEqual([{ actor_name: `cli:${userInfo().username}` }]);

    const again = await cli(['forms', 'generate', 'weekly-report', '--from', '2026-03-02', '--to', '2026-03-09']);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain(`#${weeklyId}`);
    expect((await t.db.query(`SELECT 1 FROM forms WHERE kind = 'weekly-report'`)).rowCount).toBe(1);
  });

  it('an incident\'s major report; the month just ended by default; refusals in Chinese', async () => {
    const major = await cli(['forms', 'generate', 'major-report', '--incident', String(world.incidents['i1'])]);
    expect(major.code).toBe(0);
    expect(JSON.parse(major.stdout).title).toBe('重大事项呈报表：民警执法争议事件');

    const monthly = await cli(['forms', 'generate', 'warning-record']);
    expect(monthly.code).toBe(0);
    const [row] = (await t.db.query<{ period_start: Date; period_end: Date }>('SELECT period_start, period_end FROM forms WHERE id = $1', [JSON.parse(monthly.stdout).id])).rows;
    const local = new Date(Date.now() + 8 * 3_600_000);
    expect(row!.period_end).toEqual(new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) - 8 * 3_600_000));
    expect(row!.period_start).toEqual(new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() - 1, 1) - 8 * 3_600_000));

    const noIncident = await cli(['forms', 'generate', 'major-report']);
    expect(noIncident.code).toBe(2);
    expect(noIncident.stderr).toContain('需要指定事件');
    const missing = await cli(['forms', 'generate', 'major-report', '--incident', '987654']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('事件 987654 不存在');
    const bogus = await cli(['forms', 'generate', 'monthly-thing']);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain('报表类型应为');
    expect((await cli(['forms', 'generate', 'weekly-report', '--from', 'yesterday', '--to', '2026-03-09'])).code).toBe(2);
  });

  it('lists the forms (text and JSON)', async () => {
    const json = await cli(['forms', 'list', '--json']);
    expect(json.code).toBe(0);
    const forms = JSON.parse(json.stdout) as Array<{ id: number; kind: string }>;
    const [n] = (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM forms')).rows;
    expect(forms.length).toBe(n!.n);
    const weekly = await cli(['forms', 'list', '--kind', 'weekly-report']);
    expect(weekly.stdout.split('\n').filter((l) => l.startsWith(String(weeklyId)))).toHaveLength(1);
    expect(weekly.stdout).toContain('草稿');
    expect(weekly.stdout).not.toContain('重大事项呈报表');
  });

  it('exports a version as Word or Excel; a format the kind has not is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'yuqing-forms-'));
    const docx = await cli(['forms', 'export', String(weeklyId), '--format', 'docx', '--out', 'weekly.docx'], dir);
    expect(docx.stderr).toContain('已写入');
    expect(docx.code).toBe(0);
    const file = await readFile(join(dir, 'weekly.docx'));
    expect(file.subarray(0, 2).toString('latin1')).toBe('PK');
    const xlsx = await cli(['forms', 'export', String(weeklyId), '--format', 'xlsx', '--out', 'weekly.xlsx'], dir);
    expect(xlsx.code).toBe(2);
    expect(xlsx.stderr).toContain('没有 xlsx 格式');
    const [record] = (await t.db.query<{ id: number }>(`SELECT id FROM forms WHERE kind = 'warning-record'`)).rows;
    const sheet = await cli(['forms', 'export', String(record!.id), '--format', 'xlsx', '--version', '1', '--out', 'record.xlsx'], dir);
    expect(sheet.code).toBe(0);
    expect((await readFile(join(dir, 'record.xlsx'))).subarray(0, 2).toString('latin1')).toBe('PK');
    expect((await cli(['forms', 'export', String(record!.id), '--format', 'xlsx', '--version', '7', '--out', 'x.xlsx'], dir)).code).toBe(1);
    expect((await cli(['forms', 'export', '987654', '--format', 'docx', '--out', 'x.docx'], dir)).code).toBe(1);
    expect(bj('2026-03-02').toISOString()).toBe(WEEK.from.toISOString());
  });
});
