/**
 * The live alert stream over real HTTP (the app listening on 127.0.0.1:0): order, resume by
 * Last-Event-ID with no gap and no duplicate, fan-out across two app instances through Redis,
 * role filtering, heartbeats, slow clients and shutdown.
 */
import net from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, startApiServer } from '@yuqing/api';
import { loadConfig, type Config } from '@yuqing/config';
import { appendAlertEvent, insertAlert, withTransaction, type AlertAudienceRole, type AlertEvent, type AlertEventType, type Role } from '@yuqing/db';
import { publishAlertEvents } from '@yuqing/queue';
import type { FastifyInstance } from 'fastify';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, callerPerRole, type Caller } from './auth-fixtures';
import { openStream, type SseEvent, type SseStream } from './sse-client';

let t: TestEnv;
let callers: Record<Role, Caller>;
let alertId: number;
const apps: FastifyInstance[] = [];
const streams: SseStream[] = [];
const EVERYONE: AlertAudienceRole[] = ['admin', 'pr', 'analyst', 'leader'];

/** Builds and starts an app; by default it learns of new events only through Redis (no poll). */
async function startApp(overrides: Partial<Config> = {}, logger = pino({ level: 'silent' })): Promise<{ app: FastifyInstance; url: string }> {
  const app = buildApp({ cfg: { ...t.cfg, SSE_HEARTBEAT_MS: 60_000, SSE_POLL_MS: 600_000, ...overrides }, db: t.db, redis: t.redis }, { logger });
  apps.push(app);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url };
}

async function connect(base: string, who: Role, headers: Record<string, string> = {}, query = ''): Promise<SseStream> {
  const s = await openStream(`${base}/api/alerts/stream${query}`, { ...bearer(callers[who].token), ...headers });
  streams.push(s);
  expect(s.status, s.body).toBe(200);
  // The hub registers the client right after the opening frame; wait for it before appending.
  await waitFor(() => s.comments.includes('connected'));
  return s;
}

/** Appends events in one transaction, then announces them (as the alert rules will). */
async function emit(n: number, opts: { audience?: AlertAudienceRole[]; type?: AlertEventType; publish?: boolean } = {}): Promise<AlertEvent[]> {
  const events = await withTransaction(t.db, async (client) => {
    const out: AlertEvent[] = [];
    for (let i = 0; i < n; i++) {
      out.push(await appendAlertEvent(client, { alertId, type: opts.type ?? 'firing', level: 'yellow', payload: { title: `事件 ${i}`, n: i }, audienceRoles: opts.audience ?? EVERYONE }));
    }
    return out;
  });
  if (opts.publish !== false) await publishAlertEvents(t.redis, t.cfg.QUEUE_PREFIX, events.map((e) => e.id));
  return events;
}

async function waitFor(ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ids = (events: Array<SseEvent | AlertEvent>): number[] => events.map((e) => Number(e.id));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  t = await createTestEnv('alertstream');
  callers = await callerPerRole(t.db);
  const alert = await insertAlert(t.db, { kind: 'topic', dedupKey: 'rule:1:topic:1', level: 'yellow', title: '某派出所民警执法争议' });
  if (!alert) throw new Error('alert not created');
  alertId = alert.id;
});
afterAll(async () => {
  for (const s of streams) s.close();
  for (const app of apps) await app.close();
  await t.cleanup();
});

describe('GET /api/alerts/stream', () => {
  let base: string;
  beforeAll(async () => {
    ({ url: base } = await startApp());
  });

  it('sends events appended after the client connected, in order, and nothing from before', async () => {
    await emit(2);
    const s = await connect(base, 'pr');
    expect(s.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(s.retry).toBe(t.cfg.SSE_RETRY_MS);
    const sent = [...(await emit(3)), ...(await emit(1, { type: 'escalated' }))];
    const got = await s.waitForEvents(4);
    await sleep(200);
    expect(ids(s.events)).toEqual(ids(sent));
    expect(got.map((e) => e.event)).toEqual(['firing', 'firing', 'firing', 'escalated']);
    expect(JSON.parse(got[0]?.data ?? '')).toEqual({
      id: sent[0]?.id,
      alertId,
      type: 'firing',
      level: 'yellow',
      createdAt: sent[0]?.createdAt.toISOString(),
      payload: { title: '事件 0', n: 0 },
    });
    s.close();
  });

  it('a reconnect with Last-Event-ID gets exactly the events it missed, then live ones', async () => {
    const first = await connect(base, 'pr');
    const before = await emit(2);
    await first.waitForEvents(2);
    first.close();
    const missed = await emit(5);
    const again = await connect(base, 'pr', { 'last-event-id': String(before[1]?.id) });
    await again.waitForEvents(5);
    const live = await emit(2);
    await again.waitForEvents(7);
    await sleep(200);
    expect(ids(again.events)).toEqual([...ids(missed), ...ids(live)]);
    again.close();

    // ?lastEventId= does the same for a page opening a new EventSource; the header wins over it
    // (EventSource keeps the old URL on reconnect and sends the newer id in the header).
    const byQuery = await connect(base, 'pr', {}, `?lastEventId=${before[1]?.id}`);
    await byQuery.waitForEvents(7);
    expect(ids(byQuery.events)).toEqual([...ids(missed), ...ids(live)]);
    const both = await connect(base, 'pr', { 'last-event-id': String(missed[4]?.id) }, `?lastEventId=${before[0]?.id}`);
    await both.waitForEvents(2);
    await sleep(200);
    expect(ids(both.events)).toEqual(ids(live));
    byQuery.close();
    both.close();
  });

  it('a long backlog is paged through and joins the live stream without a gap or a duplicate', async () => {
    const start = (await emit(1))[0]?.id ?? 0;
    const backlog = await emit(1200, { publish: false });
    const s = await connect(base, 'analyst', { 'last-event-id': String(start) });
    // Events appended while the client is still catching up.
    const during = [...(await emit(3)), ...(await emit(3))];
    await s.waitForEvents(1206, 15_000);
    const after = await emit(2);
    await s.waitForEvents(1208);
    await sleep(200);
    expect(ids(s.events)).toEqual([...ids(backlog), ...ids(during), ...ids(after)]);
    s.close();
  });

  it('concurrent writers: ids reach the client in commit order, every one, once', async () => {
    const s = await connect(base, 'admin');
    // Transactions that draw an id and then take their time to commit: without the ordering lock
    // a later id would commit first and the stream would skip the earlier one.
    const writers = Array.from({ length: 12 }, (_, i) =>
      withTransaction(t.db, async (client) => {
        const e = await appendAlertEvent(client, { alertId, type: 'updated', level: 'orange', audienceRoles: EVERYONE });
        await client.query('SELECT pg_sleep($1)', [(12 - i) * 0.01]);
        return e;
      }).then(async (e) => {
        await publishAlertEvents(t.redis, t.cfg.QUEUE_PREFIX, [e.id]);
        return e;
      }),
    );
    const written = (await Promise.all(writers)).map((e) => e.id).sort((a, b) => a - b);
    await s.waitForEvents(12);
    await sleep(200);
    expect(ids(s.events)).toEqual(written);
    s.close();
  });

  it('filters by role: a leader does not receive an event whose audience excludes leader', async () => {
    const leader = await connect(base, 'leader');
    const pr = await connect(base, 'pr');
    const hidden = await emit(2, { audience: ['admin', 'pr'] });
    const shown = await emit(1);
    await pr.waitForEvents(3);
    await leader.waitForEvents(1);
    await sleep(200);
    expect(ids(pr.events)).toEqual([...ids(hidden), ...ids(shown)]);
    expect(ids(leader.events)).toEqual(ids(shown));
    // And on resume: the leader's backlog skips them too.
    const resumed = await connect(base, 'leader', { 'last-event-id': String((hidden[0]?.id ?? 1) - 1) });
    await resumed.waitForEvents(1);
    await sleep(200);
    expect(ids(resumed.events)).toEqual(ids(shown));
    for (const s of [leader, pr, resumed]) s.close();
  });

  it('a payload cannot break the framing: newlines stay inside the JSON of one data line', async () => {
    const s = await connect(base, 'pr');
    const forged = '标题\n\nid: 999999\nevent: resolved\ndata: {}\r\n';
    const e = await appendAlertEvent(t.db, { alertId, type: 'updated', level: 'blue', payload: { title: forged }, audienceRoles: ['pr'] });
    await publishAlertEvents(t.redis, t.cfg.QUEUE_PREFIX, [e.id]);
    const [got] = await s.waitForEvents(1);
    await sleep(100);
    expect(s.events).toHaveLength(1);
    expect(got?.id).toBe(String(e.id));
    expect(got?.event).toBe('updated');
    expect(JSON.parse(got?.data ?? '').payload.title).toBe(forged);
    s.close();
  });

  it('401 without credentials, 403 for a role that does not read alerts, 400 for a bad Last-Event-ID', async () => {
    const anon = await openStream(`${base}/api/alerts/stream`);
    expect(anon.status).toBe(401);
    expect(JSON.parse(anon.body)).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
    const ingest = await openStream(`${base}/api/alerts/stream`, bearer(callers.ingest.token));
    expect(ingest.status).toBe(403);
    const bad = await openStream(`${base}/api/alerts/stream`, { ...bearer(callers.pr.token), 'last-event-id': 'abc' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.code).toBe('INVALID_LAST_EVENT_ID');
  });

  it('an event whose notification was lost still arrives, by the safety poll', async () => {
    const { url } = await startApp({ SSE_POLL_MS: 300 });
    const s = await connect(url, 'pr');
    const quiet = await emit(2, { publish: false });
    await s.waitForEvents(2, 3000);
    expect(ids(s.events)).toEqual(ids(quiet));
    s.close();
  });
});

describe('more than one API process', () => {
  it('two app instances both deliver an event appended once (fan-out through Redis)', async () => {
    const a = await startApp();
    const b = await startApp();
    const onA = await connect(a.url, 'pr');
    const onB = await connect(b.url, 'leader');
    const onB2 = await connect(b.url, 'analyst');
    const [e] = await emit(1);
    for (const s of [onA, onB, onB2]) await s.waitForEvents(1, 3000);
    await sleep(200);
    for (const s of [onA, onB, onB2]) expect(ids(s.events)).toEqual([e?.id]);
    // One subscriber per process, whatever the number of clients.
    const channel = `${t.cfg.QUEUE_PREFIX}:events:alert`;
    const [, subscribers] = (await t.redis.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
    expect(Number(subscribers)).toBe(apps.length);
  });
});

describe('connection lifecycle', () => {
  it('sends heartbeat comments every SSE_HEARTBEAT_MS', async () => {
    const { url } = await startApp({ SSE_HEARTBEAT_MS: 150 });
    const s = await connect(url, 'leader');
    await s.waitForComment('ping', 2000);
    const pings = (): number => s.comments.filter((c) => c === 'ping').length;
    await waitFor(() => pings() >= 3, 2000);
    s.close();
  });

  it('closes the stream of a client that stops reading, with a log line, and keeps serving the others', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
    // The limit must hold a burst a healthy reader gets in one go (here 10 frames of 64 KB).
    const { app, url } = await startApp({ SSE_MAX_BUFFERED_BYTES: 2 * 1024 * 1024 }, logger);
    const { port } = new URL(url);
    // A raw socket that sends a request and never reads the answer.
    const stalled = net.connect(Number(port), '127.0.0.1');
    stalled.pause();
    stalled.write(`GET /api/alerts/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${callers.pr.token}\r\n\r\n`);
    const reader = await connect(url, 'pr');
    await waitFor(() => app.alertStream.size === 2);
    const big = 'x'.repeat(64 * 1024);
    const sent: AlertEvent[] = [];
    // Until the socket buffers of both ends (MiBs on loopback) and then ours are full.
    for (let i = 0; i < 200 && app.alertStream.size > 1; i++) {
      sent.push(
        ...(await withTransaction(t.db, async (c) => {
          const out: AlertEvent[] = [];
          for (let j = 0; j < 10; j++) out.push(await appendAlertEvent(c, { alertId, type: 'updated', level: 'red', payload: { big }, audienceRoles: ['pr'] }));
          return out;
        })),
      );
      await publishAlertEvents(t.redis, t.cfg.QUEUE_PREFIX, sent.map((e) => e.id));
      await sleep(20);
    }
    await waitFor(() => app.alertStream.size === 1, 10_000);
    expect(lines.some((l) => JSON.parse(l).msg === 'alert stream: client too slow, closing its stream')).toBe(true);
    await reader.waitForEvents(sent.length, 15_000);
    expect(ids(reader.events)).toEqual(ids(sent));
    stalled.destroy();
    reader.close();
  });

  it('the server (startApiServer) shuts down promptly with streams open', async () => {
    const server = await startApiServer(loadConfig({ ...t.env, API_PORT: '0', SSE_HEARTBEAT_MS: '60000' }));
    const s = await connect(server.url, 'pr');
    const started = Date.now();
    await server.close();
    await s.ended;
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('closing the app ends its streams first, promptly', async () => {
    const { app, url } = await startApp();
    const s1 = await connect(url, 'pr');
    const s2 = await connect(url, 'admin');
    const started = Date.now();
    await app.close();
    await Promise.all([s1.ended, s2.ended]);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(app.alertStream.size).toBe(0);
  });
});
