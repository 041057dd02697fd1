/**
 * 态势总览 live (GET /api/overview/stream) over real HTTP, against real PostgreSQL and Redis: the
 * overview at connect (the same figures GET /api/overview gives), a new frame soon after an alert
 * event or a topic level change is announced, at least every refresh period without any change, a
 * burst of changes read once, one read shared by every client, the stream ended with an `auth` event
 * when its credential is revoked, and the roles.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { appendAlertEvent, insertAlert, loadOverview, type Overview, type Role } from '@yuqing/db';
import { publishAlertEvents, topicLevelChannel } from '@yuqing/queue';
import type { FastifyInstance } from 'fastify';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { OverviewHub } from '../src/routes/overview-stream';
import { bearer, callerPerRole, makeCaller, type Caller } from './auth-fixtures';
import { seedTopic } from './read-fixtures';
import { openStream, type SseStream } from './sse-client';

let t: TestEnv;
let callers: Record<Role, Caller>;
let app: FastifyInstance;
let base: string;
const streams: SseStream[] = [];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function connect(who: Role, url = `${base}/api/overview/stream`): Promise<SseStream> {
  const s = await openStream(url, bearer(callers[who].token));
  streams.push(s);
  return s;
}

const overviewOf = (s: SseStream, i: number): Overview => JSON.parse(s.events[i]?.data ?? 'null').overview;

async function waitFor(ok: () => boolean | Promise<boolean>, what: string, timeoutMs = 8000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** A firing topic alert, appended and announced as the alerter does. */
async function fireAlert(level: 'yellow' | 'red', key: string): Promise<void> {
  const a = await insertAlert(t.db, { kind: 'topic', dedupKey: key, level, title: `实时预警 ${key}` });
  const e = await appendAlertEvent(t.db, { alertId: a!.id, type: 'firing', level, audienceRoles: ['admin', 'pr', 'analyst', 'leader'] });
  await publishAlertEvents(t.redis, t.cfg.QUEUE_PREFIX, [e.id]);
}

beforeAll(async () => {
  t = await createTestEnv('overviewstream');
  callers = await callerPerRole(t.db);
  // Heartbeats often (one is checked); no poll of the alert log: alert events must come through Redis.
  app = buildApp({ cfg: { ...t.cfg, SSE_HEARTBEAT_MS: 300, SSE_POLL_MS: 600_000 }, db: t.db, redis: t.redis }, { logger: pino({ level: 'silent' }) });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  await waitFor(() => app.alertStream.isSubscribed, 'the alert stream subscription');
});
afterAll(async () => {
  for (const s of streams) s.close();
  await app?.close();
  await t?.cleanup();
});

describe('GET /api/overview/stream', () => {
  it('sends the overview at connect: the figures GET /api/overview gives', async () => {
    await fireAlert('yellow', 'at-connect');
    const s = await connect('leader');
    expect(s.status, s.body).toBe(200);
    expect(s.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(s.retry).toBe(t.cfg.SSE_RETRY_MS);
    const [first] = await s.waitForEvents(1);
    expect(first?.event).toBe('overview');
    const live = overviewOf(s, 0);
    const plain = (await app.inject({ url: '/api/overview', headers: bearer(callers.leader.token) })).json().overview as Overview;
    // The same figures; only the instant they were read (and the periods ending at it) differ.
    const figures = (o: Overview) => ({
      today: { ...o.today, to: null },
      lastWeek: { ...o.lastWeek, to: null },
      daily: o.daily,
      openAlerts: o.openAlerts,
      latestAlerts: o.latestAlerts,
      risingTopics: o.risingTopics,
      places: o.places,
      incidents: o.incidents,
      failing: [o.failingCount, o.failingSources],
    });
    expect(figures(live)).toEqual(figures(plain));
    expect(live.openAlerts.total).toBe(1);
    await s.waitForComment('ping', 2000);
    s.close();
  });

  it('sends a new overview soon after an alert event is announced, with the warning counted', async () => {
    const s = await connect('pr');
    await s.waitForEvents(1);
    const before = overviewOf(s, 0).openAlerts;
    await fireAlert('red', 'live-red');
    await waitFor(() => s.events.length >= 2 && overviewOf(s, s.events.length - 1).openAlerts.red === before.red + 1, 'a frame with the new red warning');
    const after = overviewOf(s, s.events.length - 1);
    expect(after.openAlerts.total).toBe(before.total + 1);
    expect(after.latestAlerts[0]?.title).toBe('实时预警 live-red');
    s.close();
  });

  it('sends a new overview after a topic level change is announced on the topic stage’s channel', async () => {
    const { topicId, itemIds } = await seedTopic(t.db, { level: 'blue' });
    // Rising: its items said within the last day.
    await t.db.query(`UPDATE items SET published_at = now() - interval '30 minutes' WHERE id = ANY($1)`, [itemIds]);
    // New items are announced nowhere (the periodic read finds them); a client arriving within
    // seconds of a read would get that one. Say they changed, as the next period would find.
    app.overviewStream.changed();
    const s = await connect('analyst');
    await s.waitForEvents(1);
    expect(overviewOf(s, 0).risingTopics.find((x) => x.id === topicId)?.level).toBe('blue');
    await t.db.query(`UPDATE topics SET level = 'orange' WHERE id = $1`, [topicId]);
    await t.redis.publish(topicLevelChannel(t.cfg.QUEUE_PREFIX), JSON.stringify({ id: 1, topicId, level: 'orange', previous: 'blue', at: new Date().toISOString() }));
    await waitFor(() => overviewOf(s, s.events.length - 1).risingTopics.find((x) => x.id === topicId)?.level === 'orange', 'a frame with the topic orange');
    s.close();
  });

  it('ends the stream with an auth event when its token is revoked', async () => {
    const victim = await makeCaller(t.db, 'overview-victim', 'leader');
    const s = await openStream(`${base}/api/overview/stream`, bearer(victim.token));
    streams.push(s);
    await s.waitForEvents(1);
    expect((await app.inject({ method: 'DELETE', url: `/api/tokens/${victim.tokenId}`, headers: bearer(callers.admin.token) })).statusCode).toBe(200);
    await s.ended;
    const last = s.events[s.events.length - 1];
    expect(last?.event).toBe('auth');
    expect(JSON.parse(last?.data ?? '{}')).toMatchObject({ reason: 'revoked', message: expect.stringMatching(/[\u4e00-\u9fff]/) });
  });

  it('401 without credentials, 403 for an ingest account', async () => {
    const anonymous = await openStream(`${base}/api/overview/stream`);
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body).error.message).toMatch(/[\u4e00-\u9fff]/);
    const ingest = await connect('ingest');
    expect(ingest.status).toBe(403);
  });
});

/** A bare HTTP server whose every request becomes a stream of `hub` (the route's own work is checked above). */
async function serve(hub: OverviewHub): Promise<{ url: string; close(): Promise<void> }> {
  const user = callers.leader.user;
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': connected\n\n');
    hub.add({ res, user: { id: user.id, name: user.name, role: user.role }, credential: { kind: 'token', hash: 'unused' }, expiresAt: null, reauthStamp: hub.reauthStamp() });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: async () => {
      await hub.closeStreams(100);
      await hub.stop();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A hub of its own with short periods. */
const newHub = (o: Partial<ConstructorParameters<typeof OverviewHub>[0]>): OverviewHub =>
  new OverviewHub({
    db: t.db,
    redis: t.redis,
    prefix: `${t.cfg.QUEUE_PREFIX}-hub`,
    log: pino({ level: 'silent' }),
    heartbeatMs: 60_000,
    maxBufferedBytes: 1 << 20,
    reauthMs: 3_600_000,
    ...o,
  });

describe('the overview hub', () => {
  let served: { url: string; close(): Promise<void> };
  let hub: OverviewHub;
  let loads = 0;

  beforeAll(async () => {
    hub = newHub({
      debounceMs: 100,
      refreshMs: 400,
      freshMs: 60_000,
      load: async (db) => {
        loads++;
        return loadOverview(db);
      },
    });
    hub.start();
    served = await serve(hub);
  });
  afterAll(async () => served?.close());

  it('sends the overview again at least every refresh period, with nothing changed', async () => {
    const s = await openStream(served.url);
    streams.push(s);
    await s.waitForEvents(3, 5000);
    const times = s.events.slice(0, 3).map((_, i) => new Date(overviewOf(s, i).at).getTime());
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(350);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(350);
    s.close();
    await waitFor(() => hub.size === 0, 'the client gone');
  });

  it('reads once for a burst of changes, and once for every client', async () => {
    const a = await openStream(served.url);
    const b = await openStream(served.url);
    streams.push(a, b);
    await a.waitForEvents(1);
    await b.waitForEvents(1);
    await waitFor(() => hub.size === 2, 'both clients');
    const readsBefore = hub.reads;
    const framesBefore = [a.events.length, b.events.length];
    for (let i = 0; i < 20; i++) hub.changed();
    await waitFor(() => hub.reads > readsBefore, 'a read after the burst', 2000);
    await sleep(150);
    // One read for twenty changes (a periodic one may have joined it in the meantime, no more).
    expect(hub.reads - readsBefore).toBeLessThanOrEqual(2);
    expect(a.events.length - framesBefore[0]!).toBe(hub.reads - readsBefore);
    expect(b.events.length - framesBefore[1]!).toBe(hub.reads - readsBefore);
    expect(loads).toBe(hub.reads);
    a.close();
    b.close();
  });

  it('tries a failed read again soon (not a minute later), and the waiting client then gets the overview', async () => {
    let calls = 0;
    const flaky = newHub({
      refreshMs: 60_000,
      retryMs: 300,
      load: async (db) => {
        if (++calls === 1) throw new Error('connection refused');
        return loadOverview(db);
      },
    });
    flaky.start();
    const own = await serve(flaky);
    try {
      const s = await openStream(own.url);
      streams.push(s);
      const started = Date.now();
      const [first] = await s.waitForEvents(1, 5000);
      expect(first?.event).toBe('overview');
      expect(calls).toBe(2);
      expect(Date.now() - started).toBeLessThan(5000);
      s.close();
    } finally {
      await own.close();
    }
  });
});
