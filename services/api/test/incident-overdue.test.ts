/**
 * Overdue incidents raise an alert through the real alerter: a red incident with a response clock
 * of 600 ms, opened through the API, becomes overdue; the alerter (checking every 100 ms) raises one
 * alert for it (kind incident, the incident's level, its incident id), the firing event for every
 * reader, the incident's 'overdue' timeline entry, and a notification to INCIDENT_OVERDUE_RECEIVERS
 * (a local webhook). Responding resolves the alert; a rebound starts a new clock and a new alert.
 */
import { buildApp } from '@yuqing/api';
import { insertReceiver, type Pool } from '@yuqing/db';
import { createRedis, type DeliverPayload } from '@yuqing/queue';
import type { Config } from '@yuqing/config';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../../test/support/csv';
import { recording, startTestServer, type Received, type TestServer } from '../../../test/support/misbehaving-server';
import { until } from '../../../test/support/poll';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { startAlerter, type Alerter } from '../src/alerting';
import { createDeliveryQueue, startDeliveryWorker, type DeliveryWorker } from '../src/receivers';
import { FAST_ALERTING } from './alerter-fixtures';
import { bearer, callerPerRole, type Caller } from './auth-fixtures';

const log = pino({ level: 'silent' });
const received: Received[] = [];

let server: TestServer;
let t: TestEnv;
let cfg: Config;
let app: FastifyInstance;
let callers: Awaited<ReturnType<typeof callerPerRole>>;
let queue: Queue<DeliverPayload>;
let worker: DeliveryWorker;
let publisher: Redis;
let alerter: Alerter;

beforeAll(async () => {
  server = await startTestServer({ '/overdue': recording(received) });
  t = await createTestEnv('incoverdue', {
    ...FAST_ALERTING,
    ALERT_GROUP_WAIT_MS: '100',
    ALERT_GROUP_INTERVAL_MS: '200',
    INCIDENT_OVERDUE_CHECK_MS: '100',
    // red: 600 ms, so that a red incident is overdue almost at once; blue: never within the test.
    INCIDENT_RESPONSE_CLOCKS: 'red=0.01m,orange=1h,yellow=1h,blue=3d',
  });
  const receiver = await insertReceiver(t.db, { name: '超时通知', kind: 'webhook', url: `${server.url}/overdue`, secret: 'whsec-overdue' });
  cfg = { ...t.cfg, INCIDENT_OVERDUE_RECEIVERS: [receiver!.id] };
  callers = await callerPerRole(t.db);
  app = buildApp({ cfg, db: t.db, redis: t.redis });
  await app.ready();
  queue = createDeliveryQueue(cfg, t.redis);
  worker = await startDeliveryWorker(cfg, { db: t.db });
  publisher = createRedis(cfg.REDIS_URL, 'producer');
  alerter = startAlerter({ cfg, db: t.db, log, publisher, notifier: { db: t.db, queue } });
  await until(async () => alerter.isLeader(), 'leadership');
});
afterAll(async () => {
  await alerter?.close();
  await app?.close();
  await worker?.close();
  await queue?.close();
  publisher?.disconnect();
  await t?.cleanup();
  await server?.close();
});

/* eslint-disable @typescript-eslint/no-explicit-any */
async function call(caller: Caller, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object): Promise<any> {
  const res = await app.inject({ method, url, headers: bearer(caller.token), ...(payload ? { payload } : {}) });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.headers['content-type']?.toString().startsWith('text/csv') ? res.body : res.json();
}

const incidentAlerts = async (db: Pool, incidentId: number) =>
  (
    await db.query<{ id: number; dedup_key: string; kind: string; level: string; state: string; title: string; incident_id: number | null }>(
      'SELECT * FROM alerts WHERE incident_id = $1 ORDER BY id',
      [incidentId],
    )
  ).rows;
const eventsOf = async (db: Pool, alertId: number) =>
  (await db.query<{ type: string; audience_roles: string[]; payload: any }>('SELECT * FROM alert_events WHERE alert_id = $1 ORDER BY id', [alertId])).rows;

describe('overdue incidents', () => {
  it('raise one alert per due time, notify the receivers, and resolve when responded to', async () => {
    const { analyst, pr, leader } = callers;
    const inc = await call(analyst, 'POST', '/api/incidents', { title: '夜间查车冲突', level: 'red' });
    const calm = await call(analyst, 'POST', '/api/incidents', { title: '一般咨询', level: 'blue' });

    const [alert] = await until(async () => {
      const rows = await incidentAlerts(t.db, inc.id);
      return rows.length ? rows : null;
    }, 'the overdue alert');
    expect(alert).toMatchObject({
      dedup_key: `incident:${inc.id}:overdue:${Date.parse(inc.dueAt)}`,
      kind: 'incident',
      level: 'red',
      state: 'firing',
      title: '事件超时未回应：夜间查车冲突',
      incident_id: inc.id,
    });
    const [firing] = await eventsOf(t.db, alert!.id);
    expect(firing!.type).toBe('firing');
    expect([...firing!.audience_roles].sort()).toEqual(['admin', 'analyst', 'leader', 'pr']);

    const note = await until(async () => received.map((r) => JSON.parse(r.body)).find((b) => b.title === '事件超时未回应：夜间查车冲突'), 'the notification');
    expect(note).toMatchObject({ level: 'red', kind: 'firing' });

    // The incident shows it: overdue, its timeline entry by the system.
    const detail = await call(leader, 'GET', `/api/incidents/${inc.id}`);
    expect(detail.overdue).toBe(true);
    expect(detail.timeline.filter((e: any) => e.kind === 'overdue')).toEqual([expect.objectContaining({ actorName: '系统', data: expect.objectContaining({ alertId: alert!.id }) })]);
    expect((await call(leader, 'GET', '/api/incidents?overdue=true')).incidents.map((i: any) => i.id)).toEqual([inc.id]);
    // The alert list accepts the new kind.
    const listed = await call(leader, 'GET', '/api/alerts?kind=incident');
    expect(listed.alerts.map((a: any) => [a.id, a.kind])).toEqual([[alert!.id, 'incident']]);

    // Checked again and again: still one alert, one event, one timeline entry.
    await alerter.idle();
    await alerter.idle();
    expect(await incidentAlerts(t.db, inc.id)).toHaveLength(1);
    expect((await eventsOf(t.db, alert!.id)).map((e) => e.type)).toEqual(['firing']);
    expect((await call(leader, 'GET', `/api/incidents/${inc.id}`)).timeline.filter((e: any) => e.kind === 'overdue')).toHaveLength(1);
    // The blue one is not due for days.
    expect(await incidentAlerts(t.db, calm.id)).toHaveLength(0);

    // Responded: the alert resolves (by the system), and the receivers hear it.
    for (const to of ['assessing', 'handling']) await call(pr, 'POST', `/api/incidents/${inc.id}/transition`, { to });
    await call(pr, 'POST', `/api/incidents/${inc.id}/transition`, { to: 'responded', response: { channel: '官方微博', text: '警情通报' } });
    await alerter.idle();
    const resolved = await until(async () => (await incidentAlerts(t.db, inc.id)).find((a) => a.state === 'resolved'), 'the resolution');
    expect(resolved.id).toBe(alert!.id);
    const events = await eventsOf(t.db, alert!.id);
    expect(events.map((e) => e.type)).toEqual(['firing', 'resolved']);
    expect(events[1]!.payload).toMatchObject({ auto: true, reason: '事件已回应', incidentId: inc.id });
    await until(async () => received.map((r) => JSON.parse(r.body)).find((b) => b.kind === 'resolved'), 'the resolved notification');

    // A rebound (回应后舆情反弹) starts a new clock: overdue again, a new alert for the new due time.
    const rebound = await call(leader, 'POST', `/api/incidents/${inc.id}/transition`, { to: 'handling', reason: '回应后舆情反弹' });
    expect(Date.parse(rebound.dueAt)).toBeGreaterThan(Date.parse(inc.dueAt));
    const second = await until(async () => (await incidentAlerts(t.db, inc.id)).find((a) => a.state === 'firing'), 'the second overdue alert');
    expect(second.dedup_key).toBe(`incident:${inc.id}:overdue:${Date.parse(rebound.dueAt)}`);
    expect(await incidentAlerts(t.db, inc.id)).toHaveLength(2);

    // Given a later due time by hand: no longer overdue, the alert resolves.
    await call(analyst, 'PATCH', `/api/incidents/${inc.id}`, { dueAt: new Date(Date.now() + 3600_000).toISOString() });
    await alerter.idle();
    await until(async () => (await incidentAlerts(t.db, inc.id)).every((a) => a.state === 'resolved'), 'the second resolution');
    expect((await eventsOf(t.db, second.id)).at(-1)!.payload).toMatchObject({ reason: '应回应时间已调整' });

    // The warning record lists the overdue alerts against the incident.
    const csv: string = await call(leader, 'GET', '/api/alerts.csv');
    expect(csv.startsWith('\uFEFF')).toBe(true);
    const rows = parseCsv(csv.slice(1)).filter((f) => f[0] === String(alert!.id) || f[0] === String(second.id));
    expect(rows.map((f) => [f[1], f[2], f[3], f[4], f[10]])).toEqual([
      ['红色预警', '已解除', '事件超时未回应：夜间查车冲突', '事件超时', String(inc.id)],
      ['红色预警', '已解除', '事件超时未回应：夜间查车冲突', '事件超时', String(inc.id)],
    ]);
  });
});
