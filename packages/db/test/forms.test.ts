/**
 * The forms repository against real PostgreSQL: periods in a time zone, what a form may target,
 * the migration (manual items; form_versions refuses UPDATE, DELETE and TRUNCATE; one form per kind
 * and period or incident, also under concurrent creation), and every kind's stored version read
 * back with its times as Dates, equal to what was assembled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createForm,
  FORM_KIND_RULES,
  FORM_KIND_VALUES,
  formTarget,
  FormError,
  getFormVersion,
  insertInfoEntry,
  insertVisit,
  keepEditedText,
  lastFullPeriod,
  periodLabel,
  type FormActor,
  type FormTarget,
} from '@yuqing/db';
import { FORM_KINDS, FORM_TITLES, type FormKind } from '@yuqing/forms';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bj, MONTH, QUARTER, seedFormsWorld, WEEK, type SeededWorld } from '../../../services/api/test/forms-fixtures';

const TZ = 'Asia/Shanghai';
const actor: FormActor = { actorId: null, actorName: 'cli:test', displayName: '测试员' };
const assemble = { unitName: '测试市公安局警察公共关系科', timeZone: TZ };

let t: TestEnv;
let world: SeededWorld;

beforeAll(async () => {
  t = await createTestEnv('formsrepo');
  const user = async (name: string, role: string) =>
    Number((await t.db.query<{ id: number }>(`INSERT INTO users (name, display_name, role) VALUES ($1, $1, $2) RETURNING id`, [name, role])).rows[0]!.id);
  world = await seedFormsWorld(t.db, { analystId: await user('analyst-a', 'analyst'), leaderId: await user('leader-a', 'leader') });
});
afterAll(async () => {
  await t.cleanup();
});

describe('kinds, periods and targets', () => {
  it('the kinds and their names are @yuqing/forms\' own', () => {
    expect([...FORM_KIND_VALUES].sort()).toEqual([...FORM_KINDS].sort());
    for (const k of FORM_KINDS) expect(FORM_KIND_RULES[k].name, k).toBe(FORM_TITLES[k]);
  });

  it('the last full week runs Monday 00:00 to Monday 00:00, Beijing time', () => {
    expect(lastFullPeriod('week', bj('2026-03-10 15:00'), TZ)).toEqual(WEEK);
    // At Monday 00:00 itself the week just ended is complete.
    expect(lastFullPeriod('week', bj('2026-03-09 00:00'), TZ)).toEqual(WEEK);
    expect(lastFullPeriod('week', bj('2026-03-08 23:59'), TZ)).toEqual({ from: bj('2026-02-23'), to: bj('2026-03-02') });
    expect(WEEK.from.toISOString()).toBe('2026-03-01T16:00:00.000Z');
  });

  it('months and quarters are calendar ones, across a year end', () => {
    expect(lastFullPeriod('month', bj('2026-03-01 08:00'), TZ)).toEqual({ from: bj('2026-02-01'), to: bj('2026-03-01') });
    expect(lastFullPeriod('month', bj('2026-01-15 12:00'), TZ)).toEqual({ from: bj('2025-12-01'), to: bj('2026-01-01') });
    expect(lastFullPeriod('quarter', bj('2026-04-01 08:00'), TZ)).toEqual(QUARTER);
    expect(lastFullPeriod('quarter', bj('2026-02-10 08:00'), TZ)).toEqual({ from: bj('2025-10-01'), to: bj('2026-01-01') });
  });

  it('a week across a daylight-saving change is a local week (167 hours in New York in March)', () => {
    const p = lastFullPeriod('week', new Date('2026-03-10T12:00:00-04:00'), 'America/New_York');
    expect(p.from.toISOString()).toBe('2026-03-02T05:00:00.000Z'); // Monday 00:00 EST
    expect(p.to.toISOString()).toBe('2026-03-09T04:00:00.000Z'); // Monday 00:00 EDT
  });

  it('names periods as the bureau does', () => {
    expect(periodLabel(MONTH, TZ)).toBe('2026年3月');
    expect(periodLabel(QUARTER, TZ)).toBe('2026年第一季度');
    expect(periodLabel(WEEK, TZ)).toBe('2026-03-02 至 2026-03-08');
    expect(periodLabel({ from: bj('2026-03-05'), to: bj('2026-03-06') }, TZ)).toBe('2026-03-05');
  });

  it('refuses targets a kind cannot have, in Chinese', () => {
    const now = bj('2026-03-10 09:00');
    const code = (kind: FormKind, given: Parameters<typeof formTarget>[1]): string => {
      try {
        formTarget(kind, given, now, TZ);
        return 'ok';
      } catch (err) {
        expect(err).toBeInstanceOf(FormError);
        expect((err as FormError).message).toMatch(/[\u4e00-\u9fff]/);
        return (err as FormError).code;
      }
    };
    expect(code('major-report', {})).toBe('FORM_INCIDENT_REQUIRED');
    expect(code('major-report', { incidentId: 1 })).toBe('ok');
    expect(code('weekly-report', { incidentId: 1 })).toBe('FORM_BAD_TARGET');
    expect(code('crisis-register', {})).toBe('FORM_PERIOD_REQUIRED');
    expect(code('crisis-register', { incidentId: 1, from: MONTH.from, to: MONTH.to })).toBe('FORM_BAD_TARGET');
    expect(code('info-collection', {})).toBe('FORM_PERIOD_REQUIRED');
    expect(code('info-collection', { from: MONTH.from })).toBe('FORM_PERIOD_REQUIRED');
    expect(code('visit-record', { from: MONTH.to, to: MONTH.from })).toBe('FORM_BAD_PERIOD');
    expect(code('warning-record', { from: bj('2025-01-01'), to: bj('2026-03-01') })).toBe('FORM_BAD_PERIOD');
    // Defaults: the last full week / month / quarter before now.
    expect(formTarget('weekly-report', {}, now, TZ)).toEqual({ period: WEEK });
    expect(formTarget('warning-record', {}, now, TZ)).toEqual({ period: { from: bj('2026-02-01'), to: bj('2026-03-01') } });
    expect(formTarget('visit-record', {}, now, TZ)).toEqual({ period: { from: bj('2025-10-01'), to: bj('2026-01-01') } });
  });
});

describe('the tables', () => {
  it('items may come in by hand (origin manual); other origins are still refused', async () => {
    await t.db.query(`INSERT INTO items (url, url_hash, origin, published_at) VALUES ('urn:t:manual', 'h-manual', 'manual', now())`);
    await expect(t.db.query(`INSERT INTO items (url, url_hash, origin, published_at) VALUES ('urn:t:x', 'h-x', 'typed', now())`)).rejects.toThrow(/items_origin_check/);
  });

  it('a form of a period exists once, also when two processes create it at the same moment', async () => {
    const target: FormTarget = { period: { from: bj('2026-03-10'), to: bj('2026-03-11') } };
    const make = () => createForm(t.db, { ...assemble, kind: 'warning-record', target }, actor);
    const results = await Promise.allSettled([make(), make()]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.reason).toBeInstanceOf(FormError);
    expect(refused[0]!.reason).toMatchObject({ code: 'FORM_EXISTS', status: 409, formId: (ok[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof make>>>).value.form.id });
    const { rows } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM forms WHERE kind = 'warning-record' AND period_start = $1`, [target.period!.from]);
    expect(rows[0]!.n).toBe(1);
  });

  it('form versions are append-only: UPDATE, DELETE and TRUNCATE are refused', async () => {
    const { form } = await createForm(t.db, { ...assemble, kind: 'visit-record', target: { period: QUARTER } }, actor);
    await expect(t.db.query(`UPDATE form_versions SET note = 'x' WHERE form_id = $1`, [form.id])).rejects.toThrow(/form_versions is append-only: UPDATE refused/);
    await expect(t.db.query(`DELETE FROM form_versions WHERE form_id = $1`, [form.id])).rejects.toThrow(/form_versions is append-only: DELETE refused/);
    await expect(t.db.query('TRUNCATE form_versions')).rejects.toThrow(/append-only/);
    // Nor can the form go while its versions stay.
    await expect(t.db.query('DELETE FROM forms WHERE id = $1', [form.id])).rejects.toThrow();
    const { rows } = await t.db.query<{ note: string }>('SELECT note FROM form_versions WHERE form_id = $1', [form.id]);
    expect(rows.map((r) => r.note)).toEqual(['生成']);
  });
});

describe('stored versions read back as assembled', () => {
  it('every kind: the stored JSON revives to the same data, times as Dates', async () => {
    await insertInfoEntry(t.db, { channel: '来电', occurredAt: bj('2026-03-04 10:00'), place: '东城区', people: '群众张某', content: '反映派出所接警慢', followUp: '已转办', officer: '李警官' }, { id: null, name: '测试' });
    await insertVisit(t.db, { visitedOn: bj('2026-02-14'), person: '王代表', role: '人大代表', organisation: '市人大', views: '建议加强巡逻', followUp: '已落实', officer: '赵警官' }, { id: null, name: '测试' });
    const targets: Array<[FormKind, FormTarget]> = [
      ['major-report', { incidentId: world.incidents['i1']! }],
      ['weekly-report', { period: WEEK }],
      ['warning-record', { period: MONTH }],
      ['crisis-register', { period: MONTH }],
      ['crisis-register', { incidentId: world.incidents['i1']! }],
      ['info-collection', { period: MONTH }],
      ['visit-record', { period: { from: bj('2026-02-01'), to: bj('2026-03-01') } }],
    ];
    for (const [kind, target] of targets) {
      const made = await createForm(t.db, { ...assemble, kind, target, now: bj('2026-03-10 09:00') }, actor);
      const stored = await getFormVersion(t.db, made.form.id, kind, 1);
      expect(stored?.data, kind).toEqual(made.data);
      // Something in each is a real time (not a string that only looks like one).
      const json = JSON.stringify(made.data);
      expect(json, kind).toMatch(/"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"/);
    }
  });

  it('a regeneration keeps the text edited since the last assembly and takes fresh text elsewhere', () => {
    const assembled = { header: { serial: '', secrecy: '内部', unit: 'U' }, overview: '旧概述', mainWork: '', nextWeek: '', filledBy: '', figures: { items: 1 } };
    const current = { ...assembled, header: { ...assembled.header, serial: '公关〔2026〕3号' }, mainWork: '开展培训' };
    const fresh = { ...assembled, overview: '新概述', figures: { items: 2 } };
    expect(keepEditedText('weekly-report', current, assembled, fresh)).toEqual({ ...fresh, header: { serial: '公关〔2026〕3号', secrecy: '内部', unit: 'U' }, mainWork: '开展培训' });
  });
});
