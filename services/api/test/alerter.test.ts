/**
 * The live alerter against the real PostgreSQL and Redis, the real deliver queue and worker, and a
 * real local webhook receiver (127.0.0.1 allowlisted). Level changes are written and announced as
 * the topic stage writes and announces them. Each test's rule listens to a keyword of its own, so
 * the tests sharing one alerter do not hear each other's topics.
 */
import type http from 'node:http';
import { parseRule, type RuleInput } from '@yuqing/alerting';
import { insertAlertRule, insertReceiver, insertSilence, insertSource, insertUser, recordHealthEvent, sourceInputSchema, type Pool } from '@yuqing/db';
import { createRedis, topicLevelChannel, type DeliverPayload } from '@yuqing/queue';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recording, startTestServer, type Received, type TestServer } from '../../../test/support/misbehaving-server';
import { until } from '../../../test/support/poll';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { startAlerter, type Alerter } from '../src/alerting';
import { createDeliveryQueue, startDeliveryWorker, webhookSignature, type DeliveryWorker } from '../src/receivers';
import { FAST_ALERTING } from './alerter-fixtures';

const SECRET = 'whsec-alerter-test';
const log = pino({ level: 'silent' });
const received: Received[] = [];
const PATHS = ['/h1', '/h2', '/h3', '/h4', '/r1', '/r2'];
const hits = (path: string) => received.filter((r) => r.path === path);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(Object.fromEntries(PATHS.map((p) => [p, recording(received)])));
});
afterAll(async () => {
  await server?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A running alerter with its delivery worker in one test environment. */
interface Rig {
  t: TestEnv;
  queue: Queue<DeliverPayload>;
  worker: DeliveryWorker;
  publisher: Redis;
  start(): Alerter;
  close(): Promise<void>;
}

async function rig(name: string, overrides: Record<string, string> = {}): Promise<Rig> {
  const t = await createTestEnv(name, { ...FAST_ALERTING, ...overrides });
  const queue = createDeliveryQueue(t.cfg, t.redis);
  const worker = await startDeliveryWorker(t.cfg, { db: t.db });
  const publisher = createRedis(t.cfg.REDIS_URL, 'producer');
  const started: Alerter[] = [];
  return {
    t,
    queue,
    worker,
    publisher,
    start() {
      const a = startAlerter({ cfg: t.cfg, db: t.db, log, publisher, notifier: { db: t.db, queue } });
      started.push(a);
      return a;
    },
    async close() {
      for (const a of started) await a.close();
      await worker.close();
      await queue.close();
      publisher.disconnect();
      await t.cleanup();
    },
  };
}

async function webhookRule(db: Pool, name: string, path: string, rule: Partial<RuleInput> = {}): Promise<number> {
  const r = await insertReceiver(db, { name: `${name}-hook`, kind: 'webhook', url: `${server.url}${path}`, secret: SECRET });
  const spec = parseRule({ name, minLevel: 'yellow', receivers: [r!.id], ...rule });
  const stored = await insertAlertRule(db, { spec });
  return stored!.id;
}

async function topic(db: Pool, id: number, keyword: string, title = `某派出所民警执法争议 ${keyword}`): Promise<void> {
  await db.query(
    `INSERT INTO topics (id, status, title, keywords, created_at, last_at, items, stories, police_related, police_negative, negative, reach,
       jurisdiction_hits, sources, places, categories, stage, level, auto_level, state)
     VALUES ($1, 'open', $2, $3, now(), now(), 20, 3, 19, 15, 16, 1234.5, 0, ARRAY['微博'], '{"广东省": 3}', '{"执法争议": 5}', '扩散期', 'none', 'none', '{}')`,
    [id, title, [keyword, '民警', '执法']],
  );
}

/** Writes a level change and announces it, as the topic stage does. */
async function change(r: Rig, topicId: number, level: string, previous: string): Promise<number> {
  await r.t.db.query('UPDATE topics SET level = $2, auto_level = $2 WHERE id = $1', [topicId, level]);
  const { rows } = await r.t.db.query<{ id: number; at: Date }>(
    `INSERT INTO topic_level_changes (topic_id, at, level, previous, automatic, applied, indicators, reason)
     VALUES ($1, now(), $2, $3, true, true, '{"items": 20}', '测试') RETURNING id, at`,
    [topicId, level, previous],
  );
  const { id, at } = rows[0]!;
  await r.t.redis.publish(topicLevelChannel(r.t.cfg.QUEUE_PREFIX), JSON.stringify({ id, topicId, level, previous, at: at.toISOString() }));
  return id;
}

const alertsOf = async (db: Pool, key: string) =>
  (await db.query<{ id: number; state: string; level: string; kind: string; audience_roles: string[] }>('SELECT * FROM alerts WHERE dedup_key = $1', [key])).rows;
const eventsOf = async (db: Pool, alertId: number) =>
  (await db.query<{ id: number; type: string; level: string; audience_roles: string[] }>('SELECT * FROM alert_events WHERE alert_id = $1 ORDER BY id', [alertId])).rows;

function expectSigned(hit: { headers: http.IncomingHttpHeaders; body: string }) {
  const ts = Number(hit.headers['x-yuqing-timestamp']);
  expect(Math.abs(ts * 1000 - Date.now())).toBeLessThan(60_000);
  expect(hit.headers['x-yuqing-signature']).toBe(webhookSignature(SECRET, ts, hit.body));
}

describe('live alerter', () => {
  let r: Rig;
  let alerter: Alerter;
  beforeAll(async () => {
    r = await rig('alerter');
    alerter = r.start();
    await until(async () => alerter.isLeader(), 'leadership');
  });
  afterAll(async () => {
    await r?.close();
  });

  it('turns a yellow change into a firing alert and one signed notification; orange escalates the same alert', async () => {
    const ruleId = await webhookRule(r.t.db, '规则一', '/h1', { keywords: { allOf: ['甲词'] } });
    await topic(r.t.db, 101, '甲词');
    await change(r, 101, 'yellow', 'blue');
    const key = `rule:${ruleId}:topic:101`;
    const [alert] = await until(async () => {
      const rows = await alertsOf(r.t.db, key);
      return rows.length ? rows : null;
    }, 'the alert');
    expect(alert).toMatchObject({ state: 'firing', level: 'yellow', kind: 'topic' });
    expect((await eventsOf(r.t.db, alert!.id)).map((e) => e.type)).toEqual(['firing']);

    const first = await until(async () => hits('/h1')[0], 'the first notification');
    expectSigned(first);
    expect(JSON.parse(first.body)).toMatchObject({ level: 'yellow', kind: 'firing', title: '某派出所民警执法争议 甲词', heat: 1234.5 });

    await change(r, 101, 'orange', 'yellow');
    const second = await until(async () => hits('/h1')[1], 'the escalation');
    expectSigned(second);
    expect(JSON.parse(second.body)).toMatchObject({ level: 'orange', kind: 'escalated' });
    const rows = await alertsOf(r.t.db, key);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: 'firing', level: 'orange' });
    expect((await eventsOf(r.t.db, alert!.id)).map((e) => e.type)).toEqual(['firing', 'escalated']);
    await sleep(700);
    expect(hits('/h1')).toHaveLength(2);
  });

  it('groups two alerts that fire within group_wait into one batch', async () => {
    const ruleId = await webhookRule(r.t.db, '规则二', '/h2', { keywords: { allOf: ['乙词'] } });
    await topic(r.t.db, 201, '乙词', '乙词 交警查车冲突');
    await topic(r.t.db, 202, '乙词', '乙词 辅警打人传言');
    await change(r, 201, 'yellow', 'blue');
    await change(r, 202, 'orange', 'blue');
    await until(async () => (await alertsOf(r.t.db, `rule:${ruleId}:topic:202`)).length > 0, 'the second alert');
    const batch = await until(async () => hits('/h2')[0], 'the batch');
    const body = JSON.parse(batch.body);
    expect(body).toMatchObject({ level: 'orange', title: '乙词 辅警打人传言 等 2 条预警' });
    expect(body.summary).toContain('乙词 交警查车冲突');
    await sleep(700);
    expect(hits('/h2')).toHaveLength(1);
  });

  it('records a silenced alert but sends nothing', async () => {
    const ruleId = await webhookRule(r.t.db, '规则三', '/h3', { keywords: { allOf: ['丙词'] } });
    const user = await insertUser(r.t.db, { name: 'duty', displayName: '值班员', role: 'pr', passwordHash: null });
    await insertSilence(r.t.db, {
      matchers: [{ field: 'keyword', op: '=', value: '丙词' }],
      startsAt: new Date(Date.now() - 1000),
      endsAt: new Date(Date.now() + 3600_000),
      createdBy: user!.id,
      comment: '已知事件，处置中',
    });
    await topic(r.t.db, 301, '丙词');
    await change(r, 301, 'yellow', 'blue');
    const [alert] = await until(async () => {
      const rows = await alertsOf(r.t.db, `rule:${ruleId}:topic:301`);
      return rows.length ? rows : null;
    }, 'the silenced alert');
    expect(alert).toMatchObject({ state: 'firing', level: 'yellow' });
    expect((await eventsOf(r.t.db, alert!.id)).map((e) => e.type)).toEqual(['firing']);
    await sleep(900);
    expect(hits('/h3')).toHaveLength(0);
  });

  it('raises a source health alert for admins and resolves it when the source recovers', async () => {
    const source = await insertSource(r.t.db, sourceInputSchema.parse({ name: '某市政府网', url: 'http://127.0.0.1:9/feed.xml' }));
    await recordHealthEvent(r.t.db, { sourceId: source!.id, kind: 'failing', consecutiveErrors: 5, error: 'HTTP 500' });
    await alerter.idle();
    const [alert] = await until(async () => {
      const rows = await alertsOf(r.t.db, `source:${source!.id}`);
      return rows.length ? rows : null;
    }, 'the source health alert');
    expect(alert).toMatchObject({ kind: 'source_health', state: 'firing', audience_roles: ['admin'] });
    await recordHealthEvent(r.t.db, { sourceId: source!.id, kind: 'recovered', consecutiveErrors: 0 });
    await alerter.idle();
    await until(async () => (await alertsOf(r.t.db, `source:${source!.id}`))[0]?.state === 'resolved', 'the resolution');
    const events = await eventsOf(r.t.db, alert!.id);
    expect(events.map((e) => e.type)).toEqual(['firing', 'resolved']);
    expect(events.every((e) => e.audience_roles.join() === 'admin')).toBe(true);
  });
});

describe('alerter restarts and leadership', () => {
  let r: Rig;
  beforeAll(async () => {
    r = await rig('alerterrestart', { ALERT_REPEAT_INTERVAL_MS: '3000' });
  });
  afterAll(async () => {
    await r?.close();
  });

  it('continues after a restart: no duplicate events, no early re-send, the repeat still comes', async () => {
    const first = r.start();
    await until(async () => first.isLeader(), 'leadership');
    const ruleId = await webhookRule(r.t.db, '规则重启', '/r1', { keywords: { allOf: ['丁词'] } });
    await topic(r.t.db, 401, '丁词');
    await change(r, 401, 'yellow', 'blue');
    const sent = await until(async () => hits('/r1')[0], 'the first notification');
    const [alert] = await alertsOf(r.t.db, `rule:${ruleId}:topic:401`);
    await first.close();

    const second = r.start();
    await until(async () => second.isLeader(), 'leadership again');
    await second.idle();
    await sleep(600);
    // The change was processed before the restart: the cursor keeps it from being processed again.
    expect((await eventsOf(r.t.db, alert!.id)).map((e) => e.type)).toEqual(['firing']);
    if (Date.now() - sent.at < 2800) expect(hits('/r1')).toHaveLength(1);

    const repeat = await until(async () => hits('/r1')[1], 'the repeat', 15_000);
    expect(repeat.at - sent.at).toBeGreaterThanOrEqual(2900);
    expectSigned(repeat);
    expect(JSON.parse(repeat.body)).toMatchObject({ level: 'yellow', kind: 'firing' });
    expect((await eventsOf(r.t.db, alert!.id)).map((e) => e.type)).toEqual(['firing']);
    await second.close();
  });

  it('elects one leader among two alerters, and the other takes over when it stops', async () => {
    const a = r.start();
    const b = r.start();
    await until(async () => a.isLeader() || b.isLeader(), 'a leader');
    await sleep(600);
    expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1);
    const [leader, standby] = a.isLeader() ? [a, b] : [b, a];
    await leader.close();
    await until(async () => standby.isLeader(), 'the standby taking over', 5000);
    await standby.close();
  });
});
