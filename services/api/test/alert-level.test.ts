/**
 * Setting an alert's level by hand (PATCH /api/alerts/:id/level) against real PostgreSQL and
 * Redis: the row and its who/when/why, the event, the audit entry, the publish after commit, the
 * refusals; and the live alerter keeping a manual level against the topic's automatic changes
 * until the automatic level rises above it.
 */
import { parseRule } from '@yuqing/alerting';
import { buildApp } from '@yuqing/api';
import { appendAlertEvent, insertAlert, insertAlertRule, type AlertAudienceRole, type AlertLevel } from '@yuqing/db';
import { alertEventsChannel, createRedis, topicLevelChannel } from '@yuqing/queue';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { startAlerter } from '../src/alerting';
import { createDeliveryQueue } from '../src/receivers';
import { bearer, callerPerRole, type Caller } from './auth-fixtures';

let t: TestEnv;
let app: FastifyInstance;
let admin: Caller;
let pr: Caller;
let analyst: Caller;
let leader: Caller;
let ingest: Caller;
let seq = 0;
const ALL: AlertAudienceRole[] = ['admin', 'pr', 'leader', 'analyst'];

beforeAll(async () => {
  t = await createTestEnv('alertlevel', { ALERTER_POLL_MS: '200', ALERTER_TICK_MS: '50' });
  ({ admin, pr, analyst, leader, ingest } = await callerPerRole(t.db));
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await t.cleanup();
});

async function seedAlert(level: AlertLevel, audience: AlertAudienceRole[] = ALL): Promise<number> {
  const a = await insertAlert(t.db, { kind: 'topic', dedupKey: `level:${++seq}`, level, title: `预警 ${seq}`, topicId: seq });
  if (!a) throw new Error('alert not created');
  await appendAlertEvent(t.db, { alertId: a.id, type: 'firing', level, audienceRoles: audience });
  return a.id;
}

const patch = (c: Caller, id: number, payload: unknown) =>
  app.inject({ method: 'PATCH', url: `/api/alerts/${id}/level`, headers: bearer(c.token), payload: payload as object });
const eventsOf = async (alertId: number) =>
  (await t.db.query<{ id: number; type: string; level: string; payload: Record<string, unknown> }>('SELECT * FROM alert_events WHERE alert_id = $1 ORDER BY id', [alertId])).rows;
const auditOf = async (alertId: number) =>
  (
    await t.db.query<{ action: string; actor_id: number; before: Record<string, unknown>; after: Record<string, unknown> }>(
      `SELECT action, actor_id, before, after FROM audit_log WHERE entity = 'alert' AND entity_id = $1 ORDER BY id`,
      [String(alertId)],
    )
  ).rows;

describe('PATCH /api/alerts/:id/level', () => {
  it('raises the level: stored with who, when and why, one escalated event published after commit, one audit entry', async () => {
    const id = await seedAlert('yellow');
    const sub = new Redis(t.cfg.REDIS_URL);
    const published: string[] = [];
    await sub.subscribe(alertEventsChannel(t.cfg.QUEUE_PREFIX));
    sub.on('message', (_ch, msg: string) => published.push(msg));
    try {
      const res = await patch(pr, id, { level: 'red', reason: '涉及群体性事件，需立即处置' });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.changed).toBe(true);
      expect(body.alert).toMatchObject({
        id,
        level: 'red',
        state: 'firing',
        manualLevel: 'red',
        levelChangedBy: pr.user.id,
        levelChangeReason: '涉及群体性事件，需立即处置',
      });
      expect(typeof body.alert.levelChangedAt).toBe('string');
      expect(body.event).toMatchObject({
        alertId: id,
        type: 'escalated',
        level: 'red',
        payload: { manual: true, reason: '涉及群体性事件，需立即处置', by: pr.user.id, byName: pr.user.name, previous: 'yellow' },
      });

      const { rows } = await t.db.query('SELECT level, manual_level, level_changed_by, level_changed_at, level_change_reason, cause FROM alerts WHERE id = $1', [id]);
      expect(rows[0]).toMatchObject({ level: 'red', manual_level: 'red', level_changed_by: pr.user.id, level_change_reason: '涉及群体性事件，需立即处置', cause: 'escalated' });
      expect(rows[0].level_changed_at).toBeInstanceOf(Date);
      expect((await eventsOf(id)).map((e) => [e.type, e.level])).toEqual([
        ['firing', 'yellow'],
        ['escalated', 'red'],
      ]);
      const audit = await auditOf(id);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        action: 'alert.level',
        actor_id: pr.user.id,
        before: { level: 'yellow', manualLevel: null },
        after: { level: 'red', manualLevel: 'red', levelChangeReason: '涉及群体性事件，需立即处置' },
      });
      await expect.poll(() => published).toContain(String(body.event.id));

      // The alert as read shows the change too.
      const got = await app.inject({ method: 'GET', url: `/api/alerts/${id}`, headers: bearer(leader.token) });
      expect(got.json().alert).toMatchObject({ level: 'red', manualLevel: 'red', levelChangedBy: pr.user.id, levelChangeReason: '涉及群体性事件，需立即处置' });
    } finally {
      sub.disconnect();
    }
  });

  it('lowering an acknowledged alert is an update: it stays acknowledged', async () => {
    const id = await seedAlert('orange');
    expect((await app.inject({ method: 'POST', url: `/api/alerts/${id}/acknowledge`, headers: bearer(pr.token) })).statusCode).toBe(200);
    const res = await patch(analyst, id, { level: 'blue', reason: '经研判为个例，影响有限' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      changed: true,
      alert: { level: 'blue', manualLevel: 'blue', state: 'acknowledged', acknowledgedBy: pr.user.id, levelChangedBy: analyst.user.id },
      event: { type: 'updated', level: 'blue', payload: { manual: true, previous: 'orange', by: analyst.user.id } },
    });
    expect((await auditOf(id)).map((a) => a.action)).toEqual(['alert.acknowledge', 'alert.level']);
  });

  it('raising an acknowledged alert makes it fire again', async () => {
    const id = await seedAlert('yellow');
    await app.inject({ method: 'POST', url: `/api/alerts/${id}/acknowledge`, headers: bearer(pr.token) });
    const res = await patch(admin, id, { level: 'orange', reason: '多家媒体转载' });
    expect(res.json().alert).toMatchObject({ level: 'orange', state: 'firing', acknowledgedBy: null, acknowledgedAt: null });
    const { rows } = await t.db.query('SELECT state, acknowledged_by FROM alerts WHERE id = $1', [id]);
    expect(rows[0]).toEqual({ state: 'firing', acknowledged_by: null });
  });

  it('setting the same manual level again changes nothing: no event, no audit entry', async () => {
    const id = await seedAlert('yellow');
    expect((await patch(pr, id, { level: 'orange', reason: '升级' })).statusCode).toBe(200);
    const before = (await eventsOf(id)).length;
    const res = await patch(pr, id, { level: 'orange', reason: '再次确认' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ changed: false, event: null, alert: { level: 'orange', levelChangeReason: '升级' } });
    expect(await eventsOf(id)).toHaveLength(before);
    expect(await auditOf(id)).toHaveLength(1);
  });

  it('requires a reason and a valid level, refuses unknown fields, in Chinese', async () => {
    const id = await seedAlert('yellow');
    const cases: Array<[unknown, RegExp]> = [
      [{ level: 'red' }, /请填写调整级别的原因/],
      [{ level: 'red', reason: '   ' }, /请填写调整级别的原因/],
      [{ level: 'purple', reason: '测试' }, /级别只能是/],
      [{ level: 'red', reason: '测试', comment: '多余' }, /不支持的字段：comment/],
      [{ level: 'red', reason: '长'.repeat(501) }, /原因最多 500 字/],
    ];
    for (const [body, message] of cases) {
      const res = await patch(pr, id, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(res.json().error.issues), JSON.stringify(body)).toMatch(message);
    }
    expect((await eventsOf(id)).map((e) => e.type)).toEqual(['firing']);
    expect(await auditOf(id)).toEqual([]);
  });

  it('refuses leaders and ingest callers, resolved alerts, alerts the caller cannot see and unknown alerts', async () => {
    const id = await seedAlert('yellow');
    expect((await patch(leader, id, { level: 'red', reason: '测试' })).statusCode).toBe(403);
    expect((await patch(ingest, id, { level: 'red', reason: '测试' })).statusCode).toBe(403);

    await app.inject({ method: 'POST', url: `/api/alerts/${id}/resolve`, headers: bearer(pr.token) });
    const resolved = await patch(pr, id, { level: 'red', reason: '测试' });
    expect(resolved.statusCode).toBe(409);
    expect(resolved.json().error.code).toBe('ALERT_RESOLVED');

    const adminsOnly = await seedAlert('blue', ['admin']);
    expect((await patch(analyst, adminsOnly, { level: 'red', reason: '测试' })).statusCode).toBe(404);
    expect((await patch(pr, 999_999_999, { level: 'red', reason: '测试' })).statusCode).toBe(404);
    expect((await t.db.query('SELECT level FROM alerts WHERE id = $1', [adminsOnly])).rows[0].level).toBe('blue');
  });
});

describe('the live alerter and a manual level', () => {
  it('keeps a manual level on automatic changes up to it, and escalates (clearing it) when the automatic level rises above it', async () => {
    const queue = createDeliveryQueue(t.cfg, t.redis);
    const publisher = createRedis(t.cfg.REDIS_URL, 'producer');
    const alerter = startAlerter({ cfg: t.cfg, db: t.db, log: pino({ level: 'silent' }), publisher, notifier: { db: t.db, queue } });
    try {
      await expect.poll(() => alerter.isLeader(), { timeout: 10_000 }).toBe(true);
      const rule = await insertAlertRule(t.db, { spec: parseRule({ name: '人工级别', minLevel: 'yellow', keywords: { allOf: ['戊词'] } }) });
      const topicId = 9001;
      await t.db.query(
        `INSERT INTO topics (id, status, title, keywords, created_at, last_at, items, stories, police_related, police_negative, negative, reach,
           jurisdiction_hits, sources, places, categories, stage, level, auto_level, state)
         VALUES ($1, 'open', '戊词 民警执法争议', ARRAY['戊词','民警'], now(), now(), 20, 3, 19, 15, 16, 100, 0, ARRAY['微博'], '{}', '{}', '扩散期', 'none', 'none', '{}')`,
        [topicId],
      );
      const change = async (level: string, previous: string) => {
        await t.db.query('UPDATE topics SET level = $2, auto_level = $2 WHERE id = $1', [topicId, level]);
        const { rows } = await t.db.query<{ id: number; at: Date }>(
          `INSERT INTO topic_level_changes (topic_id, at, level, previous, automatic, applied, indicators, reason)
           VALUES ($1, now(), $2, $3, true, true, '{}', '测试') RETURNING id, at`,
          [topicId, level, previous],
        );
        await t.redis.publish(topicLevelChannel(t.cfg.QUEUE_PREFIX), JSON.stringify({ id: rows[0]!.id, topicId, level, previous, at: rows[0]!.at.toISOString() }));
      };
      const key = `rule:${rule!.id}:topic:${topicId}`;
      const alertRow = async () => (await t.db.query('SELECT id, level, manual_level, state FROM alerts WHERE dedup_key = $1', [key])).rows[0];
      const types = async (id: number) => (await eventsOf(id)).map((e) => [e.type, e.level]);

      await change('yellow', 'blue');
      await expect.poll(alertRow, { timeout: 10_000 }).toMatchObject({ level: 'yellow', state: 'firing', manual_level: null });
      const id = (await alertRow()).id as number;

      // A person raises it to orange; the topic's own rise to orange keeps it there, as an update.
      expect((await patch(pr, id, { level: 'orange', reason: '舆情发酵' })).statusCode).toBe(200);
      await change('orange', 'yellow');
      await expect.poll(() => types(id), { timeout: 10_000 }).toHaveLength(3);
      expect(await types(id)).toEqual([
        ['firing', 'yellow'],
        ['escalated', 'orange'],
        ['updated', 'orange'],
      ]);
      expect((await eventsOf(id))[2]!.payload).toMatchObject({ autoLevel: 'orange', manualLevel: 'orange' });
      expect(await alertRow()).toMatchObject({ level: 'orange', manual_level: 'orange' });

      // The automatic level rises above it: a real escalation, and the manual level is cleared.
      await change('red', 'orange');
      await expect.poll(() => types(id), { timeout: 10_000 }).toHaveLength(4);
      expect((await types(id))[3]).toEqual(['escalated', 'red']);
      expect((await eventsOf(id))[3]!.payload).toMatchObject({ autoLevel: 'red', manualLevelCleared: 'orange' });
      expect(await alertRow()).toMatchObject({ level: 'red', manual_level: null });
      // Who last set it by hand stays on record.
      const { rows } = await t.db.query('SELECT level_changed_by, level_change_reason FROM alerts WHERE id = $1', [id]);
      expect(rows[0]).toEqual({ level_changed_by: pr.user.id, level_change_reason: '舆情发酵' });
    } finally {
      await alerter.close();
      await queue.close();
      publisher.disconnect();
    }
  });
});
