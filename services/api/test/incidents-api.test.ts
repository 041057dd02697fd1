/**
 * The incident workflow through the API against the real PostgreSQL: an analyst opens an incident
 * from an alert and walks it to 已结案 with notes, a leader's instruction and the official response;
 * refused transitions for each role; level changes with and without a reason; tags, links and the
 * register's filters; an audit entry for every change and a timeline the database will not let
 * anyone edit; the CSV exports parsed back; the heat before/after the response recomputed here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { appendAlertEvent, insertAlert, ROLES, type Role } from '@yuqing/db';
import type { FastifyInstance } from 'fastify';
import { parseCsv } from '../../../test/support/csv';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { beijingText } from '../../../test/support/time';
import { bearer, callerPerRole, type Caller } from './auth-fixtures';
import { seedItem, seedTopic } from './read-fixtures';

const HOUR = 3600_000;
const MIN = 60_000;
// Not the defaults, so that the test sees the configuration being used.
const CLOCKS = { red: 30 * MIN, orange: 2 * HOUR, yellow: 5 * HOUR, blue: 3 * 24 * HOUR };

let t: TestEnv;
let app: FastifyInstance;
let callers: Record<Role, Caller>;
let seq = 0;

beforeAll(async () => {
  t = await createTestEnv('incidentsapi', { INCIDENT_RESPONSE_CLOCKS: 'red=30m,orange=2h,yellow=5h,blue=3d' });
  callers = await callerPerRole(t.db);
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await t.cleanup();
});

/* eslint-disable @typescript-eslint/no-explicit-any */
async function call(role: Role, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown): Promise<{ status: number; body: any; raw: string; headers: Record<string, unknown> }> {
  const res = await app.inject({ method, url, headers: bearer(callers[role].token), ...(payload === undefined ? {} : { payload: payload as object }) });
  let body: unknown = null;
  try {
    body = res.json();
  } catch {
    body = null;
  }
  return { status: res.statusCode, body, raw: res.body, headers: res.headers };
}

/** A firing topic alert every reader may see. */
async function newAlert(over: { level?: 'blue' | 'yellow' | 'orange' | 'red'; title?: string; topicId?: number } = {}): Promise<number> {
  const level = over.level ?? 'orange';
  const a = await insertAlert(t.db, { kind: 'topic', dedupKey: `inc-test:${++seq}`, level, title: over.title ?? `民警执法视频引关注 ${seq}`, topicId: over.topicId ?? null });
  if (!a) throw new Error('alert not created');
  await appendAlertEvent(t.db, { alertId: a.id, type: 'firing', level, audienceRoles: ['admin', 'pr', 'analyst', 'leader'] });
  return a.id;
}

async function newIncident(role: Role = 'analyst', payload: Record<string, unknown> = {}): Promise<any> {
  const res = await call(role, 'POST', '/api/incidents', { title: `测试事件 ${++seq}`, ...payload });
  expect(res.status, res.raw).toBe(201);
  return res.body;
}

const transition = (role: Role, id: number, body: Record<string, unknown>) => call(role, 'POST', `/api/incidents/${id}/transition`, body);

interface AuditRow {
  action: string;
  actor_name: string;
  entity: string;
  entity_id: string;
  before: any;
  after: any;
  request_id: string | null;
}
const auditOf = async (entity: string, entityId: string | number): Promise<AuditRow[]> =>
  (await t.db.query<AuditRow>('SELECT * FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY id', [entity, String(entityId)])).rows;

describe('the whole walk: from an alert to 已结案', () => {
  it('opens from an alert, takes its defaults, walks every status with notes and the response, and records it all', async () => {
    const { topicId, itemIds } = await seedTopic(t.db, { level: 'yellow' });
    const alertId = await newAlert({ level: 'orange', title: '某派出所民警执法视频引关注', topicId });

    const created = await call('analyst', 'POST', '/api/incidents', { alertIds: [alertId], topicIds: [topicId], itemIds: [itemIds[0]] });
    expect(created.status, created.raw).toBe(201);
    const inc = created.body;
    // Defaults from the first linked alert (and its topic's places and categories, see seedTopic).
    expect(inc).toMatchObject({
      title: '某派出所民警执法视频引关注',
      level: 'orange',
      autoLevel: 'orange',
      levelChangedBy: null,
      jurisdiction: '某市',
      category: '执法',
      status: 'new',
      statusLabel: '新建',
      overdue: false,
      ownerId: null,
      createdBy: callers.analyst.user.id,
      createdByName: callers.analyst.user.displayName,
      reopenCount: 0,
      heat: null,
    });
    // The response is due one orange clock (configured: 2 h) after opening.
    expect(Math.abs(Date.parse(inc.dueAt) - Date.parse(inc.createdAt) - CLOCKS.orange)).toBeLessThan(5000);
    expect(inc.links.alerts).toEqual([{ id: alertId, title: '某派出所民警执法视频引关注', level: 'orange', state: 'firing' }]);
    expect(inc.links.topics).toEqual([{ id: topicId, title: '民警执法视频', level: 'yellow', stage: '扩散期' }]);
    expect(inc.links.items).toEqual([expect.objectContaining({ id: itemIds[0], title: '某派出所民警执法视频引关注', sourceName: '微博' })]);
    expect(inc.timeline.map((e: any) => e.kind)).toEqual(['created']);
    expect(inc.allowedTransitions).toEqual([{ to: 'assessing', label: expect.any(String), needs: null }]);

    // The leader sees the incident but may not start it.
    const leaderView = await call('leader', 'GET', `/api/incidents/${inc.id}`);
    expect(leaderView.body.allowedTransitions).toEqual([]);

    expect((await transition('pr', inc.id, { to: 'assessing' })).body).toMatchObject({ status: 'assessing', statusLabel: '研判中' });
    const note = await call('pr', 'POST', `/api/incidents/${inc.id}/notes`, { body: '已联系属地派出所核实' });
    expect(note.status, note.raw).toBe(201);
    expect(note.body).toMatchObject({ kind: 'note', body: '已联系属地派出所核实', actorName: callers.pr.user.displayName });
    const instruction = await call('leader', 'POST', `/api/incidents/${inc.id}/notes`, { body: '请于今日内发布警情通报', kind: 'instruction' });
    expect(instruction.status, instruction.raw).toBe(201);
    expect(instruction.body.kind).toBe('instruction');
    // A 领导批示 is the leader's (or an admin's) to write.
    const prInstruction = await call('pr', 'POST', `/api/incidents/${inc.id}/notes`, { body: '冒充批示', kind: 'instruction' });
    expect(prInstruction.status).toBe(403);

    expect((await transition('analyst', inc.id, { to: 'handling' })).body.status).toBe('handling');
    const responseAt = new Date(Date.now() - 10 * MIN).toISOString();
    const responseText = '警情通报：经查，视频系剪辑，涉事民警依法处置,并无"殴打"情节。\r\n特此通报';
    const responded = await transition('pr', inc.id, { to: 'responded', response: { at: responseAt, channel: '官方微博', text: responseText } });
    expect(responded.status, responded.raw).toBe(200);
    expect(responded.body).toMatchObject({ status: 'responded', responseAt, responseChannel: '官方微博', responseText, overdue: false });
    // With a linked topic and a response, the heat around it is there.
    expect(responded.body.heat).toMatchObject({ responseAt, hoursBefore: 24 });

    const closed = await transition('leader', inc.id, { to: 'closed', closingSummary: '已发布通报，舆情平息' });
    expect(closed.status, closed.raw).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed', statusLabel: '已结案', closingSummary: '已发布通报，舆情平息' });
    expect(closed.body.closedAt).not.toBeNull();

    const detail = (await call('analyst', 'GET', `/api/incidents/${inc.id}`)).body;
    expect(detail.timeline.map((e: any) => e.kind)).toEqual(['created', 'status', 'note', 'instruction', 'status', 'status', 'response', 'status']);
    expect(detail.timeline.find((e: any) => e.kind === 'response')).toMatchObject({ body: responseText, data: { channel: '官方微博', at: responseAt } });
    expect(detail.allowedTransitions.map((x: any) => x.to)).toEqual(['assessing']);

    // Every change has its audit entry, by the right person, with before and after.
    const audit = await auditOf('incident', inc.id);
    expect(audit.map((a) => [a.action, a.actor_name])).toEqual([
      ['incident.create', 'role-analyst'],
      ['incident.transition', 'role-pr'],
      ['incident.note', 'role-pr'],
      ['incident.note', 'role-leader'],
      ['incident.transition', 'role-analyst'],
      ['incident.transition', 'role-pr'],
      ['incident.transition', 'role-leader'],
    ]);
    expect(audit.every((a) => a.request_id)).toBe(true);
    const transitions = audit.filter((a) => a.action === 'incident.transition');
    expect(transitions.map((a) => [a.before.status, a.after.status])).toEqual([
      ['new', 'assessing'],
      ['assessing', 'handling'],
      ['handling', 'responded'],
      ['responded', 'closed'],
    ]);

    // Reopened by the leader with a reason: back to 研判中, counted, and a new response is due.
    const reopened = await transition('leader', inc.id, { to: 'assessing', reason: '出现新的质疑视频' });
    expect(reopened.status, reopened.raw).toBe(200);
    expect(reopened.body).toMatchObject({ status: 'assessing', reopenCount: 1, closedAt: null, closingSummary: null });
    expect(Date.parse(reopened.body.dueAt)).toBeGreaterThan(Date.parse(closed.body.dueAt));
  });

  it('an incident closed right after 研判 needs no response; a rebound after 已回应 goes back to 处置中 with a reason', async () => {
    const a = await newIncident();
    await transition('analyst', a.id, { to: 'assessing' });
    const noSummary = await transition('leader', a.id, { to: 'closed' });
    expect(noSummary.status).toBe(400);
    expect(noSummary.body.error.message).toContain('结案说明');
    expect((await transition('leader', a.id, { to: 'closed', closingSummary: '经研判不涉警' })).body).toMatchObject({ status: 'closed', responseAt: null });

    const b = await newIncident();
    for (const to of ['assessing', 'handling']) await transition('admin', b.id, { to });
    await transition('admin', b.id, { to: 'responded', response: { channel: '新闻发布会', text: '通报' } });
    const noReason = await transition('analyst', b.id, { to: 'handling' });
    expect(noReason.status).toBe(400);
    const rebound = await transition('analyst', b.id, { to: 'handling', reason: '回应后舆情反弹' });
    expect(rebound.body).toMatchObject({ status: 'handling', reopenCount: 0 });
    expect(rebound.body.timeline.at(-1)).toMatchObject({ kind: 'status', data: { from: 'responded', to: 'handling', reason: '回应后舆情反弹' } });
  });
});

describe('refused transitions', () => {
  // The policy for a new incident, written out: only 研判中 is reachable, and only by admin, analyst, pr.
  const TARGETS = ['new', 'assessing', 'handling', 'responded', 'closed'] as const;
  const cases = ROLES.flatMap((role) => TARGETS.map((to) => ({ role, to })));

  it.each(cases)('from 新建 to $to as $role', async ({ role, to }) => {
    const inc = await newIncident('admin');
    const res = await transition(role, inc.id, { to, reason: '测试', closingSummary: '测试', response: { channel: '微博', text: '通报' } });
    if (role === 'ingest') {
      // Not part of the workflow at all: refused by the route.
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    } else if (to !== 'assessing') {
      expect(res.status, res.raw).toBe(409);
      expect(res.body.error.message).toContain('新建');
      if (to !== 'new') expect(res.body.error.message).toContain({ handling: '处置中', responded: '已回应', closed: '已结案' }[to]);
    } else if (role === 'leader') {
      expect(res.status, res.raw).toBe(403);
      expect(res.body.error.message).toContain('「新建」转为「研判中」');
    } else {
      expect(res.status, res.raw).toBe(200);
    }
    const after = (await call('admin', 'GET', `/api/incidents/${inc.id}`)).body;
    const ok = res.status === 200;
    expect(after.status).toBe(ok ? 'assessing' : 'new');
    // A refused transition changes nothing and records nothing.
    expect((await auditOf('incident', inc.id)).filter((a) => a.action === 'incident.transition')).toHaveLength(ok ? 1 : 0);
  });

  it('the duty officer may record the response but not close; the leader may close but not record the response', async () => {
    const inc = await newIncident();
    for (const to of ['assessing', 'handling']) await transition('analyst', inc.id, { to });
    const leaderResponds = await transition('leader', inc.id, { to: 'responded', response: { channel: '微博', text: '通报' } });
    expect(leaderResponds.status).toBe(403);
    const missing = await transition('pr', inc.id, { to: 'responded' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain('回应');
    const future = await transition('pr', inc.id, { to: 'responded', response: { at: Date.now() + HOUR, channel: '微博', text: '通报' } });
    expect(future.status).toBe(400);
    expect((await transition('pr', inc.id, { to: 'responded', response: { channel: '微博', text: '通报' } })).status).toBe(200);
    const prCloses = await transition('pr', inc.id, { to: 'closed', closingSummary: '平息' });
    expect(prCloses.status).toBe(403);
    expect(prCloses.body.error.message).toContain('「已回应」转为「已结案」');
    expect((await transition('leader', inc.id, { to: 'closed', closingSummary: '平息' })).status).toBe(200);
    const prReopens = await transition('pr', inc.id, { to: 'assessing', reason: '再起' });
    expect(prReopens.status).toBe(403);
  });

  it('unknown incidents are 404 and unknown fields are refused', async () => {
    expect((await transition('admin', 99_999_999, { to: 'assessing' })).status).toBe(404);
    const inc = await newIncident();
    expect((await transition('admin', inc.id, { to: 'assessing', extra: 1 })).status).toBe(400);
    expect((await call('admin', 'PATCH', `/api/incidents/${inc.id}`, { status: 'closed' })).status).toBe(400);
  });
});

describe('levels', () => {
  it('a level differing from the automatic one at creation needs a reason, which is recorded with who gave it', async () => {
    const alertId = await newAlert({ level: 'yellow' });
    const without = await call('analyst', 'POST', '/api/incidents', { alertIds: [alertId], level: 'red' });
    expect(without.status).toBe(400);
    expect(without.body.error.code).toBe('INCIDENT_LEVEL_REASON_REQUIRED');
    const withReason = await call('analyst', 'POST', '/api/incidents', { alertIds: [alertId], level: 'red', levelReason: '涉及人员伤亡' });
    expect(withReason.status, withReason.raw).toBe(201);
    expect(withReason.body).toMatchObject({ level: 'red', autoLevel: 'yellow', levelChangedBy: callers.analyst.user.id, levelChangeReason: '涉及人员伤亡' });
    expect(Math.abs(Date.parse(withReason.body.dueAt) - Date.parse(withReason.body.createdAt) - CLOCKS.red)).toBeLessThan(5000);
  });

  it('a topic at level none opens a blue incident', async () => {
    const { topicId } = await seedTopic(t.db, { level: 'none' });
    const res = await call('pr', 'POST', '/api/incidents', { topicIds: [topicId] });
    expect(res.status, res.raw).toBe(201);
    expect(res.body).toMatchObject({ level: 'blue', autoLevel: 'none', title: '民警执法视频', levelChangeReason: null });
  });

  it('changing the level needs a reason and moves the due time by the new clock, unless it was set by hand', async () => {
    const inc = await newIncident('analyst', { level: 'yellow' });
    const refused = await call('analyst', 'PATCH', `/api/incidents/${inc.id}`, { level: 'orange' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain('原因');
    expect((await call('admin', 'GET', `/api/incidents/${inc.id}`)).body.level).toBe('yellow');

    const changed = await call('pr', 'PATCH', `/api/incidents/${inc.id}`, { level: 'orange', levelReason: '央媒转载' });
    expect(changed.status, changed.raw).toBe(200);
    expect(changed.body).toMatchObject({ level: 'orange', levelChangedBy: callers.pr.user.id, levelChangeReason: '央媒转载' });
    // Both clocks run from the same start: the due time moves by the difference of the clocks.
    expect(Date.parse(changed.body.dueAt) - Date.parse(inc.dueAt)).toBe(CLOCKS.orange - CLOCKS.yellow);
    expect(changed.body.timeline.map((e: any) => e.kind).slice(-2)).toEqual(['level', 'due']);
    expect(changed.body.timeline.at(-2).data).toEqual({ from: 'yellow', to: 'orange', reason: '央媒转载' });

    const manualDue = new Date(Date.now() + 10 * HOUR).toISOString();
    await call('analyst', 'PATCH', `/api/incidents/${inc.id}`, { dueAt: manualDue });
    const again = await call('analyst', 'PATCH', `/api/incidents/${inc.id}`, { level: 'red', levelReason: '出现伤亡' });
    expect(again.body).toMatchObject({ level: 'red', dueAt: manualDue });

    const updates = (await auditOf('incident', inc.id)).filter((a) => a.action === 'incident.update');
    expect(updates.map((a) => [a.before.level, a.after.level])).toEqual([
      ['yellow', 'orange'],
      ['orange', 'orange'],
      ['orange', 'red'],
    ]);
  });
});

describe('fields, owner, tags, links', () => {
  it('assigning an owner and editing fields append timeline entries and one audit entry each; an empty change records nothing', async () => {
    const inc = await newIncident();
    const res = await call('analyst', 'PATCH', `/api/incidents/${inc.id}`, { ownerId: callers.pr.user.id, title: '新标题', summary: '摘要' });
    expect(res.status, res.raw).toBe(200);
    expect(res.body).toMatchObject({ ownerId: callers.pr.user.id, ownerName: callers.pr.user.displayName, title: '新标题', summary: '摘要' });
    expect(res.body.timeline.map((e: any) => e.kind)).toEqual(['created', 'edit', 'assign']);
    const same = await call('analyst', 'PATCH', `/api/incidents/${inc.id}`, { title: '新标题' });
    expect(same.status).toBe(200);
    expect((await auditOf('incident', inc.id)).map((a) => a.action)).toEqual(['incident.create', 'incident.update']);
    const unknownOwner = await call('analyst', 'PATCH', `/api/incidents/${inc.id}`, { ownerId: 99_999_999 });
    expect(unknownOwner.status).toBe(400);
    const unassigned = await call('analyst', 'PATCH', `/api/incidents/${inc.id}`, { ownerId: null });
    expect(unassigned.body).toMatchObject({ ownerId: null, ownerName: null });
  });

  it('controlled tags come from the vocabulary an admin keeps; free tags are free within limits', async () => {
    const tag = `涉警负面${++seq}`;
    expect((await call('analyst', 'POST', '/api/incident-tags', { tag })).status).toBe(403);
    const created = await call('admin', 'POST', '/api/incident-tags', { tag, description: '涉及警察的负面舆情' });
    expect(created.status, created.raw).toBe(201);
    expect((await call('admin', 'POST', '/api/incident-tags', { tag })).status).toBe(409);
    expect((await call('leader', 'GET', '/api/incident-tags')).body.tags).toContainEqual({ tag, description: '涉及警察的负面舆情' });

    const unknown = await call('analyst', 'POST', '/api/incidents', { title: '标签测试', tags: ['不存在的标签'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('「不存在的标签」不在标签表中');
    const inc = await newIncident('analyst', { tags: [tag], freeTags: [' 夜间 ', '夜间', '视频'] });
    expect(inc).toMatchObject({ tags: [tag], freeTags: ['夜间', '视频'] });
    expect((await call('analyst', 'PATCH', `/api/incidents/${inc.id}`, { freeTags: ['长'.repeat(41)] })).status).toBe(400);
    expect((await call('analyst', 'PATCH', `/api/incidents/${inc.id}`, { freeTags: Array.from({ length: 21 }, (_, i) => `t${i}`) })).status).toBe(400);

    // A retired tag stays on the incidents that have it.
    const deleted = await call('admin', 'DELETE', `/api/incident-tags/${encodeURIComponent(tag)}`);
    expect(deleted.status, deleted.raw).toBe(200);
    expect((await call('admin', 'DELETE', `/api/incident-tags/${encodeURIComponent(tag)}`)).status).toBe(404);
    expect((await call('admin', 'GET', `/api/incidents/${inc.id}`)).body.tags).toEqual([tag]);
    const kept = await call('analyst', 'PATCH', `/api/incidents/${inc.id}`, { summary: '仍可编辑', tags: [tag] });
    expect(kept.status, kept.raw).toBe(200);
    expect((await auditOf('incident_tag', tag)).map((a) => a.action)).toEqual(['incident_tag.create', 'incident_tag.delete']);
  });

  it('links to things that do not exist are refused, naming them; links are added once', async () => {
    const missing = await call('analyst', 'POST', '/api/incidents', { title: '关联测试', alertIds: [99_999_991], topicIds: [99_999_992] });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain('预警 99999991');
    expect(missing.body.error.message).toContain('话题 99999992');
    expect((await call('analyst', 'POST', '/api/incidents', {})).status).toBe(400);

    const inc = await newIncident();
    const alertId = await newAlert();
    const itemId = await seedItem(t.db, { title: '网帖：某地警察' });
    const linked = await call('pr', 'POST', `/api/incidents/${inc.id}/links`, { alertIds: [alertId], itemIds: [itemId] });
    expect(linked.status, linked.raw).toBe(200);
    expect(linked.body.links.alerts.map((a: any) => a.id)).toEqual([alertId]);
    expect(linked.body.links.items.map((i: any) => i.id)).toEqual([itemId]);
    expect(linked.body.timeline.at(-1)).toMatchObject({ kind: 'link' });
    await call('pr', 'POST', `/api/incidents/${inc.id}/links`, { alertIds: [alertId] });
    expect((await auditOf('incident', inc.id)).map((a) => a.action)).toEqual(['incident.create', 'incident.link']);
    const bad = await call('pr', 'POST', `/api/incidents/${inc.id}/links`, { itemIds: [99_999_993] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('信息 99999993');
  });
});

describe('the register list', () => {
  it('filters by status, minimum level, owner, overdue, title, creation time, and pages by cursor', async () => {
    const mark = `筛选${++seq}`;
    const before = new Date(Date.now() - 1000).toISOString();
    const a = await newIncident('analyst', { title: `${mark} 甲`, level: 'red', ownerId: callers.pr.user.id });
    const b = await newIncident('analyst', { title: `${mark} 乙`, level: 'blue', dueAt: new Date(Date.now() - MIN).toISOString() });
    const c = await newIncident('analyst', { title: `${mark} 丙`, level: 'yellow' });
    await transition('analyst', c.id, { to: 'assessing' });
    const ids = async (query: string) => (await call('leader', 'GET', `/api/incidents?q=${encodeURIComponent(mark)}&${query}`)).body.incidents.map((i: any) => i.id);

    expect(await ids('')).toEqual([c.id, b.id, a.id]);
    expect(await ids('status=new')).toEqual([b.id, a.id]);
    expect(await ids('status=assessing,closed')).toEqual([c.id]);
    expect(await ids('level=yellow')).toEqual([c.id, a.id]);
    expect(await ids(`owner=${callers.pr.user.id}`)).toEqual([a.id]);
    expect(await ids('owner=none')).toEqual([c.id, b.id]);
    expect(await ids('overdue=true')).toEqual([b.id]);
    expect(await ids('overdue=false')).toEqual([c.id, a.id]);
    expect(await ids(`from=${encodeURIComponent(before)}`)).toEqual([c.id, b.id, a.id]);
    expect(await ids(`to=${encodeURIComponent(before)}`)).toEqual([]);
    const listed = (await call('leader', 'GET', `/api/incidents?q=${encodeURIComponent(mark)}&overdue=true`)).body.incidents[0];
    expect(listed).toMatchObject({ id: b.id, overdue: true, statusLabel: '新建' });

    const page1 = (await call('pr', 'GET', `/api/incidents?q=${encodeURIComponent(mark)}&limit=2`)).body;
    expect(page1.incidents.map((i: any) => i.id)).toEqual([c.id, b.id]);
    expect(page1.nextCursor).toBe(b.id);
    const page2 = (await call('pr', 'GET', `/api/incidents?q=${encodeURIComponent(mark)}&limit=2&cursor=${page1.nextCursor}`)).body;
    expect(page2.incidents.map((i: any) => i.id)).toEqual([a.id]);
    expect(page2.nextCursor).toBeNull();
    expect((await call('pr', 'GET', '/api/incidents?status=open')).status).toBe(400);
  });
});

describe('the timeline is append-only', () => {
  it('the database refuses UPDATE, DELETE and TRUNCATE of timeline entries', async () => {
    const inc = await newIncident();
    await expect(t.db.query('UPDATE incident_timeline SET body = $2 WHERE incident_id = $1', [inc.id, '改写'])).rejects.toThrow(/append-only/);
    await expect(t.db.query('DELETE FROM incident_timeline WHERE incident_id = $1', [inc.id])).rejects.toThrow(/append-only/);
    await expect(t.db.query('TRUNCATE incident_timeline')).rejects.toThrow(/append-only/);
    const { rows } = await t.db.query<{ body: string }>('SELECT body FROM incident_timeline WHERE incident_id = $1', [inc.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.body).not.toBe('改写');
  });
});

describe('CSV exports', () => {
  it('the incident register: BOM, Chinese headers, one row per incident, RFC 4180 fields round-trip', async () => {
    const { topicId } = await seedTopic(t.db, { level: 'orange' });
    const alertId = await newAlert({ topicId });
    const title = `含逗号,引号"和\n换行的标题 ${++seq}`;
    const inc = await newIncident('analyst', { title, alertIds: [alertId], topicIds: [topicId], ownerId: callers.pr.user.id, freeTags: ['夜间'] });
    for (const to of ['assessing', 'handling']) await transition('analyst', inc.id, { to });
    const responseAt = new Date(Date.now() - 5 * MIN).toISOString();
    await transition('pr', inc.id, { to: 'responded', response: { at: responseAt, channel: '官方微博', text: '通报,"内容"\r\n第二行' } });

    const res = await call('leader', 'GET', '/api/incidents.csv');
    expect(res.status, res.raw).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv; charset=utf-8');
    expect(String(res.headers['content-disposition'])).toMatch(/^attachment; filename="incidents-\d{8}\.csv"$/);
    expect(res.raw.startsWith('\uFEFF')).toBe(true);
    const rows = parseCsv(res.raw.slice(1));
    expect(rows[0]).toEqual(['编号', '标题', '类别', '级别', '自动级别', '状态', '属地', '负责人', '创建时间', '应回应时间', '是否超时', '回应时间', '回应渠道', '回应内容', '结案时间', '结案说明', '标签', '关联预警', '关联话题', '创建人']);
    const row = rows.find((r) => r[0] === String(inc.id));
    expect(row).toEqual([
      String(inc.id),
      title,
      '执法',
      '橙色',
      '橙色',
      '已回应',
      '某市',
      callers.pr.user.displayName,
      beijingText(inc.createdAt),
      beijingText(inc.dueAt),
      '否',
      beijingText(responseAt),
      '官方微博',
      '通报,"内容"\r\n第二行',
      '',
      '',
      '夜间',
      String(alertId),
      String(topicId),
      callers.analyst.user.displayName,
    ]);
    expect(rows.every((r) => r.length === 20)).toBe(true);

    const later = await call('leader', 'GET', `/api/incidents.csv?from=${Date.now() + HOUR}`);
    expect(parseCsv(later.raw.slice(1))).toHaveLength(1);
  });

  it('a field Excel would run as a formula is written as text (a leading apostrophe), whatever it starts with', async () => {
    const titles = ['=HYPERLINK("http://evil.example/x","点我")', '+1+2 某地热议', '-2+3 网传', '@SUM(A1:A9)'];
    const ids: number[] = [];
    for (const title of titles) ids.push((await newIncident('analyst', { title })).id);
    const res = await call('leader', 'GET', '/api/incidents.csv');
    const rows = parseCsv(res.raw.slice(1));
    for (const [k, id] of ids.entries()) expect(rows.find((r) => r[0] === String(id))?.[1]).toBe(`'${titles[k]}`);
    // An ordinary title is untouched.
    const plain = await newIncident('analyst', { title: '普通标题 A-1' });
    const again = parseCsv((await call('leader', 'GET', '/api/incidents.csv')).raw.slice(1));
    expect(again.find((r) => r[0] === String(plain.id))?.[1]).toBe('普通标题 A-1');
  });

  it('the warning record: acknowledged by whom, which incidents', async () => {
    const { topicId } = await seedTopic(t.db, { level: 'red' });
    const alertId = await newAlert({ level: 'red', topicId, title: '预警,标题' });
    const ack = await call('pr', 'POST', `/api/alerts/${alertId}/acknowledge`, {});
    expect(ack.status, ack.raw).toBe(200);
    const inc = await newIncident('analyst', { alertIds: [alertId] });

    const res = await call('analyst', 'GET', '/api/alerts.csv');
    expect(res.status, res.raw).toBe(200);
    expect(res.raw.startsWith('\uFEFF')).toBe(true);
    expect(res.raw.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(res.raw.slice(1));
    expect(rows[0]).toEqual(['编号', '级别', '状态', '标题', '规则', '话题', '首次预警时间', '确认人', '确认时间', '解除时间', '关联事件']);
    const row = rows.find((r) => r[0] === String(alertId));
    const stored = (await t.db.query<{ created_at: Date; acknowledged_at: Date }>('SELECT created_at, acknowledged_at FROM alerts WHERE id = $1', [alertId])).rows[0]!;
    expect(row).toEqual([
      String(alertId),
      '红色预警',
      '已确认',
      '预警,标题',
      '',
      '民警执法视频',
      beijingText(stored.created_at),
      callers.pr.user.displayName,
      beijingText(stored.acknowledged_at),
      '',
      String(inc.id),
    ]);
  });
});

describe('heat before and after the response', () => {
  it('counts items per hour of the linked topics in the 24 h before and the hours since the response', async () => {
    const topics = [(await seedTopic(t.db)).topicId, (await seedTopic(t.db)).topicId];
    const R = Date.now() - 3 * HOUR - 7 * MIN;
    // Buckets around the response, on both topics, including the edges of the windows.
    const offsets = [-30 * HOUR, -24 * HOUR - MIN, -24 * HOUR, -23 * HOUR - 30 * MIN, -5 * HOUR, -HOUR, -MIN, 0, 10 * MIN, 70 * MIN, 2 * HOUR + 50 * MIN, 30 * HOUR];
    const seeded: Array<{ at: number; items: number }> = [];
    for (const [k, off] of offsets.entries()) {
      for (const [j, topicId] of topics.entries()) {
        const items = 1 + ((k * 3 + j * 5) % 7);
        await t.db.query('INSERT INTO topic_series (topic_id, bucket_start, items) VALUES ($1, $2, $3)', [topicId, new Date(R + off), items]);
        seeded.push({ at: R + off, items });
      }
    }
    const inc = await newIncident('analyst', { topicIds: topics });
    expect(inc.heat).toBeNull();
    for (const to of ['assessing', 'handling']) await transition('analyst', inc.id, { to });
    await transition('pr', inc.id, { to: 'responded', response: { at: new Date(R).toISOString(), channel: '官方微博', text: '通报' } });
    const requestedAt = Date.now();
    const heat = (await call('leader', 'GET', `/api/incidents/${inc.id}`)).body.heat;
    const doneAt = Date.now();

    // Recomputed here: before = [R − 24 h, R), hour k = [R − 24 h + k h, …); after = [R, now], hour k = [R + k h, …).
    const before = new Array(24).fill(0);
    const after: number[] = [];
    for (const s of seeded) {
      if (s.at >= R - 24 * HOUR && s.at < R) before[Math.floor((s.at - (R - 24 * HOUR)) / HOUR)] += s.items;
      if (s.at >= R && s.at <= requestedAt && s.at < R + 24 * HOUR) {
        const k = Math.floor((s.at - R) / HOUR);
        while (after.length <= k) after.push(0);
        after[k]! += s.items;
      }
    }
    const hoursAfter = heat.after.perHour.length;
    // The window ends at the request's now: the hours begun since the response, however long the request took.
    expect(hoursAfter).toBeGreaterThanOrEqual(Math.ceil((requestedAt - R) / HOUR));
    expect(hoursAfter).toBeLessThanOrEqual(Math.ceil((doneAt - R) / HOUR));
    while (after.length < hoursAfter) after.push(0);
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
    expect(heat).toEqual({
      responseAt: new Date(R).toISOString(),
      hoursBefore: 24,
      before: { items: sum(before), perHour: before },
      after: { items: sum(after), perHour: after },
    });
    // Guards the test itself: the edges were exercised.
    expect(before[0]).toBeGreaterThan(0);
    expect(sum(after)).toBeGreaterThan(0);
  });
});

describe('an incident opened from an alert is about its topic too', () => {
  it("links the alert's topic (when stored) on opening and when alerts are linked later; an alert without a stored topic links none", async () => {
    const { topicId } = await seedTopic(t.db, { level: 'orange' });
    const alertId = await newAlert({ level: 'orange', title: '只关联预警', topicId });
    const created = await call('analyst', 'POST', '/api/incidents', { alertIds: [alertId] });
    expect(created.status, created.raw).toBe(201);
    expect(created.body.links.topics.map((x: { id: number }) => x.id)).toEqual([topicId]);

    const other = await seedTopic(t.db, { level: 'yellow' });
    const laterAlert = await newAlert({ level: 'yellow', title: '后续预警', topicId: other.topicId });
    const orphanAlert = await newAlert({ level: 'blue', title: '话题未入库', topicId: 987_654_321 });
    const linked = await call('analyst', 'POST', `/api/incidents/${created.body.id}/links`, { alertIds: [laterAlert, orphanAlert] });
    expect(linked.status, linked.raw).toBe(200);
    expect(linked.body.links.topics.map((x: { id: number }) => x.id).sort((a: number, b: number) => a - b)).toEqual([topicId, other.topicId].sort((a, b) => a - b));
    expect(linked.body.links.alerts.map((x: { id: number }) => x.id)).toEqual(expect.arrayContaining([alertId, laterAlert, orphanAlert]));
  });
});

describe('who an incident may be assigned to', () => {
  it('lists enabled people of every incident role to every reader, and refuses the ingest account or a disabled user as owner', async () => {
    const listed = await call('pr', 'GET', '/api/incident-owners');
    expect(listed.status, listed.raw).toBe(200);
    const ids = listed.body.owners.map((o: { id: number }) => o.id);
    for (const role of ['admin', 'pr', 'analyst', 'leader'] as const) expect(ids).toContain(callers[role].user.id);
    expect(ids).not.toContain(callers.ingest.user.id);

    const inc = await newIncident('analyst', { title: '指派测试' });
    const toIngest = await call('analyst', 'PATCH', `/api/incidents/${inc.id}`, { ownerId: callers.ingest.user.id });
    expect(toIngest.status).toBe(400);
    expect(toIngest.body.error.code).toBe('INCIDENT_OWNER_NOT_FOUND');
    const toLeader = await call('analyst', 'PATCH', `/api/incidents/${inc.id}`, { ownerId: callers.leader.user.id });
    expect(toLeader.status, toLeader.raw).toBe(200);
    expect(toLeader.body.ownerId).toBe(callers.leader.user.id);

    await t.db.query('UPDATE users SET disabled = true WHERE id = $1', [callers.leader.user.id]);
    try {
      const after = await call('pr', 'GET', '/api/incident-owners');
      expect(after.body.owners.map((o: { id: number }) => o.id)).not.toContain(callers.leader.user.id);
    } finally {
      await t.db.query('UPDATE users SET disabled = false WHERE id = $1', [callers.leader.user.id]);
    }
  });
});

describe('alerts a role may not see', () => {
  it('cannot be linked by that role (answered as for an id that does not exist), and are not shown to it on the incident', async () => {
    const a = await insertAlert(t.db, { kind: 'source_health', dedupKey: `admins-only:${++seq}`, level: 'red', title: '仅管理员可见的预警' });
    await appendAlertEvent(t.db, { alertId: a!.id, type: 'firing', level: 'red', audienceRoles: ['admin'] });
    const missing = 987_654_321;
    for (const role of ['pr', 'analyst'] as const) {
      const hidden = await call(role, 'POST', '/api/incidents', { alertIds: [a!.id] });
      const absent = await call(role, 'POST', '/api/incidents', { alertIds: [missing] });
      expect(hidden.status, hidden.raw).toBe(400);
      expect(hidden.body.error.code).toBe('INCIDENT_LINK_NOT_FOUND');
      expect(hidden.body.error.message).toBe(absent.body.error.message.replace(String(missing), String(a!.id)));
    }
    // An admin may link it; other readers see the incident without it.
    const byAdmin = await call('admin', 'POST', '/api/incidents', { alertIds: [a!.id] });
    expect(byAdmin.status, byAdmin.raw).toBe(201);
    expect(byAdmin.body.links.alerts.map((x: { id: number }) => x.id)).toEqual([a!.id]);
    for (const role of ['pr', 'analyst', 'leader'] as const) {
      const seen = await call(role, 'GET', `/api/incidents/${byAdmin.body.id}`);
      expect(seen.status).toBe(200);
      expect(seen.body.links.alerts).toEqual([]);
    }
    const linkLater = await call('analyst', 'POST', `/api/incidents/${byAdmin.body.id}/links`, { alertIds: [a!.id] });
    expect(linkLater.status).toBe(400);
    // The register: the admin sees the link, a leader does not.
    const rowOf = async (role: Role) => parseCsv((await call(role, 'GET', '/api/incidents.csv')).raw.slice(1)).find((r) => r[0] === String(byAdmin.body.id));
    expect((await rowOf('admin'))?.[17]).toBe(String(a!.id));
    expect((await rowOf('leader'))?.[17]).toBe('');
  });
});

describe('bad input to the incident, label and digest entry points', () => {
  const raw = (role: Role, method: 'POST' | 'PUT' | 'PATCH', url: string, payload: string) =>
    app.inject({ method, url, headers: { ...bearer(callers[role].token), 'content-type': 'application/json' }, payload });
  const count = async (table: string) => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;

  it('malformed JSON, a body over the limit and over-long fields are refused with one error shape, and store nothing', async () => {
    const inc = await newIncident('analyst', { title: '坏输入测试' });
    const before = { incidents: await count('incidents'), timeline: await count('incident_timeline'), audit: await count('audit_log'), digests: await count('digests') };
    const cases = [
      await raw('analyst', 'POST', '/api/incidents', '{"title": "未闭合'),
      await raw('analyst', 'POST', `/api/incidents/${inc.id}/notes`, '[1, 2'),
      await raw('analyst', 'POST', `/api/incidents/${inc.id}/transition`, 'null'),
      await raw('leader', 'POST', '/api/digests', '{"kind": "custom", "from": '),
      await raw('analyst', 'PUT', '/api/items/1/label', '{"policeNegative": tru}'),
      await raw('analyst', 'POST', '/api/incidents', JSON.stringify({ title: '巨大', summary: '长'.repeat(11 * 1024 * 1024) })),
      await raw('analyst', 'POST', '/api/incidents', JSON.stringify({ title: '长'.repeat(201) })),
      await raw('analyst', 'POST', `/api/incidents/${inc.id}/notes`, JSON.stringify({ body: '长'.repeat(5001) })),
      await raw('analyst', 'PATCH', `/api/incidents/${inc.id}`, JSON.stringify({ freeTags: Array.from({ length: 21 }, (_, i) => `t${i}`) })),
      await raw('analyst', 'POST', '/api/incidents', JSON.stringify({ alertIds: Array.from({ length: 201 }, (_, i) => i + 1) })),
    ];
    expect(cases.map((r) => r.statusCode)).toEqual([400, 400, 400, 400, 400, 413, 400, 400, 400, 400]);
    for (const r of cases) {
      const body = r.json() as { error?: { code?: unknown; message?: unknown } };
      expect(typeof body.error?.code).toBe('string');
      expect(typeof body.error?.message).toBe('string');
    }
    expect({ incidents: await count('incidents'), timeline: await count('incident_timeline'), audit: await count('audit_log'), digests: await count('digests') }).toEqual(before);
  });
});
