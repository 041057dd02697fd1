/**
 * The credential cache of the auth plugin (auth-cache.ts), against real PostgreSQL and Redis. Two
 * app instances sharing one Redis stand for two API processes. The cache lifetime is a minute here,
 * so that a refusal can only come from the invalidation message, not from the entry running out.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '@yuqing/api';
import { hashSecret, insertSession, newSessionSecret, type User } from '@yuqing/db';
import { createAnalyzeQueue } from '@yuqing/queue';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { CredentialCache } from '../src/auth-cache';
import { runCli } from '../../../test/support/run-cli';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, makeCaller, type Caller } from './auth-fixtures';

let t: TestEnv;
/** "Process" A, where changes are made. */
let a: FastifyInstance;
/** "Process" B, which only hears of them over Redis. */
let b: FastifyInstance;
let admin: Caller;
const PASSWORD = '缓存测试密码-long enough';

beforeAll(async () => {
  t = await createTestEnv('authcache', { AUTH_CACHE_TTL_MS: '60000' });
  admin = await makeCaller(t.db, 'admin1', 'admin');
  a = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  b = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await Promise.all([a.ready(), b.ready()]);
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await t.cleanup();
});

const me = async (app: FastifyInstance, headers: Record<string, string>) => (await app.inject({ url: '/api/auth/me', headers })).statusCode;

async function login(app: FastifyInstance, name: string): Promise<{ cookie: string }> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { name, password: PASSWORD } });
  expect(res.statusCode, res.body).toBe(200);
  const c = res.cookies.find((x) => x.name === t.cfg.AUTH_COOKIE_NAME);
  return { cookie: `${c!.name}=${c!.value}` };
}

/**
 * Runs `change`, then waits until both processes have heard of it: the one that made it forgets at
 * once, the other (and both, for a change the CLI makes) when the asynchronous message arrives.
 */
async function andWaitForBoth<T>(change: () => Promise<T>): Promise<T> {
  const before = [a.credentialCache.invalidations, b.credentialCache.invalidations];
  const result = await change();
  await vi.waitFor(
    () => {
      expect(a.credentialCache.invalidations).toBeGreaterThan(before[0]!);
      expect(b.credentialCache.invalidations).toBeGreaterThan(before[1]!);
    },
    { timeout: 5000 },
  );
  return result;
}

describe('credential cache across processes', () => {
  it('is live in both processes once they are ready', () => {
    expect(a.credentialCache.isLive).toBe(true);
    expect(b.credentialCache.isLive).toBe(true);
  });

  it('answers from memory: a change made behind the API’s back (no announcement) is not seen yet', async () => {
    const c = await makeCaller(t.db, 'analyst-quiet', 'analyst');
    expect(await me(b, bearer(c.token))).toBe(200);
    expect(b.credentialCache.get('token', hashSecret(c.token))?.name).toBe('analyst-quiet');
    await t.db.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1', [c.tokenId]);
    // Still accepted by B from its cache: this is what the invalidation messages are for.
    expect(await me(b, bearer(c.token))).toBe(200);
    // A process that had not cached it asks the database.
    expect(await me(a, bearer(c.token))).toBe(401);
  });

  it('a token revoked through the API is refused at once in both processes', async () => {
    const c = await makeCaller(t.db, 'analyst1', 'analyst');
    expect(await me(a, bearer(c.token))).toBe(200);
    expect(await me(b, bearer(c.token))).toBe(200);
    expect(b.credentialCache.get('token', hashSecret(c.token))).not.toBeNull();
    const res = await andWaitForBoth(() => a.inject({ method: 'DELETE', url: `/api/tokens/${c.tokenId}`, headers: bearer(admin.token) }));
    expect(res.statusCode).toBe(200);
    expect(await me(a, bearer(c.token))).toBe(401);
    expect(await me(b, bearer(c.token))).toBe(401);
  });

  it('a token revoked with the CLI is refused at once', async () => {
    const c = await makeCaller(t.db, 'ingest1', 'ingest');
    expect(await me(b, bearer(c.token))).toBe(200);
    const r = await andWaitForBoth(() => runCli(['tokens', 'revoke', String(c.tokenId)], { env: t.env }));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await me(b, bearer(c.token))).toBe(401);
  });

  it('a user disabled with the CLI loses token and session at once; enabled, gets them back', async () => {
    const c = await makeCaller(t.db, 'pr-off', 'pr', PASSWORD);
    const { cookie } = await login(a, 'pr-off');
    for (const app of [a, b]) {
      expect(await me(app, bearer(c.token))).toBe(200);
      expect(await me(app, { cookie })).toBe(200);
    }
    expect(b.credentialCache.get('session', hashSecret(cookie.split('=')[1]!))).not.toBeNull();
    const off = await andWaitForBoth(() => runCli(['users', 'disable', 'pr-off'], { env: t.env }));
    expect(off.code).toBe(0);
    for (const app of [a, b]) {
      expect(await me(app, bearer(c.token))).toBe(401);
      expect(await me(app, { cookie })).toBe(401);
    }
    expect((await runCli(['users', 'enable', 'pr-off'], { env: t.env })).code).toBe(0);
    // Refusals are never cached, so nothing has to be forgotten for the way back. (Disabling ended
    // the sessions for good: a new login is needed.)
    for (const app of [a, b]) {
      expect(await me(app, bearer(c.token))).toBe(200);
      expect(await me(app, { cookie })).toBe(401);
    }
  });

  it('logout ends the session in every process', async () => {
    await makeCaller(t.db, 'leader1', 'leader', PASSWORD);
    const { cookie } = await login(a, 'leader1');
    expect(await me(a, { cookie })).toBe(200);
    expect(await me(b, { cookie })).toBe(200);
    const out = await andWaitForBoth(() => a.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } }));
    expect(out.statusCode).toBe(204);
    expect(await me(a, { cookie })).toBe(401);
    expect(await me(b, { cookie })).toBe(401);
  });

  it('a cached session still ends at its expiry', async () => {
    const c = await makeCaller(t.db, 'pr-short', 'pr');
    const { secret, id } = newSessionSecret();
    const expiresAt = await insertSession(t.db, { id, userId: c.user.id, ttlMs: 1500 });
    const cookie = `${t.cfg.AUTH_COOKIE_NAME}=${secret}`;
    expect(await me(b, { cookie })).toBe(200);
    expect(b.credentialCache.get('session', id)).not.toBeNull();
    // No message: only the stored expiry can end it (the cache lifetime is a minute).
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt.getTime() - Date.now()) + 50));
    expect(await me(b, { cookie })).toBe(401);
  });

  it('does not remember bad credentials', async () => {
    const before = b.credentialCache.size;
    for (let i = 0; i < 50; i++) expect(await me(b, bearer(`yq_not-a-token-${i}`))).toBe(401);
    expect(await me(b, { cookie: `${t.cfg.AUTH_COOKIE_NAME}=not-a-session` })).toBe(401);
    expect(b.credentialCache.size).toBe(before);
  });

  it('without a subscription (Redis unreachable) the cache is not used', async () => {
    const c = await makeCaller(t.db, 'analyst-nosub', 'analyst');
    // A Redis nobody listens on: the subscriber keeps trying to connect.
    const nowhere = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: null });
    // The push route's queue producer uses the reachable Redis: a BullMQ queue on a client that never
    // connects rejects its initialisation after close() has removed its listeners (an unhandled
    // rejection that fails the whole run), and this test is about the subscriber only.
    const analyzeQueue = createAnalyzeQueue(t.redis, t.cfg.QUEUE_PREFIX);
    const lone = buildApp({ cfg: t.cfg, db: t.db, redis: nowhere, analyzeQueue });
    try {
      // ready() waits a bounded time for the subscription, then goes on without it.
      await lone.ready();
      expect(lone.credentialCache.isLive).toBe(false);
      expect(await me(lone, bearer(c.token))).toBe(200);
      expect(lone.credentialCache.size).toBe(0);
    } finally {
      await lone.close();
      nowhere.disconnect();
      await analyzeQueue.close();
    }
  });
});

describe('CredentialCache', () => {
  const user = (id: number): User => ({ id, name: `u${id}`, displayName: `u${id}`, role: 'pr', hasPassword: false, disabled: false, createdAt: new Date(0) });

  it('keeps an entry for the TTL at most, and never past the session expiry', () => {
    let now = 1_000_000;
    const c = new CredentialCache({ ttlMs: 5000, now: () => now });
    c.setLive(true);
    c.store('token', 'h1', user(1), c.stamp());
    c.store('session', 'h2', user(2), c.stamp(), new Date(now + 1000));
    expect(c.get('token', 'h1')?.id).toBe(1);
    expect(c.get('session', 'h2')?.id).toBe(2);
    expect(c.get('session', 'h1')).toBeNull(); // tokens and sessions are kept apart
    now += 1000;
    expect(c.get('session', 'h2')).toBeNull();
    expect(c.get('token', 'h1')?.id).toBe(1);
    now += 4000;
    expect(c.get('token', 'h1')).toBeNull();
  });

  it('does not store a lookup that an invalidation overtook', () => {
    const c = new CredentialCache({ ttlMs: 5000 });
    c.setLive(true);
    const stamp = c.stamp();
    c.invalidateUser(99);
    c.store('token', 'h1', user(1), stamp);
    expect(c.get('token', 'h1')).toBeNull();
  });

  it('forgets one user’s entries only, is bounded, and answers nothing while not live', () => {
    const c = new CredentialCache({ ttlMs: 5000, maxEntries: 3 });
    c.store('token', 'h0', user(1), c.stamp());
    expect(c.size).toBe(0); // not live yet
    c.setLive(true);
    for (const [h, id] of [['h1', 1], ['h2', 1], ['h3', 2]] as const) c.store('token', h, user(id), c.stamp());
    c.invalidateUser(1);
    expect([c.get('token', 'h1'), c.get('token', 'h2'), c.get('token', 'h3')?.id]).toEqual([null, null, 2]);
    for (let i = 4; i < 10; i++) c.store('token', `h${i}`, user(i), c.stamp());
    expect(c.size).toBe(3);
    expect(c.get('token', 'h9')?.id).toBe(9);
    expect(c.get('token', 'h3')).toBeNull(); // the oldest went first
    c.setLive(false);
    expect(c.get('token', 'h9')).toBeNull();
  });

  it('hands out frozen copies', () => {
    const c = new CredentialCache({ ttlMs: 5000 });
    c.setLive(true);
    const u = user(1);
    c.store('token', 'h1', u, c.stamp());
    expect(Object.isFrozen(c.get('token', 'h1'))).toBe(true);
    expect(Object.isFrozen(u)).toBe(false);
  });
});
