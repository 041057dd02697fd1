/** Alerts through the API: the list and its filters, one alert with its events, acknowledge and resolve. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { appendAlertEvent, insertAlert, type AlertAudienceRole, type AlertKind, type AlertLevel } from '@yuqing/db';
import { alertEventsChannel } from '@yuqing/queue';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, makeCaller, type Caller } from './auth-fixtures';

let t: TestEnv;
let app: FastifyInstance;
let admin: Caller;
let pr: Caller;
let leader: Caller;
let seq = 0;
const ALL: AlertAudienceRole[] = ['admin', 'pr', 'leader', 'analyst'];

beforeAll(async () => {
  t = await createTestEnv('alertsapi');
  [admin, pr, leader] = await Promise.all([makeCaller(t.db, 'admin1', 'admin'), makeCaller(t.db, 'pr1', 'pr'), makeCaller(t.db, 'leader1', 'leader')]);
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await t.cleanup();
});

const as = (c: Caller) => ({ headers: bearer(c.token) });

async function seedAlert(o: { level: AlertLevel; kind?: AlertKind; state?: 'firing' | 'resolved'; audience?: AlertAudienceRole[]; title?: string }): Promise<number> {
  const a = await insertAlert(t.db, { kind: o.kind ?? 'topic', dedupKey: `test:${++seq}`, level: o.level, title: o.title ?? `预警 ${seq}`, topicId: seq });
  if (!a) throw new Error('alert not created');
  await appendAlertEvent(t.db, { alertId: a.id, type: 'firing', level: o.level, audienceRoles: o.audience ?? ALL });
  if (o.state === 'resolved') {
    await t.db.query(`UPDATE alerts SET state = 'resolved', resolved_at = now() WHERE id = $1`, [a.id]);
    await appendAlertEvent(t.db, { alertId: a.id, type: 'resolved', level: o.level, audienceRoles: o.audience ?? ALL });
  }
  return a.id;
}

const eventCount = async (alertId: number): Promise<number> =>
  (await t.db.query('SELECT count(*)::int AS n FROM alert_events WHERE alert_id = $1', [alertId])).rows[0].n;

describe('list and detail', () => {
  let yellow: number;
  let red: number;
  let resolved: number;
  let health: number;
  beforeAll(async () => {
    yellow = await seedAlert({ level: 'yellow' });
    red = await seedAlert({ level: 'red' });
    resolved = await seedAlert({ level: 'orange', state: 'resolved' });
    health = await seedAlert({ level: 'blue', kind: 'source_health', audience: ['admin'] });
  });
  const ids = async (c: Caller, query = '') => {
    const res = await app.inject({ method: 'GET', url: `/api/alerts${query}`, ...as(c) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().alerts.map((a: { id: number }) => a.id).filter((id: number) => [yellow, red, resolved, health].includes(id));
  };

  it('shows open alerts newest first, each role only its audience', async () => {
    expect(await ids(admin)).toEqual([health, red, yellow]);
    expect(await ids(pr)).toEqual([red, yellow]);
    expect(await ids(leader)).toEqual([red, yellow]);
  });

  it('filters by state, minimum level, kind and time', async () => {
    expect(await ids(pr, '?state=all')).toEqual([resolved, red, yellow]);
    expect(await ids(pr, '?state=resolved')).toEqual([resolved]);
    expect(await ids(pr, '?state=firing,resolved')).toEqual([resolved, red, yellow]);
    expect(await ids(pr, '?state=firing&state=resolved')).toEqual([resolved, red, yellow]);
    expect(await ids(pr, '?level=orange&state=all')).toEqual([resolved, red]);
    expect(await ids(admin, '?kind=source_health')).toEqual([health]);
    expect(await ids(admin, `?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
    expect(await ids(admin, `?since=${Date.now() - 60_000}`)).toEqual([health, red, yellow]);
  });

  it('pages with limit and cursor', async () => {
    const first = await app.inject({ method: 'GET', url: '/api/alerts?limit=2', ...as(admin) });
    const page1 = first.json();
    expect(page1.alerts.map((a: { id: number }) => a.id)).toEqual([health, red]);
    expect(page1.nextCursor).toBe(red);
    const page2 = (await app.inject({ method: 'GET', url: `/api/alerts?limit=2&cursor=${page1.nextCursor}`, ...as(admin) })).json();
    expect(page2.alerts.map((a: { id: number }) => a.id)).toEqual([yellow]);
    expect(page2.nextCursor).toBeNull();
  });

  it('refuses bad filters with 400', async () => {
    for (const q of ['?state=open', '?level=purple', '?kind=x', '?limit=0', '?limit=201', '?since=yesterday', '?cursor=-1', '?foo=1']) {
      const res = await app.inject({ method: 'GET', url: `/api/alerts${q}`, ...as(pr) });
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', message: '查询参数无效' });
    }
  });

  it('shows one alert with its events, within the audience', async () => {
    const res = await app.inject({ method: 'GET', url: `/api/alerts/${resolved}`, ...as(leader) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.alert).toMatchObject({ id: resolved, level: 'orange', state: 'resolved', kind: 'topic' });
    expect(body.events.map((e: { type: string }) => e.type)).toEqual(['firing', 'resolved']);
    expect(body.events[0]).not.toHaveProperty('audienceRoles');
    const hidden = await app.inject({ method: 'GET', url: `/api/alerts/${health}`, ...as(pr) });
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json()).toEqual({ error: { code: 'ALERT_NOT_FOUND', message: `预警 ${health} 不存在` } });
    expect((await app.inject({ method: 'GET', url: `/api/alerts/${health}`, ...as(admin) })).statusCode).toBe(200);
  });
});

describe('acknowledge and resolve', () => {
  it('acknowledges once: one event, published after commit; a second acknowledge changes nothing', async () => {
    const id = await seedAlert({ level: 'orange' });
    const sub = new Redis(t.cfg.REDIS_URL);
    const published: string[] = [];
    await sub.subscribe(alertEventsChannel(t.cfg.QUEUE_PREFIX));
    sub.on('message', (_ch, msg: string) => published.push(msg));
    try {
      const before = await eventCount(id);
      const res = await app.inject({ method: 'POST', url: `/api/alerts/${id}/acknowledge`, ...as(pr), payload: { comment: '已联系属地派出所' } });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.changed).toBe(true);
      expect(body.alert).toMatchObject({ id, state: 'acknowledged', acknowledgedBy: pr.user.id, resolvedBy: null });
      expect(body.event).toMatchObject({ alertId: id, type: 'acknowledged', level: 'orange', payload: { by: pr.user.id, comment: '已联系属地派出所' } });
      expect(await eventCount(id)).toBe(before + 1);
      const { rows } = await t.db.query('SELECT state, acknowledged_by, acknowledged_at FROM alerts WHERE id = $1', [id]);
      expect(rows[0]).toMatchObject({ state: 'acknowledged', acknowledged_by: pr.user.id });
      expect(rows[0].acknowledged_at).toBeInstanceOf(Date);
      const { rows: ev } = await t.db.query('SELECT audience_roles FROM alert_events WHERE id = $1', [body.event.id]);
      expect(ev[0].audience_roles).toEqual(ALL);
      await expect.poll(() => published).toContain(String(body.event.id));

      const again = await app.inject({ method: 'POST', url: `/api/alerts/${id}/acknowledge`, ...as(admin) });
      expect(again.statusCode).toBe(200);
      expect(again.json()).toMatchObject({ changed: false, event: null, alert: { state: 'acknowledged', acknowledgedBy: pr.user.id } });
      expect(await eventCount(id)).toBe(before + 1);
    } finally {
      sub.disconnect();
    }
  });

  it('resolves (firing or acknowledged) once; resolving or acknowledging a resolved alert changes nothing', async () => {
    const id = await seedAlert({ level: 'red' });
    await app.inject({ method: 'POST', url: `/api/alerts/${id}/acknowledge`, ...as(pr) });
    const before = await eventCount(id);
    const res = await app.inject({ method: 'POST', url: `/api/alerts/${id}/resolve`, ...as(admin), payload: { comment: '已处置' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      changed: true,
      alert: { state: 'resolved', resolvedBy: admin.user.id, acknowledgedBy: pr.user.id },
      event: { type: 'resolved', payload: { by: admin.user.id, auto: false, comment: '已处置' } },
    });
    expect(await eventCount(id)).toBe(before + 1);
    for (const action of ['resolve', 'acknowledge']) {
      const again = await app.inject({ method: 'POST', url: `/api/alerts/${id}/${action}`, ...as(pr) });
      expect(again.statusCode).toBe(200);
      expect(again.json()).toMatchObject({ changed: false, event: null, alert: { state: 'resolved', resolvedBy: admin.user.id } });
    }
    expect(await eventCount(id)).toBe(before + 1);
    // A firing alert resolves directly.
    const direct = await seedAlert({ level: 'yellow' });
    const r2 = await app.inject({ method: 'POST', url: `/api/alerts/${direct}/resolve`, ...as(pr) });
    expect(r2.json()).toMatchObject({ changed: true, alert: { state: 'resolved', resolvedBy: pr.user.id, acknowledgedBy: null } });
  });

  it('concurrent acknowledgments append exactly one event', async () => {
    const id = await seedAlert({ level: 'yellow' });
    const results = await Promise.all([1, 2, 3, 4].map(() => app.inject({ method: 'POST', url: `/api/alerts/${id}/acknowledge`, ...as(pr) })));
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    expect(results.filter((r) => r.json().changed)).toHaveLength(1);
    expect(await eventCount(id)).toBe(2);
  });

  it('answers 404 for unknown or unseen alerts and 400 for bad input', async () => {
    const missing = await app.inject({ method: 'POST', url: '/api/alerts/999999/acknowledge', ...as(pr) });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('ALERT_NOT_FOUND');
    const adminsOnly = await seedAlert({ level: 'blue', kind: 'source_health', audience: ['admin'] });
    expect((await app.inject({ method: 'POST', url: `/api/alerts/${adminsOnly}/resolve`, ...as(pr) })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: `/api/alerts/${adminsOnly}/resolve`, ...as(admin) })).json().changed).toBe(true);
    const id = await seedAlert({ level: 'yellow' });
    const long = await app.inject({ method: 'POST', url: `/api/alerts/${id}/acknowledge`, ...as(pr), payload: { comment: '长'.repeat(501) } });
    expect(long.statusCode).toBe(400);
    expect(long.json().error).toMatchObject({ code: 'VALIDATION_FAILED', message: '请求体无效' });
    const extra = await app.inject({ method: 'POST', url: `/api/alerts/${id}/acknowledge`, ...as(pr), payload: { state: 'resolved' } });
    expect(extra.statusCode).toBe(400);
    expect(await eventCount(id)).toBe(1);
  });
});
