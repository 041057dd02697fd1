/** Alert rules through the API: CRUD round trip, validation, and the preview over stored level and stage changes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import type { FastifyInstance } from 'fastify';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, makeCaller, type Caller } from './auth-fixtures';

let t: TestEnv;
let app: FastifyInstance;
let admin: Caller;
let pr: Caller;
let analyst: Caller;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

beforeAll(async () => {
  t = await createTestEnv('rulesapi');
  [admin, pr, analyst] = await Promise.all([makeCaller(t.db, 'admin1', 'admin'), makeCaller(t.db, 'pr1', 'pr'), makeCaller(t.db, 'analyst1', 'analyst')]);
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await t.cleanup();
});

const as = (c: Caller) => ({ headers: bearer(c.token) });

describe('CRUD', () => {
  it('creates with defaults and the creator, lists, replaces, refuses duplicates, deletes', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/rules', ...as(pr), payload: { name: '  辖区涉警负面  ', places: ['天河区'] } });
    expect(created.statusCode, created.body).toBe(201);
    const rule = created.json().rule;
    expect(rule).toMatchObject({
      name: '辖区涉警负面',
      enabled: true,
      createdBy: pr.user.id,
      updatedBy: pr.user.id,
      spec: { name: '辖区涉警负面', minLevel: 'yellow', scope: 'police_negative', places: ['天河区'], quietHours: null, audienceRoles: ['admin', 'pr', 'leader', 'analyst'] },
    });
    // The stored spec is the ruleSchema output, defaults filled in.
    const { rows } = await t.db.query('SELECT spec, enabled, created_by FROM alert_rules WHERE id = $1', [rule.id]);
    expect(rows[0].spec).toEqual(rule.spec);
    expect(rows[0].spec.keywords).toEqual({ allOf: [], anyOf: [], noneOf: [] });

    const dup = await app.inject({ method: 'POST', url: '/api/rules', ...as(admin), payload: { name: '辖区涉警负面' } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toEqual({ error: { code: 'RULE_EXISTS', message: '规则「辖区涉警负面」已存在' } });

    const list = await app.inject({ method: 'GET', url: '/api/rules', ...as(analyst) });
    expect(list.statusCode).toBe(200);
    expect(list.json().rules.map((r: { id: number }) => r.id)).toEqual([rule.id]);

    const put = await app.inject({
      method: 'PUT',
      url: `/api/rules/${rule.id}`,
      ...as(admin),
      payload: { name: '红色预警', minLevel: 'red', enabled: false, quietHours: { start: '23:00', end: '07:00' } },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().rule).toMatchObject({
      id: rule.id,
      name: '红色预警',
      enabled: false,
      createdBy: pr.user.id,
      updatedBy: admin.user.id,
      // A PUT replaces the whole rule: places are back to the default.
      spec: { minLevel: 'red', enabled: false, places: [], quietHours: { start: '23:00', end: '07:00', minLevel: 'orange' } },
    });

    const other = await app.inject({ method: 'POST', url: '/api/rules', ...as(pr), payload: { name: '其他' } });
    const clash = await app.inject({ method: 'PUT', url: `/api/rules/${other.json().rule.id}`, ...as(pr), payload: { name: '红色预警' } });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().error.code).toBe('RULE_EXISTS');

    const missing = await app.inject({ method: 'PUT', url: '/api/rules/999999', ...as(pr), payload: { name: '无' } });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'RULE_NOT_FOUND', message: '规则 999999 不存在' } });

    const del = await app.inject({ method: 'DELETE', url: `/api/rules/${rule.id}`, ...as(pr) });
    expect(del.statusCode).toBe(200);
    expect(del.json().rule.name).toBe('红色预警');
    expect((await app.inject({ method: 'DELETE', url: `/api/rules/${rule.id}`, ...as(pr) })).statusCode).toBe(404);
    const after = await app.inject({ method: 'GET', url: '/api/rules', ...as(pr) });
    expect(after.json().rules.map((r: { name: string }) => r.name)).toEqual(['其他']);
  });

  it('refuses invalid rules with 400 and the JSON error shape', async () => {
    const bad = await app.inject({ method: 'POST', url: '/api/rules', ...as(pr), payload: { name: '', minLevel: 'purple', extra: 1 } });
    expect(bad.statusCode).toBe(400);
    const body = bad.json();
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.message).toBe('请求体无效');
    expect(body.error.issues.length).toBeGreaterThanOrEqual(2);
    for (const issue of body.error.issues) expect(issue).toEqual({ path: expect.any(String), message: expect.any(String) });

    const badQuiet = await app.inject({ method: 'POST', url: '/api/rules', ...as(pr), payload: { name: 'q', quietHours: { start: '25:00', end: '07:00' } } });
    expect(badQuiet.statusCode).toBe(400);
    const badId = await app.inject({ method: 'DELETE', url: '/api/rules/abc', ...as(pr) });
    expect(badId.statusCode).toBe(400);
    expect(badId.json().error.code).toBe('VALIDATION_FAILED');
    const noBody = await app.inject({ method: 'POST', url: '/api/rules', ...as(pr) });
    expect(noBody.statusCode).toBe(400);
  });
});

describe('preview', () => {
  const now = Date.now();
  // Level changes as the topic stage records them; each row: topic, days ago, level, previous, applied.
  beforeAll(async () => {
    const topic = async (id: number, title: string, items: number, policeNegative: number) =>
      t.db.query(
        `INSERT INTO topics (id, status, title, keywords, created_at, last_at, items, stories, police_related, police_negative, negative,
                             reach, jurisdiction_hits, sources, places, categories, level, state)
         VALUES ($1, 'open', $2, '{执法,民警}', now(), now(), $3, 1, $3, $4, $4, 10, 1, '{微博}', '{"广州市": 3}', '{"执法": 2}', 'yellow', '{}')`,
        [id, title, items, policeNegative],
      );
    const change = async (topicId: number, daysAgo: number, level: string, previous: string, applied = true) =>
      t.db.query(
        `INSERT INTO topic_level_changes (topic_id, at, level, previous, automatic, applied, indicators, reason)
         VALUES ($1, $2, $3, $4, true, $5, '{}', '测试')`,
        [topicId, new Date(now - daysAgo * DAY), level, previous, applied],
      );
    await topic(1, '某地民警执法冲突', 10, 8); // police-negative share 0.8
    await topic(2, '交通管制通知引热议', 10, 2); // 0.2: not police-negative opinion
    await topic(3, '旧事件', 10, 9);
    await topic(4, '小范围投诉', 10, 9);
    await change(1, 2, 'yellow', 'none'); // fires
    await change(1, 1.9, 'orange', 'yellow'); // escalates
    await change(1, 1.8, 'red', 'orange', false); // a person's level stood: not applied, not replayed
    await change(1, 1.5, 'none', 'orange'); // closes: resolves, no notification
    await change(1, 1, 'yellow', 'none'); // flares up again: reopened (次生)
    await change(2, 1, 'yellow', 'none'); // fires only for scope "all"
    await change(3, 10, 'orange', 'none'); // older than 7 days
    await change(4, 0.5, 'blue', 'none'); // below yellow
  });

  const preview = (payload: Record<string, unknown>, c: Caller = analyst) => app.inject({ method: 'POST', url: '/api/rules/preview', ...as(c), payload });

  it('replays the applied level changes of the last 7 days through the rule', async () => {
    const rulesBefore = (await t.db.query('SELECT count(*)::int AS n FROM alert_rules')).rows[0].n;
    const res = await preview({ name: '预览' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    // Expected from the seeded rows: topic 1 fires, escalates and re-opens; topic 2 is not
    // police-negative, topic 3 is too old, topic 4 is below yellow; the red change was not applied.
    expect(body.count).toBe(3);
    expect(body.days).toBe(7);
    expect(body.fires.map((f: { topicId: number; type: string; level: string }) => [f.topicId, f.type, f.level])).toEqual([
      [1, 'firing', 'yellow'],
      [1, 'escalated', 'orange'],
      [1, 'reopened', 'yellow'],
    ]);
    expect(body.fires[0].at).toBe(now - 2 * DAY);
    expect(body.summary).toMatch(/^此规则将触发 3 次：/);
    expect(body.summary).toContain('某地民警执法冲突（次生）');
    // Nothing was stored by previewing.
    expect((await t.db.query('SELECT count(*)::int AS n FROM alert_rules')).rows[0].n).toBe(rulesBefore);
  });

  it('follows the rule: scope, level, days, criteria', async () => {
    expect((await preview({ name: 'p', scope: 'all' })).json().count).toBe(4);
    expect((await preview({ name: 'p', scope: 'all', days: 30 })).json().count).toBe(5);
    expect((await preview({ name: 'p', scope: 'all', minLevel: 'blue' }, pr)).json().count).toBe(5);
    expect((await preview({ name: 'p', minLevel: 'orange' })).json().fires.map((f: { type: string }) => f.type)).toEqual(['firing']);
    expect((await preview({ name: 'p', places: ['北京市'] })).json()).toMatchObject({ count: 0, summary: '此规则在所给历史中不会触发' });
    expect((await preview({ name: 'p', keywords: { anyOf: ['民警'] }, categories: ['执法'] })).json().count).toBe(3);
    // A disabled rule previews as if it were on.
    expect((await preview({ name: 'p', enabled: false })).json().count).toBe(3);
  });

  it('validates days and the rule', async () => {
    for (const days of [0, 91, 1.5, '7']) {
      const res = await preview({ name: 'p', days });
      expect(res.statusCode, String(days)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
    expect((await preview({ name: 'p', days: 90 })).statusCode).toBe(200);
    expect((await preview({ days: 3 })).statusCode).toBe(400);
  });
});

describe('preview under ALERT_AUTO_RESOLVE (stage changes)', () => {
  const now = Date.now();
  // Two apps on the same data, as two deployments with different ALERT_AUTO_RESOLVE would be.
  let faded: FastifyInstance;
  let closed: FastifyInstance;
  beforeAll(async () => {
    faded = buildApp({ cfg: { ...t.cfg, ALERT_AUTO_RESOLVE: 'faded' }, db: t.db, redis: t.redis });
    closed = buildApp({ cfg: { ...t.cfg, ALERT_AUTO_RESOLVE: 'closed' }, db: t.db, redis: t.redis });
    await Promise.all([faded.ready(), closed.ready()]);
    // A topic in 深圳市 (the other describe's topics are in 广州市), 40-45 days back: outside the
    // 7 and 30 days the other preview tests replay.
    await t.db.query(
      `INSERT INTO topics (id, status, title, keywords, created_at, last_at, items, stories, police_related, police_negative, negative,
                           reach, jurisdiction_hits, sources, places, categories, level, state)
       VALUES (21, 'open', '深圳某所民警推搡群众', '{民警}', now(), now(), 10, 1, 10, 8, 8, 10, 1, '{微博}', '{"深圳市": 3}', '{"执法": 2}', 'yellow', '{}')`,
    );
    const at = (daysAgo: number) => new Date(now - daysAgo * DAY);
    const level = (daysAgo: number, lv: string, previous: string) =>
      t.db.query(`INSERT INTO topic_level_changes (topic_id, at, level, previous, automatic, applied, indicators, reason) VALUES (21, $1, $2, $3, true, true, '{}', '测试')`, [at(daysAgo), lv, previous]);
    const stage = (daysAgo: number, name: string, lv: string) =>
      t.db.query(`INSERT INTO topic_stage_changes (topic_id, at, stage, previous, level, closed, reason) VALUES (21, $1, $2, NULL, $3, false, '测试')`, [at(daysAgo), name, lv]);
    await level(45, 'yellow', 'none'); // fires
    await stage(44, '发生期', 'yellow'); // nothing to alerts
    await stage(43, '消散期', 'yellow'); // faded: resolves; closed: nothing
    await stage(42, '次生', 'yellow'); // faded: reopens at the same level; closed: no news
    // At the same instant, written in this order (so by id): the fade, then a rise.
    await stage(41, '消散期', 'yellow'); // faded: resolves again
    await level(41, 'orange', 'yellow'); // faded: reopens at orange; closed: escalates
  });
  afterAll(async () => {
    await Promise.all([faded.close(), closed.close()]);
  });

  const preview = (on: FastifyInstance) => on.inject({ method: 'POST', url: '/api/rules/preview', ...as(analyst), payload: { name: 'p', places: ['深圳市'], days: 60 } });
  const fires = (body: { fires: Array<{ type: string; level: string }> }) => body.fires.map((f) => [f.type, f.level]);

  it('under faded counts the 次生 reopens after a fade', async () => {
    const res = await preview(faded);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().count).toBe(3);
    expect(fires(res.json())).toEqual([
      ['firing', 'yellow'],
      ['reopened', 'yellow'],
      ['reopened', 'orange'],
    ]);
    expect(res.json().summary).toMatch(/^此规则将触发 3 次：/);
  });

  it('under closed the fades resolve nothing: one firing, one escalation', async () => {
    const res = await preview(closed);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().count).toBe(2);
    expect(fires(res.json())).toEqual([
      ['firing', 'yellow'],
      ['escalated', 'orange'],
    ]);
  });

  it('replays the same stored rows either way (stage rows other than 消散期 and 次生 are not loaded)', async () => {
    const [a, b] = await Promise.all([preview(faded), preview(closed)]);
    expect(a.json().replayed).toBe(b.json().replayed);
    const { rows } = await t.db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM topic_level_changes WHERE applied AND at >= $1)::int + (SELECT count(*) FROM topic_stage_changes WHERE stage IN ('消散期', '次生') AND at >= $1)::int AS n`,
      [new Date(now - 60 * DAY)],
    );
    expect(a.json().replayed).toBe(rows[0]!.n);
  });
});
