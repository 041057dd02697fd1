/**
 * The duty-room screen's login (POST /api/auth/screen): an API token exchanged for a session cookie,
 * against real PostgreSQL and Redis. A valid token gives a session that reads the overview (and is
 * the token's user, with that user's role only); a revoked, unknown or disabled user's token is
 * refused with a Chinese message and no cookie; an admin's or an ingest account's token is not a
 * screen's; attempts are limited per address like logins; each exchange is audited without the
 * token; and a session that ran out is simply replaced by exchanging the token again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { hashSecret, setUserDisabled } from '@yuqing/db';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, makeCaller, type Caller } from './auth-fixtures';

let t: TestEnv;
let app: FastifyInstance;
let admin: Caller;
let seq = 0;

/** A fresh client address per exchange unless given: the limiter counts per address. */
const screen = (token: unknown, remoteAddress = `10.9.0.${++seq}`) => app.inject({ method: 'POST', url: '/api/auth/screen', payload: { token }, remoteAddress });

function cookieOf(res: LightMyRequestResponse): string | undefined {
  const c = res.cookies.find((x) => x.name === t.cfg.AUTH_COOKIE_NAME);
  return c ? `${c.name}=${c.value}` : undefined;
}

const chinese = /[\u4e00-\u9fff]/;

beforeAll(async () => {
  t = await createTestEnv('screenauth');
  admin = await makeCaller(t.db, 'screen-admin', 'admin');
  // No credential cache: the expiry test changes a session in the database behind the API's back.
  app = buildApp({ cfg: { ...t.cfg, AUTH_LOGIN_MAX_FAILURES: 3, AUTH_CACHE_TTL_MS: 0 }, db: t.db, redis: t.redis });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await t?.cleanup();
});

describe('POST /api/auth/screen', () => {
  it('exchanges a valid token for a session cookie of the token’s user, which reads the overview and nothing beyond its role', async () => {
    const leader = await makeCaller(t.db, 'screen-leader', 'leader');
    const res = await screen(leader.token);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().user).toMatchObject({ name: 'screen-leader', role: 'leader' });
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const cookie = cookieOf(res);
    expect(cookie).toBeDefined();

    const me = await app.inject({ url: '/api/auth/me', headers: { cookie: cookie! } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ user: { name: 'screen-leader' }, via: 'session' });
    const overview = await app.inject({ url: '/api/overview', headers: { cookie: cookie! } });
    expect(overview.statusCode).toBe(200);
    expect(overview.json().overview.daily).toHaveLength(30);
    // A leader's session, not more: the admin's routes stay closed.
    expect((await app.inject({ url: '/api/users', headers: { cookie: cookie! } })).statusCode).toBe(403);

    // The session is stored as the hash of the cookie's secret, for the token's user.
    const secret = cookie!.split('=')[1]!;
    const { rows } = await t.db.query<{ user_id: string; expires_at: Date }>('SELECT user_id, expires_at FROM sessions WHERE id = $1', [hashSecret(secret)]);
    expect(rows.map((r) => Number(r.user_id))).toEqual([leader.user.id]);
    expect(rows[0]!.expires_at.getTime()).toBeGreaterThan(Date.now() + t.cfg.AUTH_SESSION_TTL_MS - 60_000);

    // Audited, with the token's visible prefix only.
    const { rows: audit } = await t.db.query<{ action: string; actor_name: string; after: Record<string, unknown> }>(
      `SELECT action, actor_name, after FROM audit_log WHERE action = 'session.screen_login' AND actor_id = $1`,
      [leader.user.id],
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]!.after.tokenPrefix).toBe(leader.token.slice(0, 9));
    expect(JSON.stringify(audit)).not.toContain(leader.token);
  });

  it('works for duty officers and analysts too', async () => {
    for (const role of ['pr', 'analyst'] as const) {
      const c = await makeCaller(t.db, `screen-${role}`, role);
      const res = await screen(c.token);
      expect(res.statusCode, role).toBe(200);
      expect(cookieOf(res), role).toBeDefined();
    }
  });

  it('refuses a revoked, an unknown and a disabled user’s token with one Chinese message and no cookie', async () => {
    const revoked = await makeCaller(t.db, 'screen-revoked', 'leader');
    expect((await app.inject({ method: 'DELETE', url: `/api/tokens/${revoked.tokenId}`, headers: bearer(admin.token) })).statusCode).toBe(200);
    const disabled = await makeCaller(t.db, 'screen-disabled', 'pr');
    // Valid before, so that the refusal below is the disabling's doing.
    expect((await screen(disabled.token)).statusCode).toBe(200);
    await setUserDisabled(t.db, 'screen-disabled', true);

    const answers = [await screen(revoked.token), await screen('yq_unknown-token-never-issued'), await screen(disabled.token)];
    for (const res of answers) {
      expect(res.statusCode, res.body).toBe(401);
      expect(res.json().error.code).toBe('INVALID_SCREEN_TOKEN');
      expect(res.json().error.message).toMatch(chinese);
      expect(cookieOf(res)).toBeUndefined();
    }
    // One answer for all three: nothing to learn about which tokens exist.
    expect(new Set(answers.map((r) => r.body)).size).toBe(1);
  });

  it('refuses an admin’s and an ingest account’s token: a wall screen is not a console', async () => {
    for (const role of ['admin', 'ingest'] as const) {
      const c = await makeCaller(t.db, `screen-not-${role}`, role);
      const res = await screen(c.token);
      expect(res.statusCode, role).toBe(403);
      expect(res.json().error.code).toBe('SCREEN_ROLE_NOT_ALLOWED');
      expect(res.json().error.message).toMatch(chinese);
      expect(cookieOf(res)).toBeUndefined();
    }
  });

  it('refuses what is not a token at all, in Chinese', async () => {
    for (const token of ['', 'x'.repeat(201), 42]) {
      const res = await screen(token);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toMatch(chinese);
    }
  });

  it('limits attempts per address: after the failures allowed even a valid token waits', async () => {
    const c = await makeCaller(t.db, 'screen-limited', 'leader');
    const ip = '10.9.9.9';
    for (let i = 0; i < 3; i++) expect((await screen(`yq_guess-${i}`, ip)).statusCode).toBe(401);
    const limited = await screen(c.token, ip);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('TOO_MANY_ATTEMPTS');
    expect(limited.json().error.message).toMatch(chinese);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(cookieOf(limited)).toBeUndefined();
    // Another address is not held up by this one's guesses.
    expect((await screen(c.token, '10.9.9.10')).statusCode).toBe(200);
  });

  it('a session that ran out is replaced by exchanging the token again; revoking the token ends that', async () => {
    const c = await makeCaller(t.db, 'screen-expiring', 'leader');
    const first = cookieOf(await screen(c.token))!;
    expect((await app.inject({ url: '/api/overview', headers: { cookie: first } })).statusCode).toBe(200);
    await t.db.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [c.user.id]);
    expect((await app.inject({ url: '/api/overview', headers: { cookie: first } })).statusCode).toBe(401);

    const second = cookieOf(await screen(c.token));
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect((await app.inject({ url: '/api/overview', headers: { cookie: second! } })).statusCode).toBe(200);

    expect((await app.inject({ method: 'DELETE', url: `/api/tokens/${c.tokenId}`, headers: bearer(admin.token) })).statusCode).toBe(200);
    const refused = await screen(c.token);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.message).toMatch(chinese);
  });
});
