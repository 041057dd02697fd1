/**
 * The admin's user console through the API: disable and enable an account (its sessions end, its
 * tokens are refused, it can sign in again once enabled), never oneself nor the last admin; reset a
 * password (shown once, the old one and every session dead); list tokens without their secrets.
 * Every change is audited, never with a password or a hash.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import type { FastifyInstance } from 'fastify';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, makeCaller, type Caller } from './auth-fixtures';

let t: TestEnv;
let app: FastifyInstance;
let admin: Caller;

const login = (name: string, password: string) => app.inject({ method: 'POST', url: '/api/auth/login', payload: { name, password } });
const me = (token: string) => app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(token) });

beforeAll(async () => {
  t = await createTestEnv('usersadmin', { AUTH_CACHE_TTL_MS: '0' });
  admin = await makeCaller(t.db, 'chief', 'admin', 'chief-pass-1');
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
});
afterAll(async () => {
  await app?.close();
  await t?.cleanup();
});

describe('disable and enable', () => {
  it('a disabled user is signed out and refused, and can sign in again once enabled', async () => {
    const duty = await makeCaller(t.db, 'duty-a', 'pr', 'duty-pass-1');
    const session = await login('duty-a', 'duty-pass-1');
    expect(session.statusCode).toBe(200);
    const cookie = String(session.headers['set-cookie']).split(';')[0]!;

    const off = await app.inject({ method: 'PATCH', url: '/api/users/duty-a', headers: bearer(admin.token), payload: { disabled: true } });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json().user).toMatchObject({ name: 'duty-a', disabled: true });
    expect((await me(duty.token)).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(401);
    expect((await login('duty-a', 'duty-pass-1')).statusCode).toBe(401);

    const on = await app.inject({ method: 'PATCH', url: '/api/users/duty-a', headers: bearer(admin.token), payload: { disabled: false } });
    expect(on.json().user.disabled).toBe(false);
    expect((await login('duty-a', 'duty-pass-1')).statusCode).toBe(200);
    const actions = (await t.db.query(`SELECT action FROM audit_log WHERE entity = 'user' AND entity_id = $1 ORDER BY id`, [String(duty.user.id)])).rows.map((r) => r.action);
    expect(actions).toEqual(['user.disable', 'user.enable']);
  });

  it('refuses to lock the admin out: not oneself, not the last admin; unknown users and fields are errors', async () => {
    const self = await app.inject({ method: 'PATCH', url: '/api/users/chief', headers: bearer(admin.token), payload: { disabled: true } });
    expect(self.statusCode).toBe(409);
    expect(self.json().error.code).toBe('CANNOT_DISABLE_SELF');
    const second = await makeCaller(t.db, 'deputy', 'admin', 'deputy-pass-1');
    // The deputy may disable the chief while both are admins … but not then the last one left.
    expect((await app.inject({ method: 'PATCH', url: '/api/users/chief', headers: bearer(second.token), payload: { disabled: true } })).statusCode).toBe(200);
    const third = await makeCaller(t.db, 'third', 'admin', 'third-pass-1');
    await app.inject({ method: 'PATCH', url: '/api/users/third', headers: bearer(second.token), payload: { disabled: true } });
    expect((await app.inject({ method: 'PATCH', url: '/api/users/deputy', headers: bearer(third.token), payload: { disabled: true } })).statusCode).toBe(401); // third is disabled
    expect((await app.inject({ method: 'PATCH', url: '/api/users/chief', headers: bearer(second.token), payload: { disabled: false } })).statusCode).toBe(200);
    const last = await app.inject({ method: 'PATCH', url: '/api/users/deputy', headers: bearer(admin.token), payload: { disabled: true } });
    expect(last.statusCode).toBe(200); // chief is back: deputy is not the last
    const lastOne = await app.inject({ method: 'PATCH', url: '/api/users/chief', headers: bearer(admin.token), payload: { disabled: true } });
    expect(lastOne.json().error.code).toBe('CANNOT_DISABLE_SELF');
    expect((await app.inject({ method: 'PATCH', url: '/api/users/nobody', headers: bearer(admin.token), payload: { disabled: true } })).statusCode).toBe(404);
    expect((await app.inject({ method: 'PATCH', url: '/api/users/duty-a', headers: bearer(admin.token), payload: { disabled: true, role: 'admin' } })).statusCode).toBe(400);
  });
});

describe('password reset and tokens', () => {
  it('a reset password is shown once; the old one and every session stop working; the audit holds no secret', async () => {
    const analyst = await makeCaller(t.db, 'analyst-a', 'analyst', 'old-pass-1');
    const session = await login('analyst-a', 'old-pass-1');
    const cookie = String(session.headers['set-cookie']).split(';')[0]!;
    const res = await app.inject({ method: 'POST', url: '/api/users/analyst-a/password', headers: bearer(admin.token) });
    expect(res.statusCode, res.body).toBe(200);
    const { password } = res.json() as { password: string };
    expect(password.length).toBeGreaterThanOrEqual(12);
    expect((await login('analyst-a', 'old-pass-1')).statusCode).toBe(401);
    expect((await login('analyst-a', password)).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(401);
    const audit = (await t.db.query(`SELECT after FROM audit_log WHERE action = 'user.password_reset' AND entity_id = $1`, [String(analyst.user.id)])).rows;
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0].after)).not.toContain(password);
    expect(JSON.stringify(audit[0].after)).not.toMatch(/scrypt|hash/i);
    await makeCaller(t.db, 'pusher', 'ingest');
    expect((await app.inject({ method: 'POST', url: '/api/users/pusher/password', headers: bearer(admin.token) })).json().error.code).toBe('NO_PASSWORD_FOR_ROLE');
  });

  it('lists tokens without their secrets, for admins only', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/tokens', headers: bearer(admin.token) });
    expect(res.statusCode).toBe(200);
    const tokens = res.json().tokens as Array<{ userName: string; prefix: string }>;
    expect(tokens.map((x) => x.userName)).toEqual(expect.arrayContaining(['chief', 'pusher']));
    expect(res.body).not.toContain(admin.token);
    const pr = await makeCaller(t.db, 'duty-b', 'pr');
    expect((await app.inject({ method: 'GET', url: '/api/tokens', headers: bearer(pr.token) })).statusCode).toBe(403);
  });
});
