/**
 * The alert list cache (alerts-list-cache.ts) against real PostgreSQL and Redis. Two app instances
 * sharing one Redis stand for two API processes; the cache lifetime is a minute here, so a change
 * can only show up through an invalidation, never because an entry ran out.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '@yuqing/api';
import { appendAlertEvent, insertAlert, withTransaction, type AlertAudienceRole, type AlertLevel } from '@yuqing/db';
import { createAnalyzeQueue, publishAlertEvents } from '@yuqing/queue';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { AlertListCache, alertListKey } from '../src/alerts-list-cache';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, makeCaller, type Caller } from './auth-fixtures';

let t: TestEnv;
let a: FastifyInstance;
let b: FastifyInstance;
/** The same app without the list cache: what every answer must equal. */
let plain: FastifyInstance;
let pr: Caller;
let leader: Caller;
let admin: Caller;
let seq = 0;
const ALL: AlertAudienceRole[] = ['admin', 'pr', 'leader', 'analyst'];

beforeAll(async () => {
  t = await createTestEnv('alertlistcache', { ALERT_LIST_CACHE_TTL_MS: '60000' });
  [pr, leader, admin] = await Promise.all([makeCaller(t.db, 'pr1', 'pr'), makeCaller(t.db, 'leader1', 'leader'), makeCaller(t.db, 'admin1', 'admin')]);
  a = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  b = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  plain = buildApp({ cfg: { ...t.cfg, ALERT_LIST_CACHE_TTL_MS: 0 }, db: t.db, redis: t.redis });
  await Promise.all([a.ready(), b.ready(), plain.ready()]);
  // The cache answers once the live stream's subscription is confirmed (a moment after ready).
  await vi.waitFor(() => expect(a.alertStream.isSubscribed && b.alertStream.isSubscribed).toBe(true));
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close(), plain?.close()]);
  await t.cleanup();
});

/** What the alerter does: the alert and its event in one transaction, then the announcement. */
async function alerterFires(level: AlertLevel, audience: AlertAudienceRole[] = ALL, announce = true): Promise<{ alertId: number; eventId: number }> {
  const r = await withTransaction(t.db, async (c) => {
    const alert = await insertAlert(c, { kind: 'topic', dedupKey: `cache:${++seq}`, level, title: `缓存预警 ${seq}`, topicId: 5000 + seq });
    const ev = await appendAlertEvent(c, { alertId: alert!.id, type: 'firing', level, audienceRoles: audience });
    return { alertId: alert!.id, eventId: ev.id };
  });
  if (announce) await publishAlertEvents(t.redis, t.cfg.QUEUE_PREFIX, [r.eventId]);
  return r;
}

async function list(app: FastifyInstance, c: Caller, query = '') {
  const res = await app.inject({ url: `/api/alerts${query}`, headers: bearer(c.token) });
  expect(res.statusCode, res.body).toBe(200);
  return res;
}
const alertsOf = async (app: FastifyInstance, c: Caller, query = '') =>
  (await list(app, c, query)).json().alerts as Array<{ id: number; state: string; level: string }>;
const idsOf = async (app: FastifyInstance, c: Caller, query = '') => (await alertsOf(app, c, query)).map((x) => x.id);

describe('alert list cache', () => {
  it('answers from memory: a change not announced is not seen, and appears once the alerter announces it', async () => {
    // Unannounced from the start: no message still on its way can empty the cache mid-test.
    const first = await alerterFires('yellow', ALL, false);
    const before = await idsOf(a, pr);
    expect(before).toContain(first.alertId);
    const quiet = await alerterFires('orange', ALL, false);
    expect(await idsOf(a, pr)).toEqual(before); // the cached list
    expect(await idsOf(plain, pr)).toContain(quiet.alertId);
    await publishAlertEvents(t.redis, t.cfg.QUEUE_PREFIX, [quiet.eventId]);
    await expect.poll(() => idsOf(a, pr)).toContain(quiet.alertId);
    expect(await idsOf(a, pr)).toEqual(await idsOf(plain, pr));
  });

  it('a new alert from the alerter appears in the next list of every process', async () => {
    expect(await idsOf(a, pr)).toEqual(await idsOf(b, pr)); // both warm
    const fresh = await alerterFires('red');
    await expect.poll(() => idsOf(a, pr)).toContain(fresh.alertId);
    await expect.poll(() => idsOf(b, pr)).toContain(fresh.alertId);
    expect((await idsOf(b, pr))[0]).toBe(fresh.alertId);
  });

  it('acknowledge, then list: the writer sees it acknowledged at once, the other process shortly', async () => {
    const { alertId } = await alerterFires('orange');
    await expect.poll(async () => (await alertsOf(a, pr)).find((x) => x.id === alertId)?.state).toBe('firing');
    await expect.poll(async () => (await alertsOf(b, pr)).find((x) => x.id === alertId)?.state).toBe('firing');
    const ack = await a.inject({ method: 'POST', url: `/api/alerts/${alertId}/acknowledge`, headers: bearer(pr.token) });
    expect(ack.statusCode, ack.body).toBe(200);
    // No waiting in the process that made the change.
    expect((await alertsOf(a, pr)).find((x) => x.id === alertId)?.state).toBe('acknowledged');
    await expect.poll(async () => (await alertsOf(b, pr)).find((x) => x.id === alertId)?.state).toBe('acknowledged');
    // Resolved alerts leave the default list.
    const res = await a.inject({ method: 'POST', url: `/api/alerts/${alertId}/resolve`, headers: bearer(pr.token) });
    expect(res.statusCode).toBe(200);
    expect(await idsOf(a, pr)).not.toContain(alertId);
    expect(await idsOf(a, pr, '?state=resolved')).toContain(alertId);
  });

  it('each role still sees only its audience', async () => {
    const leadersOnly = await alerterFires('red', ['leader']);
    const adminsOnly = await alerterFires('blue', ['admin']);
    for (let i = 0; i < 2; i++) {
      await expect.poll(() => idsOf(a, leader)).toContain(leadersOnly.alertId);
      expect(await idsOf(a, pr)).not.toContain(leadersOnly.alertId);
      expect(await idsOf(a, admin)).not.toContain(leadersOnly.alertId);
      await expect.poll(() => idsOf(a, admin)).toContain(adminsOnly.alertId);
      expect(await idsOf(a, leader)).not.toContain(adminsOnly.alertId);
      expect(await idsOf(a, pr)).not.toContain(adminsOnly.alertId);
    }
    // The audience moves with the latest event: now the duty officers', no longer the leaders'.
    const ev = await appendAlertEvent(t.db, { alertId: leadersOnly.alertId, type: 'updated', level: 'red', audienceRoles: ['pr'] });
    await publishAlertEvents(t.redis, t.cfg.QUEUE_PREFIX, [ev.id]);
    await expect.poll(() => idsOf(a, pr)).toContain(leadersOnly.alertId);
    expect(await idsOf(a, leader)).not.toContain(leadersOnly.alertId);
  });

  it('is not used while the process hears no alert events (Redis unreachable)', async () => {
    // A Redis nobody listens on: the stream's subscriber keeps trying to connect.
    const nowhere = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: null });
    // The push route's queue producer uses the reachable Redis: a BullMQ queue on a client that never
    // connects rejects its initialisation after close() has removed its listeners (an unhandled
    // rejection that fails the whole run), and this test is about the subscriber only.
    const analyzeQueue = createAnalyzeQueue(t.redis, t.cfg.QUEUE_PREFIX);
    const lone = buildApp({ cfg: t.cfg, db: t.db, redis: nowhere, analyzeQueue });
    try {
      await lone.ready();
      const before = await idsOf(lone, pr);
      // Announced, but this process cannot hear it: without its cache it reads the database.
      const fresh = await alerterFires('yellow');
      expect(await idsOf(lone, pr)).toEqual([fresh.alertId, ...before]);
      expect(lone.alertStream.isSubscribed).toBe(false);
      // (The other processes did hear it.)
      await expect.poll(() => idsOf(a, pr)).toContain(fresh.alertId);
    } finally {
      await lone.close();
      nowhere.disconnect();
      await analyzeQueue.close();
    }
  });

  it('a cached answer is byte for byte the uncached one, for the default list and with filters', async () => {
    for (const q of ['', '?level=orange', '?state=all&limit=3', '?kind=topic&state=firing,acknowledged']) {
      for (const c of [pr, leader, admin]) {
        await list(a, c, q); // fills
        const cached = await list(a, c, q);
        const direct = await list(plain, c, q);
        expect(cached.body, `${c.user.name} ${q}`).toBe(direct.body);
        expect(cached.headers['content-type']).toBe(direct.headers['content-type']);
      }
    }
  });
});

describe('alertListKey and AlertListCache', () => {
  it('keys by role and query; pages after a cursor and time filters are not cached', () => {
    const q = { states: ['firing', 'acknowledged'], limit: 50 };
    expect(alertListKey('pr', q)).toBe(alertListKey('pr', { states: ['acknowledged', 'firing'], limit: 50 }));
    expect(alertListKey('pr', q)).not.toBe(alertListKey('leader', q));
    expect(alertListKey('pr', q)).not.toBe(alertListKey('pr', { ...q, limit: 20 }));
    expect(alertListKey('pr', q)).not.toBe(alertListKey('pr', { ...q, levels: ['red'] }));
    expect(alertListKey('pr', q)).not.toBe(alertListKey('pr', { ...q, kind: 'topic' }));
    expect(alertListKey('pr', { ...q, cursor: 10 })).toBeNull();
    expect(alertListKey('pr', { ...q, since: new Date() })).toBeNull();
  });

  it('does not store a fill that an invalidation overtook, expires entries, is bounded', () => {
    let now = 0;
    const c = new AlertListCache({ ttlMs: 1000, maxEntries: 2, now: () => now });
    c.setLive(true);
    const stamp = c.stamp();
    c.invalidate();
    c.store('k', Buffer.from('old'), stamp);
    expect(c.get('k')).toBeNull();
    c.store('k', Buffer.from('new'), c.stamp());
    expect(c.get('k')?.toString()).toBe('new');
    now = 1000;
    expect(c.get('k')).toBeNull();
    for (const k of ['k1', 'k2', 'k3']) c.store(k, Buffer.from(k), c.stamp());
    expect([c.get('k1'), c.get('k2')?.toString(), c.get('k3')?.toString()]).toEqual([null, 'k2', 'k3']);
    c.setLive(false);
    expect(c.get('k3')).toBeNull();
  });
});
