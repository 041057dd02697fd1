/**
 * An open alert stream ends when the credential it was opened with stops being valid (stream/reauth.ts),
 * over real HTTP against real PostgreSQL and Redis. Two app instances sharing one Redis stand for two
 * API processes: a change made in one (or by the CLI) must end the streams in both, with a last
 * `auth` event, while a stream of another credential of the same user goes on.
 *
 * The credential cache lives a minute and the periodic re-check ten minutes in `a` and `b`, so that
 * an ending there can only come from the announcement or the session's expiry; `c` re-checks every
 * 200 ms and is the only one to see a change nobody announced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import type { Config } from '@yuqing/config';
import { appendAlertEvent, hashSecret, insertAlert, insertApiToken, insertSession, newApiToken, newSessionSecret, withTransaction, type User } from '@yuqing/db';
import { publishAlertEvents } from '@yuqing/queue';
import type { FastifyInstance } from 'fastify';
import { judgeCredential } from '../src/stream/reauth';
import { until } from '../../../test/support/poll';
import { runCli } from '../../../test/support/run-cli';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, makeCaller, type Caller } from './auth-fixtures';
import { openStream, type SseEvent, type SseStream } from './sse-client';

const PASSWORD = '流鉴权测试密码-long enough';
const REVOKED_MESSAGE = '登录已失效，请重新登录';

let t: TestEnv;
let admin: Caller;
let alertId: number;
const apps: FastifyInstance[] = [];
const streams: SseStream[] = [];
/** "Process" A, where changes are made through the API. */
let a: { app: FastifyInstance; url: string };
/** "Process" B, which only hears of them over Redis. */
let b: { app: FastifyInstance; url: string };

async function startApp(overrides: Partial<Config> = {}): Promise<{ app: FastifyInstance; url: string }> {
  const app = buildApp({ cfg: { ...t.cfg, SSE_HEARTBEAT_MS: 60_000, SSE_POLL_MS: 600_000, SSE_REAUTH_MS: 600_000, ...overrides }, db: t.db, redis: t.redis });
  apps.push(app);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url };
}

/** A stream that records when it ends. */
interface Watched {
  s: SseStream;
  ended: boolean;
}

async function connect(base: string, headers: Record<string, string>): Promise<Watched> {
  const s = await openStream(`${base}/api/alerts/stream`, headers);
  streams.push(s);
  expect(s.status, s.body).toBe(200);
  // The hub takes the stream on right after the opening frame.
  await s.waitForComment('connected');
  const w: Watched = { s, ended: false };
  void s.ended.then(() => (w.ended = true));
  return w;
}

/** Waits until the server has ended the stream; returns its last `auth` event's data. */
async function endedWithAuth(w: Watched, what: string): Promise<{ reason: string; message: string }> {
  await until(async () => w.ended, `${what}: the stream to end`);
  const last = w.s.events.at(-1);
  expect(last?.event, `${what}: last event`).toBe('auth');
  expect(last?.id, `${what}: the auth event carries no id`).toBeUndefined();
  return JSON.parse(last!.data) as { reason: string; message: string };
}

/** Appends one alert event for everyone and announces it; its id. */
async function emit(): Promise<number> {
  const event = await withTransaction(t.db, (client) =>
    appendAlertEvent(client, { alertId, type: 'updated', level: 'yellow', payload: { note: '仍在传播' }, audienceRoles: ['admin', 'pr', 'analyst', 'leader'] }),
  );
  await publishAlertEvents(t.redis, t.cfg.QUEUE_PREFIX, [event.id]);
  return event.id;
}

const alertIds = (events: SseEvent[]): number[] => events.filter((e) => e.event !== 'auth').map((e) => Number(e.id));

/** A second live token for a user. */
async function anotherToken(userId: number): Promise<string> {
  const tok = newApiToken();
  await insertApiToken(t.db, { userId, name: 'second', hash: tok.hash, prefix: tok.prefix });
  return tok.token;
}

async function login(name: string): Promise<Record<string, string>> {
  const res = await a.app.inject({ method: 'POST', url: '/api/auth/login', payload: { name, password: PASSWORD } });
  expect(res.statusCode, res.body).toBe(200);
  const c = res.cookies.find((x) => x.name === t.cfg.AUTH_COOKIE_NAME);
  return { cookie: `${c!.name}=${c!.value}` };
}

/** Waits until each app has completed `n` more credential checks than `before` (the streams still open were looked at). */
async function checked(before: number[], n: number): Promise<void> {
  await until(async () => [a, b].every(({ app }, i) => app.alertStream.reauthChecks >= before[i]! + n), `${n} credential checks in each process`);
}
const checksNow = (): number[] => [a, b].map(({ app }) => app.alertStream.reauthChecks);

beforeAll(async () => {
  t = await createTestEnv('streamauth', { AUTH_CACHE_TTL_MS: '60000' });
  admin = await makeCaller(t.db, 'admin1', 'admin');
  const alert = await insertAlert(t.db, { kind: 'topic', dedupKey: 'rule:1:topic:7', level: 'yellow', title: '某路段交通事故引发关注' });
  if (!alert) throw new Error('alert not created');
  alertId = alert.id;
  a = await startApp();
  b = await startApp();
  // Both hear announcements before any test makes one.
  await until(async () => a.app.credentialCache.isLive && b.app.credentialCache.isLive, 'both auth feeds subscribed');
});
afterAll(async () => {
  for (const s of streams) s.close();
  for (const app of apps) await app.close();
  await t.cleanup();
});

describe('alert stream and the credential it was opened with', () => {
  it('a token revoked through the API ends its streams in both processes; another token of the same user goes on', async () => {
    const c = await makeCaller(t.db, 'analyst-rev', 'analyst');
    const other = await anotherToken(c.user.id);
    const revoked = [await connect(a.url, bearer(c.token)), await connect(b.url, bearer(c.token))];
    const kept = [await connect(a.url, bearer(other)), await connect(b.url, bearer(other))];
    const before = checksNow();

    const res = await a.app.inject({ method: 'DELETE', url: `/api/tokens/${c.tokenId}`, headers: bearer(admin.token) });
    expect(res.statusCode, res.body).toBe(200);

    for (const [i, w] of revoked.entries()) {
      expect(await endedWithAuth(w, `revoked token's stream in process ${'ab'[i]}`)).toEqual({ reason: 'revoked', message: REVOKED_MESSAGE });
    }
    // The streams of the other token were checked too, found valid, and still deliver.
    await checked(before, 2);
    const id = await emit();
    for (const w of kept) {
      await w.s.waitForEvents(1);
      expect(alertIds(w.s.events)).toEqual([id]);
      expect(w.s.events.some((e) => e.event === 'auth')).toBe(false);
      expect(w.ended).toBe(false);
    }
    expect(revoked.every((w) => alertIds(w.s.events).length === 0)).toBe(true);
  });

  it('a user disabled with the CLI loses their session streams in both processes', async () => {
    const c = await makeCaller(t.db, 'pr-off', 'pr', PASSWORD);
    const cookie = await login('pr-off');
    const ws = [await connect(a.url, cookie), await connect(b.url, cookie)];
    const r = await runCli(['users', 'disable', 'pr-off'], { env: t.env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const [i, w] of ws.entries()) {
      expect(await endedWithAuth(w, `disabled user's stream in process ${'ab'[i]}`)).toEqual({ reason: 'revoked', message: REVOKED_MESSAGE });
    }
    // And cannot open another.
    const again = await openStream(`${b.url}/api/alerts/stream`, bearer(c.token));
    expect(again.status).toBe(401);
  });

  it('logging out ends that session’s stream; the same user’s other session goes on', async () => {
    await makeCaller(t.db, 'leader-two', 'leader', PASSWORD);
    const first = await login('leader-two');
    const second = await login('leader-two');
    const gone = await connect(b.url, first);
    const stays = await connect(b.url, second);
    const before = checksNow();
    const out = await a.app.inject({ method: 'POST', url: '/api/auth/logout', headers: first });
    expect(out.statusCode).toBe(204);
    expect((await endedWithAuth(gone, 'logged-out session')).reason).toBe('revoked');
    // B heard of it over Redis and checked both of the user's streams there.
    await until(async () => b.app.alertStream.reauthChecks >= before[1]! + 2, 'both sessions checked in B');
    const id = await emit();
    await stays.s.waitForEvents(1);
    expect(alertIds(stays.s.events)).toEqual([id]);
    expect(stays.ended).toBe(false);
  });

  it('a session’s stream ends at the session’s expiry', async () => {
    const c = await makeCaller(t.db, 'pr-short', 'pr');
    const { secret, id } = newSessionSecret();
    await insertSession(t.db, { id, userId: c.user.id, ttlMs: 3000 });
    const invalidations = b.app.credentialCache.invalidations;
    const w = await connect(b.url, { cookie: `${t.cfg.AUTH_COOKIE_NAME}=${secret}` });
    expect(await endedWithAuth(w, 'expired session')).toEqual({ reason: 'expired', message: '登录已过期，请重新登录' });
    // Nothing was announced, and the session is still stored: only its expiry ended the stream.
    expect(b.app.credentialCache.invalidations).toBe(invalidations);
    expect((await t.db.query('SELECT 1 FROM sessions WHERE id = $1', [id])).rowCount).toBe(1);
  });

  it('the periodic re-check ends a stream whose token was revoked with no announcement', async () => {
    const c = await startApp({ SSE_REAUTH_MS: 200 });
    const caller = await makeCaller(t.db, 'analyst-quiet', 'analyst');
    const w = await connect(c.url, bearer(caller.token));
    const invalidations = c.app.credentialCache.invalidations;
    // Behind the API's back: no message is published.
    await t.db.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1', [caller.tokenId]);
    expect(await endedWithAuth(w, 'quietly revoked token')).toEqual({ reason: 'revoked', message: REVOKED_MESSAGE });
    expect(c.app.credentialCache.invalidations).toBe(invalidations);
  });

  it('a stream is not opened on a cached answer for a credential PostgreSQL no longer knows', async () => {
    const caller = await makeCaller(t.db, 'analyst-cached', 'analyst');
    expect((await b.app.inject({ url: '/api/auth/me', headers: bearer(caller.token) })).statusCode).toBe(200);
    await t.db.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1', [caller.tokenId]);
    // B's cache still answers for requests (auth-cache.test.ts), but the stream asks PostgreSQL.
    expect((await b.app.inject({ url: '/api/auth/me', headers: bearer(caller.token) })).statusCode).toBe(200);
    const s = await openStream(`${b.url}/api/alerts/stream`, bearer(caller.token));
    streams.push(s);
    expect(s.status).toBe(401);
    expect(JSON.parse(s.body)).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
  });

  it('the credential hash the stream keeps is never sent to the caller', async () => {
    const caller = await makeCaller(t.db, 'analyst-me', 'analyst');
    const res = await a.app.inject({ url: '/api/auth/me', headers: bearer(caller.token) });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(hashSecret(caller.token));
    expect(Object.keys(res.json() as object).sort()).toEqual(['user', 'via']);
  });
});

describe('judgeCredential', () => {
  const user = (id: number, role: User['role'] = 'pr'): User => ({ id, name: `u${id}`, displayName: `u${id}`, role, hasPassword: false, disabled: false, createdAt: new Date(0) });
  const holder = { userId: 1, role: 'pr' as const };
  const now = 1_000_000;

  it('lets a stream go on while its credential is found for the same user and role', () => {
    expect(judgeCredential(holder, { user: user(1), expiresAt: null }, null, now)).toBeNull();
    expect(judgeCredential(holder, { user: user(1), expiresAt: new Date(now + 1) }, null, now)).toBeNull();
  });

  it('ends it when the credential is gone, run out, someone else’s or the role changed', () => {
    expect(judgeCredential(holder, null, null, now)).toBe('revoked');
    expect(judgeCredential(holder, null, new Date(now + 1000), now)).toBe('revoked');
    expect(judgeCredential(holder, null, new Date(now), now)).toBe('expired');
    // Found, but past its expiry by this process's clock.
    expect(judgeCredential(holder, { user: user(1), expiresAt: new Date(now - 1) }, null, now)).toBe('expired');
    expect(judgeCredential(holder, { user: user(2), expiresAt: null }, null, now)).toBe('revoked');
    expect(judgeCredential(holder, { user: user(1, 'analyst'), expiresAt: null }, null, now)).toBe('role-changed');
  });
});
