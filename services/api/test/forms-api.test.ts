/**
 * The forms API against real PostgreSQL and Redis, on the seeded world of forms-fixtures.ts: each
 * kind generated through the API and every field and figure compared with what this file counts
 * itself with its own SQL over the seeded tables (and, where the seed makes it plain, from the
 * specs); FORM_EXISTS; edits as append-only versions (the assembled facts kept, conflicts refused);
 * the status workflow and who may move it; regeneration; the documents; 信息采集 entries becoming
 * manual items queued for analysis; the 走访 register.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import type { Role } from '@yuqing/db';
import { analyzeJobId, createAnalyzeQueue } from '@yuqing/queue';
import type { FastifyInstance } from 'fastify';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, callerPerRole, type Caller } from './auth-fixtures';
import { bj, ITEMS, MONTH, QUARTER, seedFormsWorld, TOPIC, WEEK, type SeededWorld } from './forms-fixtures';

const UNIT = '测试市公安局警察公共关系科';
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const STATUS_WORDS: Record<string, string> = { new: '新建', assessing: '研判中', handling: '处置中', responded: '已回应', closed: '已结案' };
const LEVEL_WORDS: Record<string, string> = { blue: '蓝色', yellow: '黄色', orange: '橙色', red: '红色', none: '无' };

let t: TestEnv;
let app: FastifyInstance;
let callers: Record<Role, Caller>;
let world: SeededWorld;

beforeAll(async () => {
  t = await createTestEnv('formsapi', { BUREAU_UNIT_NAME: UNIT, DIGEST_TIMEZONE: 'Asia/Shanghai' });
  callers = await callerPerRole(t.db);
  world = await seedFormsWorld(t.db, { analystId: callers.analyst.user.id, leaderId: callers.leader.user.id });
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await t.cleanup();
});

interface Res {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Record<string, unknown>;
  raw: Buffer;
}

async function call(role: Role, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown): Promise<Res> {
  const res = await app.inject({ method, url, headers: bearer(callers[role].token), ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
  let body: unknown = null;
  if (String(res.headers['content-type'] ?? '').startsWith('application/json')) body = res.json();
  return { status: res.statusCode, body, headers: res.headers, raw: res.rawPayload };
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
const q = async <T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => (await t.db.query<T>(sql, params)).rows;

/** The audit entries of a form, oldest first. */
const auditOf = (formId: number) => q<{ action: string; actor_name: string; before: any; after: any }>(`SELECT action, actor_name, before, after FROM audit_log WHERE entity = 'form' AND entity_id = $1 ORDER BY id`, [String(formId)]); // eslint-disable-line @typescript-eslint/no-explicit-any

describe('重大事项呈报表 from an incident', () => {
  /** This file's own reading of an incident's items: links, alerts' topics, merges followed (recursive). */
  async function incidentItems(incidentId: number) {
    return q<{ id: number; published_at: Date; author: string | null; url: string; source: string; police_negative: boolean | null; jurisdiction_hits: string[] | null; places: string[] | null }>(
      `WITH RECURSIVE tp(id) AS (
         SELECT target_id FROM incident_links WHERE incident_id = $1 AND kind = 'topic'
         UNION SELECT a.topic_id FROM incident_links l JOIN alerts a ON a.id = l.target_id WHERE l.incident_id = $1 AND l.kind = 'alert' AND a.topic_id IS NOT NULL
         UNION SELECT x.merged_into FROM topics x JOIN tp ON x.id = tp.id WHERE x.merged_into IS NOT NULL
       )
       SELECT i.id, i.published_at, i.author, i.url, COALESCE(s.name, i.source_name, '未知来源') AS source, a.police_negative, a.jurisdiction_hits, a.places
       FROM items i LEFT JOIN sources s ON s.id = i.source_id LEFT JOIN item_analysis a ON a.item_id = i.id
       WHERE i.id IN (SELECT si.item_id FROM story_items si JOIN stories st ON st.id = si.story_id WHERE st.topic_id IN (SELECT id FROM tp))
          OR i.id IN (SELECT target_id FROM incident_links WHERE incident_id = $1 AND kind = 'item')
       ORDER BY i.published_at, i.id`,
      [incidentId],
    );
  }

  const byCountThenName = (counts: Map<string, number>): string[] =>
    [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k]) => k);

  it('the duty officer files one click: every fact recounted from the tables', async () => {
    const id = world.incidents['i1']!;
    const r = await call('pr', 'POST', `/api/incidents/${id}/major-report`);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const { form, data } = r.body;
    expect(form).toMatchObject({ kind: 'major-report', title: '重大事项呈报表：民警执法争议事件', incidentId: id, periodStart: null, periodEnd: null, status: 'draft', version: 1, filedVersion: null, createdBy: 'role-pr', formats: ['docx'] });

    const items = await incidentItems(id);
    const [incident] = await q<{ title: string; level: string; jurisdiction: string; level_change_reason: string; response_at: Date; response_channel: string; response_text: string; owner: string }>(
      `SELECT i.*, COALESCE(NULLIF(u.display_name, ''), u.name) AS owner FROM incidents i LEFT JOIN users u ON u.id = i.owner_id WHERE i.id = $1`,
      [id],
    );
    // The seed's own view: topic A's stories, the merged topic C's story, and the linked item.
    const fromSpec = ITEMS.filter((s) => s.key.startsWith('a') || s.key.startsWith('c') || s.key === 'l1').map((s) => s.key);
    expect(items.length).toBe(fromSpec.length);
    const first = items[0]!;
    expect(first.id).toBe(world.items.get('c1'));

    expect(data.header).toEqual({ serial: '', secrecy: '内部', unit: UNIT });
    expect(data.incidentId).toBe(id);
    expect(data.title).toBe(incident!.title);
    expect(data.occurredAt).toBe(iso(first.published_at));
    expect(data.opinion.firstPost).toEqual({ author: first.author, source: first.source, at: iso(first.published_at), url: first.url });
    expect(data.opinion.items).toBe(items.length);
    expect(data.opinion.policeNegative).toBe(items.filter((i) => i.police_negative).length);
    const platforms = new Map<string, number>();
    for (const i of items) platforms.set(i.source, (platforms.get(i.source) ?? 0) + 1);
    expect(data.opinion.platforms).toEqual(byCountThenName(platforms));
    const hours = new Map<number, number>();
    for (const i of items) {
      const h = Math.floor(i.published_at.getTime() / 3_600_000);
      hours.set(h, (hours.get(h) ?? 0) + 1);
    }
    const [peakHour, peakN] = [...hours.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]!;
    expect(data.opinion.peak).toEqual({ perHour: peakN, at: new Date(peakHour * 3_600_000).toISOString() });
    expect(peakN).toBeGreaterThan(1);
    expect(data.opinion.level).toBe(incident!.level);
    // A person set the level: its reason is the explanation.
    expect(data.opinion.levelReason).toBe(incident!.level_change_reason);
    expect(data.place).toBe(incident!.jurisdiction);
    const units = new Map<string, number>();
    for (const i of items) for (const u of i.jurisdiction_hits ?? []) units.set(u, (units.get(u) ?? 0) + 1);
    expect(data.involved).toBe(byCountThenName(units).slice(0, 5).join('、'));
    // The summary states the recounted facts in words.
    expect(data.opinion.summary).toContain(`共监测到相关信息${items.length}条`);
    expect(data.opinion.summary).toContain(`涉警负面信息${items.filter((i) => i.police_negative).length}条`);
    expect(data.opinion.summary).toContain(`1小时内${peakN}条`);
    expect(data.opinion.summary).toContain(`${LEVEL_WORDS[incident!.level]}预警`);
    expect(data.opinion.summary).toContain(incident!.level_change_reason);
    expect(data.opinion.summary).toContain(`由${incident!.owner}负责`);
    for (const p of byCountThenName(platforms)) expect(data.opinion.summary).toContain(p);
    // Measures: the notes on its timeline; the response: the official one.
    const notes = await q<{ body: string }>(`SELECT body FROM incident_timeline WHERE incident_id = $1 AND kind = 'note' ORDER BY at, id`, [id]);
    expect(notes.length).toBeGreaterThan(1);
    expect(data.measures.split('\n').map((l: string) => l.replace(/^\S+ \S+ /, ''))).toEqual(notes.map((n) => n.body));
    expect(data.response).toContain(incident!.response_text);
    expect(data.response).toContain(incident!.response_channel);
    expect(data.nextSteps).toBe('');
    expect(data.reporter).toBe('role-pr');
    expect(Date.parse(data.reportedAt)).toBeGreaterThan(Date.now() - 60_000);

    // Audited, by the duty officer.
    const audit = await auditOf(form.id);
    expect(audit).toMatchObject([{ action: 'form.create', actor_name: 'role-pr', before: null, after: { id: form.id, kind: 'major-report', version: 1 } }]);
  });

  it('a second click, or the same report asked for on the forms page, finds the first: 409 FORM_EXISTS with its id', async () => {
    const id = world.incidents['i1']!;
    const [existing] = await q<{ id: number }>(`SELECT id FROM forms WHERE kind = 'major-report' AND incident_id = $1`, [id]);
    const again = await call('analyst', 'POST', `/api/incidents/${id}/major-report`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: 'FORM_EXISTS', message: expect.stringContaining('重大事项呈报表') }, formId: Number(existing!.id) });
    const viaForms = await call('admin', 'POST', '/api/forms', { kind: 'major-report', incidentId: id });
    expect(viaForms.status).toBe(409);
    expect(viaForms.body.formId).toBe(Number(existing!.id));
    expect((await q(`SELECT 1 FROM forms WHERE kind = 'major-report' AND incident_id = $1`, [id])).length).toBe(1);
  });

  it('without a level set by hand the explanation is the latest applied level change of its topics; unknown incidents are 404', async () => {
    const id = world.incidents['i2']!;
    const r = await call('analyst', 'POST', `/api/incidents/${id}/major-report`);
    expect(r.status).toBe(201);
    const [latest] = await q<{ reason: string }>(
      `SELECT c.reason FROM topic_level_changes c WHERE c.applied AND c.topic_id IN (SELECT target_id FROM incident_links WHERE incident_id = $1 AND kind = 'topic')
       ORDER BY c.at DESC, c.id DESC LIMIT 1`,
      [id],
    );
    expect(r.body.data.opinion.levelReason).toBe(latest!.reason);
    expect(r.body.data.opinion.items).toBe((await incidentItems(id)).length);
    const missing = await call('pr', 'POST', '/api/incidents/987654/major-report');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('INCIDENT_NOT_FOUND');
    // The duty officer starts a report from an incident, not other forms; leaders read.
    expect((await call('pr', 'POST', '/api/forms', { kind: 'weekly-report' })).status).toBe(403);
    expect((await call('leader', 'POST', `/api/incidents/${world.incidents['i4']}/major-report`)).status).toBe(403);
  });
});

describe('警察公共关系工作情况周报表', () => {
  let formId: number;

  it('the week\'s figures, warnings and incidents, recounted', async () => {
    const r = await call('analyst', 'POST', '/api/forms', { kind: 'weekly-report', from: '2026-03-02', to: '2026-03-09' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const { form, data } = r.body;
    formId = form.id;
    expect(form).toMatchObject({ kind: 'weekly-report', title: '警察公共关系工作情况周报表（2026-03-02 至 2026-03-08）', periodStart: iso(WEEK.from), periodEnd: iso(WEEK.to), incidentId: null, formats: ['docx'] });
    expect(data.periodStart).toBe(iso(WEEK.from));
    expect(data.periodEnd).toBe(iso(WEEK.to));
    const P = [WEEK.from, WEEK.to];

    const [tot] = await q<{ items: number; pr: number; pn: number }>(
      `SELECT count(*)::int AS items, count(*) FILTER (WHERE a.police_related)::int AS pr, count(*) FILTER (WHERE a.police_negative)::int AS pn
       FROM items i LEFT JOIN item_analysis a ON a.item_id = i.id WHERE i.published_at >= $1 AND i.published_at < $2`,
      P,
    );
    // The seed's own count agrees (the edges: 03-01 23:59 before, 03-09 00:00 after).
    expect(tot!.items).toBe(ITEMS.filter((s) => bj(s.at) >= WEEK.from && bj(s.at) < WEEK.to).length);
    const warnings = await q<{ level: string; n: number }>(
      `SELECT e.level, count(*)::int AS n FROM alert_events e JOIN alerts al ON al.id = e.alert_id
       WHERE al.kind = 'topic' AND e.type IN ('firing', 'escalated', 'reopened') AND e.created_at >= $1 AND e.created_at < $2 GROUP BY 1`,
      P,
    );
    const [inc] = await q<{ opened: number; closed: number; responses: number }>(
      `SELECT (SELECT count(*) FROM incidents WHERE created_at >= $1 AND created_at < $2)::int AS opened,
              (SELECT count(DISTINCT incident_id) FROM incident_timeline WHERE kind = 'status' AND data ->> 'to' = 'closed' AND at >= $1 AND at < $2)::int AS closed,
              (SELECT count(*) FROM incident_timeline WHERE kind = 'response' AND (data ->> 'at')::timestamptz >= $1 AND (data ->> 'at')::timestamptz < $2)::int AS responses`,
      P,
    );
    const level = (l: string) => warnings.find((w) => w.level === l)?.n ?? 0;
    expect(data.figures).toEqual({
      items: tot!.items,
      policeRelated: tot!.pr,
      policeNegative: tot!.pn,
      negativeShare: tot!.pn / tot!.pr,
      warnings: { blue: level('blue'), yellow: level('yellow'), orange: level('orange'), red: level('red') },
      incidentsOpened: inc!.opened,
      incidentsClosed: inc!.closed,
      responses: inc!.responses,
    });
    // The seed makes each of these mean something.
    expect(warnings.filter((w) => w.n > 0).length).toBeGreaterThanOrEqual(3);
    expect(Math.min(inc!.opened, inc!.closed, inc!.responses)).toBeGreaterThan(0);

    const events = await q<{ at: Date; level: string; title: string }>(
      `SELECT e.created_at AS at, e.level, al.title FROM alert_events e JOIN alerts al ON al.id = e.alert_id
       WHERE al.kind = 'topic' AND e.type IN ('firing', 'escalated', 'reopened') AND e.created_at >= $1 AND e.created_at < $2 ORDER BY e.created_at, e.id`,
      P,
    );
    expect(data.warnings.map((w: { at: string; level: string; title: string }) => [w.at, w.level, w.title])).toEqual(events.map((e) => [iso(e.at), e.level, e.title]));
    expect(data.warnings.every((w: { state: string }) => /^(新发|升级|次生)，(预警中|已确认|已解除)$/.test(w.state))).toBe(true);

    const incidents = await q<{ id: number; title: string; level: string; status: string; created_at: Date; response_at: Date | null }>(
      `SELECT id, title, level, status, created_at, response_at FROM incidents i
       WHERE (created_at >= $1 AND created_at < $2)
          OR id IN (SELECT incident_id FROM incident_timeline WHERE kind = 'status' AND data ->> 'to' = 'closed' AND at >= $1 AND at < $2)
          OR id IN (SELECT incident_id FROM incident_timeline WHERE kind = 'response' AND (data ->> 'at')::timestamptz >= $1 AND (data ->> 'at')::timestamptz < $2)
       ORDER BY created_at, id`,
      P,
    );
    expect(data.incidents).toEqual(
      incidents.map((i) => ({ id: Number(i.id), title: i.title, level: i.level, status: STATUS_WORDS[i.status], openedAt: iso(i.created_at), respondedAt: iso(i.response_at) })),
    );
    // The overview states the same figures; police-related topics first, the most police-negative first.
    expect(data.overview).toContain(`共监测到相关信息${tot!.items}条，其中涉警信息${tot!.pr}条、涉警负面信息${tot!.pn}条`);
    expect(data.overview).toContain(`新开立舆情事件${inc!.opened}起、结案${inc!.closed}起，作出官方回应${inc!.responses}次`);
    const topicA = data.overview.indexOf('某派出所民警执法争议');
    expect(topicA).toBeGreaterThan(0);
    expect(data.overview).not.toContain('市体育赛事');
    expect(topicA).toBeLessThan(data.overview.indexOf('市区交通拥堵'));
    expect(data).toMatchObject({ mainWork: '', nextWeek: '', filledBy: 'role-analyst', header: { unit: UNIT } });
  });

  it('by default: the last full Monday-to-Monday week before now, in Beijing time', async () => {
    const r = await call('admin', 'POST', '/api/forms', { kind: 'weekly-report' });
    expect(r.status).toBe(201);
    const from = new Date(r.body.form.periodStart);
    const to = new Date(r.body.form.periodEnd);
    expect(to.getTime() - from.getTime()).toBe(7 * 86_400_000);
    const local = new Date(from.getTime() + 8 * 3_600_000);
    expect([local.getUTCDay(), local.getUTCHours(), local.getUTCMinutes()]).toEqual([1, 0, 0]);
    expect(to.getTime()).toBeLessThanOrEqual(Date.now());
    expect(Date.now() - to.getTime()).toBeLessThan(7 * 86_400_000);
  });

  it('edits append versions: the text changes, the assembled facts stay, the first version is untouched', async () => {
    const before = await call('leader', 'GET', `/api/forms/${formId}`);
    expect(before.status).toBe(200);
    const figures = before.body.data.figures;
    const edited = {
      ...before.body.data,
      header: { ...before.body.data.header, serial: '公关〔2026〕12号' },
      mainWork: '一、开展舆情培训；二、走访人大代表2人次。',
      nextWeek: '继续做好两会期间舆情监测。',
      // Facts are not editable: what the page sends back for them is ignored.
      figures: { ...figures, items: 999_999 },
    };
    const r = await call('analyst', 'PUT', `/api/forms/${formId}`, { data: edited, note: '补充本周工作', expectVersion: 1 });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.form.version).toBe(2);
    expect(r.body.data).toMatchObject({ mainWork: edited.mainWork, nextWeek: edited.nextWeek, header: { serial: '公关〔2026〕12号', secrecy: '内部', unit: UNIT } });
    expect(r.body.data.figures).toEqual(figures);

    // Someone still on version 1 is told, not overwritten.
    const stale = await call('admin', 'PUT', `/api/forms/${formId}`, { data: { mainWork: '覆盖' }, expectVersion: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('FORM_VERSION_CONFLICT');
    const bad = await call('analyst', 'PUT', `/api/forms/${formId}`, { data: { mainWork: 5 }, expectVersion: 2 });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'FORM_DATA_INVALID', message: expect.stringContaining('data.mainWork') });
    expect((await call('pr', 'PUT', `/api/forms/${formId}`, { data: { mainWork: 'x' }, expectVersion: 2 })).status).toBe(403);

    const v1 = await call('pr', 'GET', `/api/forms/${formId}/versions/1`);
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({ version: 1, note: '生成', assembled: true, createdBy: 'role-analyst', data: { mainWork: '', header: { serial: '' } } });
    const detail = await call('pr', 'GET', `/api/forms/${formId}`);
    expect(detail.body.versions.map((v: { version: number; note: string; assembled: boolean }) => [v.version, v.note, v.assembled])).toEqual([
      [1, '生成', true],
      [2, '补充本周工作', false],
    ]);
    await expect(t.db.query(`UPDATE form_versions SET data = '{}' WHERE form_id = $1`, [formId])).rejects.toThrow(/append-only/);
    const audit = await auditOf(formId);
    expect(audit.at(-1)).toMatchObject({ action: 'form.version', actor_name: 'role-analyst', before: { version: 1, text: { mainWork: '' } }, after: { version: 2, text: { mainWork: edited.mainWork } } });
  });

  it('a regeneration takes in what changed in the database and keeps the analyst\'s text', async () => {
    const url = 'https://weibo.example.cn/post/late-arrival';
    await t.db.query(
      `INSERT INTO items (source_id, url, url_hash, origin, title, published_at) VALUES ($1, $2, $2, 'crawl', '迟到的条目', $3)`,
      [world.sources.weibo, url, bj('2026-03-06 12:00')],
    );
    const r = await call('analyst', 'POST', `/api/forms/${formId}/regenerate`, { note: '补采后重新生成' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.form.version).toBe(3);
    const [tot] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM items WHERE published_at >= $1 AND published_at < $2`, [WEEK.from, WEEK.to]);
    expect(r.body.data.figures.items).toBe(tot!.n);
    // Edited text stays; the overview nobody touched follows the new figures.
    expect(r.body.data.mainWork).toBe('一、开展舆情培训；二、走访人大代表2人次。');
    expect(r.body.data.header.serial).toBe('公关〔2026〕12号');
    expect(r.body.data.overview).toContain(`共监测到相关信息${tot!.n}条`);
  });

  it('draft → review → (退回) → review → filed, each step by whom it belongs to; a filed form is revised, never overwritten', async () => {
    const status = (role: Role, to: string, note?: string) => call(role, 'POST', `/api/forms/${formId}/status`, { to, ...(note ? { note } : {}) });
    expect((await status('leader', 'review')).body.error.code).toBe('FORM_TRANSITION_FORBIDDEN');
    expect((await status('analyst', 'filed')).body.error.code).toBe('FORM_BAD_TRANSITION');
    expect((await status('pr', 'review')).status).toBe(403);
    const submitted = await status('analyst', 'review');
    expect(submitted.status).toBe(200);
    expect(submitted.body.form).toMatchObject({ status: 'review', submittedBy: 'role-analyst', allowedTransitions: [] });
    expect((await status('analyst', 'filed')).status).toBe(403);
    const noNote = await status('leader', 'draft');
    expect(noNote.status).toBe(400);
    expect(noNote.body.error.code).toBe('FORM_NOTE_REQUIRED');
    const back = await status('leader', 'draft', '请补充下周安排的具体时间');
    expect(back.body.form).toMatchObject({ status: 'draft', statusNote: '请补充下周安排的具体时间' });
    expect((await status('admin', 'review')).status).toBe(200);
    const leaderView = await call('leader', 'GET', `/api/forms/${formId}`);
    expect(leaderView.body.form.allowedTransitions.map((x: { to: string }) => x.to).sort()).toEqual(['draft', 'filed']);
    const filed = await status('leader', 'filed');
    expect(filed.status).toBe(200);
    expect(filed.body.form).toMatchObject({ status: 'filed', filedVersion: 3, version: 3, filedBy: 'role-leader' });
    expect(Date.parse(filed.body.form.filedAt)).toBeGreaterThan(Date.now() - 60_000);

    const refused = await call('analyst', 'PUT', `/api/forms/${formId}`, { data: { nextWeek: '改' }, expectVersion: 3 });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('FORM_FILED');
    expect((await call('analyst', 'POST', `/api/forms/${formId}/regenerate`)).body.error.code).toBe('FORM_FILED');
    const revised = await call('analyst', 'PUT', `/api/forms/${formId}`, { data: { nextWeek: '更正：周三召开舆情研判会。' }, expectVersion: 3, revise: true });
    expect(revised.status).toBe(200);
    expect(revised.body.form).toMatchObject({ status: 'draft', version: 4, filedVersion: 3 });
    const filedVersion = await call('leader', 'GET', `/api/forms/${formId}/versions/3`);
    expect(filedVersion.body.data.nextWeek).toBe('继续做好两会期间舆情监测。');

    const actions = (await auditOf(formId)).map((a) => `${a.action}:${a.actor_name}`);
    expect(actions).toEqual([
      'form.create:role-analyst',
      'form.version:role-analyst',
      'form.version:role-analyst',
      'form.status:role-analyst',
      'form.status:role-leader',
      'form.status:role-admin',
      'form.status:role-leader',
      'form.version:role-analyst',
    ]);
  });

  it('lists newest period first, filters by kind and status, and pages', async () => {
    const all = await call('pr', 'GET', '/api/forms?kind=weekly-report');
    expect(all.status).toBe(200);
    const ends = all.body.forms.map((f: { periodEnd: string }) => Date.parse(f.periodEnd));
    expect(ends.length).toBe(2);
    expect(ends).toEqual([...ends].sort((a: number, b: number) => b - a));
    const page1 = await call('pr', 'GET', '/api/forms?limit=1');
    expect(page1.body.forms).toHaveLength(1);
    expect(page1.body.nextCursor).toMatch(/^\d+_\d+$/);
    const page2 = await call('pr', 'GET', `/api/forms?limit=1&cursor=${page1.body.nextCursor}`);
    expect(page2.body.forms[0].id).not.toBe(page1.body.forms[0].id);
    const drafts = await call('leader', 'GET', '/api/forms?status=draft');
    const [n] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM forms WHERE status = 'draft'`);
    expect(drafts.body.forms.length).toBe(n!.n);
    expect(drafts.body.forms.every((f: { status: string }) => f.status === 'draft')).toBe(true);
    expect((await call('leader', 'GET', '/api/forms?status=filed')).body.forms).toEqual([]);
  });
});

describe('科学预警记录 and 危机管理登记表', () => {
  it('the warning record lists every opinion alert first raised in the month, with its handling and outcome', async () => {
    const r = await call('analyst', 'POST', '/api/forms', { kind: 'warning-record', from: '2026-03-01', to: '2026-04-01' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.form).toMatchObject({ title: '科学预警记录（2026年3月）', formats: ['docx', 'xlsx'] });
    const alerts = await q<{ id: number; kind: string; level: string; state: string; created_at: Date; topic: string | null; rule: string | null; ack: string | null; incident_id: number | null }>(
      `SELECT a.id, a.kind, a.level, a.state, a.created_at, t.title AS topic, r.name AS rule, u.display_name AS ack, a.incident_id
       FROM alerts a LEFT JOIN topics t ON t.id = a.topic_id LEFT JOIN alert_rules r ON r.id = a.rule_id LEFT JOIN users u ON u.id = a.acknowledged_by
       WHERE a.kind <> 'source_health' AND a.created_at >= $1 AND a.created_at < $2 ORDER BY a.created_at, a.id`,
      [MONTH.from, MONTH.to],
    );
    const rows = r.body.data.rows;
    expect(rows.map((x: { alertId: number }) => x.alertId)).toEqual(alerts.map((a) => Number(a.id)));
    expect(alerts.length).toBeGreaterThanOrEqual(4);
    for (const [i, a] of alerts.entries()) {
      const row = rows[i];
      expect(row.at).toBe(iso(a.created_at));
      expect(row.level).toBe(a.level);
      if (a.kind === 'incident') {
        expect(row.rule).toBe('事件超时未回应');
        expect(row.topic).toContain(`事件#${a.incident_id}`);
      } else {
        expect(row.rule).toBe(a.rule ?? '');
        expect(row.topic).toBe(a.topic ?? '');
      }
      expect(row.handling.startsWith(a.ack ? `${a.ack}于` : '未确认')).toBe(true);
      const opened = await q<{ incident_id: number; status: string }>(
        `SELECT l.incident_id, n.status FROM incident_links l JOIN incidents n ON n.id = l.incident_id WHERE l.kind = 'alert' AND l.target_id = $1 ORDER BY 1`,
        [a.id],
      );
      for (const o of opened) {
        expect(row.handling).toContain(`开立事件#${o.incident_id}`);
        expect(row.outcome).toContain(`事件#${o.incident_id}${STATUS_WORDS[o.status]}`);
      }
      expect(row.outcome.startsWith({ firing: '预警中', acknowledged: '已确认', resolved: '已解除' }[a.state]!)).toBe(true);
    }
    // The resolved alert whose incident was closed says both, with the closing summary.
    const a2 = rows.find((x: { alertId: number }) => x.alertId === world.alerts['a2']);
    expect(a2.outcome).toBe(`已解除（2026年3月6日 12:00）；事件#${world.incidents['i2']}已结案：已疏导，舆情平息`);
    const a1 = rows.find((x: { alertId: number }) => x.alertId === world.alerts['a1']);
    expect(a1.handling).toBe(`role-analyst于2026年3月3日 10:30确认；开立事件#${world.incidents['i1']}“民警执法争议事件”`);
    expect(a1.rule).toBe('涉警负面升温');
  });

  it('the crisis register holds every incident opened in the period with its full timeline; one incident makes a record of its own', async () => {
    const r = await call('analyst', 'POST', '/api/forms', { kind: 'crisis-register', from: '2026-03-01', to: '2026-04-01' });
    expect(r.status).toBe(201);
    const incidents = await q<{ id: number; title: string; level: string; category: string; jurisdiction: string; status: string; created_at: Date; due_at: Date; owner: string | null; response_at: Date | null; response_channel: string | null; response_text: string | null; closed_at: Date | null; closing_summary: string | null; summary: string }>(
      `SELECT i.*, u.display_name AS owner FROM incidents i LEFT JOIN users u ON u.id = i.owner_id WHERE i.created_at >= $1 AND i.created_at < $2 ORDER BY i.created_at, i.id`,
      [MONTH.from, MONTH.to],
    );
    const records = r.body.data.records;
    expect(records.map((x: { incidentId: number }) => x.incidentId)).toEqual(incidents.map((i) => Number(i.id)));
    for (const [k, i] of incidents.entries()) {
      const timeline = await q<{ at: Date; actor_name: string; kind: string; body: string }>(`SELECT at, actor_name, kind, body FROM incident_timeline WHERE incident_id = $1 ORDER BY at, id`, [i.id]);
      expect(records[k]).toEqual({
        incidentId: Number(i.id),
        title: i.title,
        level: i.level,
        category: i.category,
        place: i.jurisdiction,
        openedAt: iso(i.created_at),
        status: STATUS_WORDS[i.status],
        owner: i.owner ?? '',
        dueAt: iso(i.due_at),
        respondedAt: iso(i.response_at),
        responseChannel: i.response_channel ?? '',
        responseText: i.response_text ?? '',
        closedAt: iso(i.closed_at),
        closingSummary: i.closing_summary ?? '',
        summary: i.summary,
        timeline: timeline.map((e) => ({
          at: iso(e.at),
          actor: e.actor_name,
          text: e.kind === 'instruction' ? `领导批示：${e.body}` : e.kind === 'response' ? `官方回应：${e.body}` : e.body,
        })),
      });
    }
    const one = await call('analyst', 'POST', '/api/forms', { kind: 'crisis-register', incidentId: world.incidents['i1'] });
    expect(one.status).toBe(201);
    expect(one.body.form).toMatchObject({ title: '危机管理登记表：民警执法争议事件', periodStart: null, incidentId: world.incidents['i1'] });
    expect(one.body.data.records).toEqual([records.find((x: { incidentId: number }) => x.incidentId === world.incidents['i1'])]);
  });
});

describe('信息采集', () => {
  let entryId: number;
  let itemId: number;

  it('an entry becomes a manual item, stored with it and queued for analysis', async () => {
    const body = { channel: '来电', occurredAt: '2026-03-04 10:20', place: '东城区和平街', people: '群众张某', content: '反映东城区派出所接警后出警慢，情绪激动。', followUp: '已转东城区派出所核查', officer: '李警官' };
    const r = await call('pr', 'POST', '/api/info-entries', body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const e = r.body.entry;
    entryId = e.id;
    itemId = e.itemId;
    expect(e).toMatchObject({ channel: '来电', occurredAt: bj('2026-03-04 10:20').toISOString(), place: body.place, people: body.people, content: body.content, followUp: body.followUp, officer: '李警官' });
    const [item] = await q<{ origin: string; source_name: string; published_at: Date; text: string; source_id: number | null; enqueued_at: Date | null; url: string }>(`SELECT * FROM items WHERE id = $1`, [itemId]);
    expect(item).toMatchObject({ origin: 'manual', source_name: '信息采集', source_id: null, published_at: bj('2026-03-04 10:20') });
    expect(item!.text).toContain(body.content);
    expect(item!.text).toContain(body.place);
    expect(item!.enqueued_at).not.toBeNull();
    const queue = createAnalyzeQueue(t.redis, t.cfg.QUEUE_PREFIX);
    try {
      const job = await queue.getJob(analyzeJobId(itemId));
      expect(job?.data).toEqual({ itemId });
    } finally {
      await queue.close();
    }
    const [audit] = await q<{ actor_name: string; after: { id: number; itemId: number } }>(`SELECT actor_name, after FROM audit_log WHERE action = 'info_entry.create' AND entity_id = $1`, [String(entryId)]);
    expect(audit).toMatchObject({ actor_name: 'role-pr', after: { id: entryId, itemId } });
  });

  it('the item shows with the others (origin manual, source 信息采集) and the entries list and filter', async () => {
    const items = await call('leader', 'GET', `/api/items?source=${encodeURIComponent('信息采集')}`);
    expect(items.status).toBe(200);
    expect(items.body.items.map((i: { id: number; origin: string }) => [i.id, i.origin])).toEqual([[itemId, 'manual']]);
    await call('analyst', 'POST', '/api/info-entries', { channel: '走访', occurredAt: '2026-03-06 15:00', place: '西城区', people: '商户', content: '商户反映夜间噪音', officer: '王警官' });
    const list = await call('leader', 'GET', '/api/info-entries?from=2026-03-01&to=2026-04-01');
    expect(list.body.entries.map((x: { channel: string }) => x.channel)).toEqual(['走访', '来电']);
    const calls = await call('leader', 'GET', `/api/info-entries?channel=${encodeURIComponent('来电')}`);
    expect(calls.body.entries.map((x: { id: number }) => x.id)).toEqual([entryId]);
  });

  it('refuses what is not an entry, and roles that do not collect', async () => {
    const bad = await call('analyst', 'POST', '/api/info-entries', { channel: '传真', occurredAt: '2026-03-04', place: '', people: '', content: '', officer: '' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.error)).toMatch(/渠道只能是/);
    expect((await call('leader', 'POST', '/api/info-entries', { channel: '来电', occurredAt: '2026-03-04', place: '', people: '', content: '内容', officer: '甲' })).status).toBe(403);
    const before = await q<{ n: number }>(`SELECT count(*)::int AS n FROM items WHERE origin = 'manual'`);
    expect(before[0]!.n).toBe(2);
  });

  it('the 信息采集表 of a period holds its entries, and downloads as Excel', async () => {
    const r = await call('analyst', 'POST', '/api/forms', { kind: 'info-collection', from: '2026-03-01', to: '2026-04-01' });
    expect(r.status).toBe(201);
    const entries = await q<{ id: number; occurred_at: Date; content: string; item_id: number }>(`SELECT id, occurred_at, content, item_id FROM info_entries WHERE occurred_at >= $1 AND occurred_at < $2 ORDER BY occurred_at, id`, [MONTH.from, MONTH.to]);
    expect(r.body.data.entries.map((e: { id: number; occurredAt: string; content: string; itemId: number }) => [e.id, e.occurredAt, e.content, e.itemId])).toEqual(
      entries.map((e) => [Number(e.id), iso(e.occurred_at), e.content, Number(e.item_id)]),
    );
    const noPeriod = await call('analyst', 'POST', '/api/forms', { kind: 'info-collection' });
    expect(noPeriod.body.error.code).toBe('FORM_PERIOD_REQUIRED');
    const file = await call('pr', 'GET', '/api/info-entries.xlsx?from=2026-03-01&to=2026-04-01');
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe(XLSX);
    expect(file.raw.subarray(0, 2).toString('latin1')).toBe('PK');
  });
});

describe('走访人大代表、政协委员', () => {
  it('records, changes and removes visits (audited), and makes the quarter\'s register', async () => {
    const a = await call('pr', 'POST', '/api/visits', { visitedOn: '2026-02-14', person: '王代表', role: '人大代表', organisation: '市人大常委会', views: '建议加强学校周边巡逻', followUp: '已安排', officer: '赵警官' });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    expect(a.body.visit).toMatchObject({ visitedOn: bj('2026-02-14').toISOString(), person: '王代表', role: '人大代表' });
    const b = await call('analyst', 'POST', '/api/visits', { visitedOn: '2026-03-20', person: '陈委员', role: '政协委员', officer: '赵警官' });
    const c = await call('analyst', 'POST', '/api/visits', { visitedOn: '2026-04-02', person: '下季度', role: '政协委员', officer: '赵警官' });
    expect(c.status).toBe(201);
    expect((await call('pr', 'PATCH', `/api/visits/${b.body.visit.id}`, { views: 'x' })).status).toBe(403);
    const changed = await call('analyst', 'PATCH', `/api/visits/${b.body.visit.id}`, { views: '关注交通秩序', visitedOn: '2026-03-21' });
    expect(changed.body.visit).toMatchObject({ views: '关注交通秩序', visitedOn: bj('2026-03-21').toISOString() });
    const removed = await call('admin', 'DELETE', `/api/visits/${c.body.visit.id}`);
    expect(removed.status).toBe(200);
    expect((await call('admin', 'DELETE', `/api/visits/${c.body.visit.id}`)).status).toBe(404);
    const actions = await q<{ action: string }>(`SELECT action FROM audit_log WHERE entity = 'visit' ORDER BY id`);
    expect(actions.map((x) => x.action)).toEqual(['visit.create', 'visit.create', 'visit.create', 'visit.update', 'visit.delete']);

    const listed = await call('leader', 'GET', '/api/visits?from=2026-01-01&to=2026-04-01');
    expect(listed.body.visits.map((v: { person: string }) => v.person)).toEqual(['王代表', '陈委员']);
    const form = await call('analyst', 'POST', '/api/forms', { kind: 'visit-record', from: '2026-01-01', to: '2026-04-01' });
    expect(form.status).toBe(201);
    expect(form.body.form.title).toBe('走访人大代表、政协委员记录表（2026年第一季度）');
    const rows = await q<{ id: number; person: string }>(`SELECT id, person FROM visits WHERE visited_on >= '2026-01-01' AND visited_on < '2026-04-01' ORDER BY visited_on, id`);
    expect(form.body.data.entries.map((e: { id: number; person: string }) => [e.id, e.person])).toEqual(rows.map((v) => [Number(v.id), v.person]));
    const file = await call('leader', 'GET', '/api/visits.xlsx?from=2026-01-01&to=2026-04-01');
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe(XLSX);
    expect(file.raw.subarray(0, 2).toString('latin1')).toBe('PK');
    expect(QUARTER.from.toISOString()).toBe(form.body.form.periodStart);
  });
});

describe('documents', () => {
  it('each form downloads in its formats as a zip (PK) with its title as the file name; other formats are 404', async () => {
    const forms = await q<{ id: number; kind: string; title: string; version: number }>(`SELECT id, kind, title, version FROM forms ORDER BY id`);
    const formats: Record<string, string[]> = {
      'major-report': ['docx'],
      'weekly-report': ['docx'],
      'warning-record': ['docx', 'xlsx'],
      'crisis-register': ['docx', 'xlsx'],
      'info-collection': ['xlsx'],
      'visit-record': ['xlsx'],
    };
    expect(new Set(forms.map((f) => f.kind)).size).toBe(6);
    for (const f of forms) {
      for (const format of ['docx', 'xlsx']) {
        const r = await call('pr', 'GET', `/api/forms/${f.id}/document.${format}`);
        if (!formats[f.kind]!.includes(format)) {
          expect(r.status, `${f.kind} ${format}`).toBe(404);
          expect(r.body.error.code).toBe('FORM_FORMAT_UNAVAILABLE');
          continue;
        }
        expect(r.status, `${f.kind} ${format}: ${r.raw.toString('utf8').slice(0, 300)}`).toBe(200);
        expect(r.headers['content-type']).toBe(format === 'docx' ? DOCX : XLSX);
        expect(r.headers['content-disposition']).toBe(`attachment; filename="form-${f.id}-v${f.version}.${format}"; filename*=UTF-8''${encodeURIComponent(`${f.title}.${format}`)}`);
        expect(r.raw.subarray(0, 2).toString('latin1')).toBe('PK');
        expect(r.raw.length).toBeGreaterThan(2000);
      }
    }
    // An earlier version, by number; a version that does not exist.
    const weekly = forms.find((f) => f.kind === 'weekly-report' && f.version > 1)!;
    const v1 = await call('leader', 'GET', `/api/forms/${weekly.id}/document.docx?version=1`);
    expect(v1.status).toBe(200);
    expect(String(v1.headers['content-disposition'])).toContain(encodeURIComponent('（第1版）.docx'));
    expect((await call('leader', 'GET', `/api/forms/${weekly.id}/document.docx?version=99`)).status).toBe(404);
    expect((await call('leader', 'GET', '/api/forms/987654/document.docx')).status).toBe(404);
  });
});

it('seeded topics are what the tests think they are', async () => {
  const merged = await q<{ merged_into: number }>('SELECT merged_into FROM topics WHERE id = $1', [TOPIC.C]);
  expect(Number(merged[0]!.merged_into)).toBe(TOPIC.A);
});
